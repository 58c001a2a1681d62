#!/usr/bin/env python3
"""Caption parser: the front end of the embedded models' text encoder (issue #14).

  /usr/bin/python3 training/parser.py --model models/tiny-shapes --also models/tiny-shapes-turbo   # ~20 min
  (or train it with --no-export beside train.py's VAE stage, then export with --from-checkpoint)

Why. The shipped U-Nets were trained on the text encoder of the first caption grammar (causal,
2 layers): on its own template it reads prompts well (colour 96.6 %), but on sentences shaped
otherwise it takes the first colour word for the object (colour 20 %). Retraining the encoder
and U-Net together on a richer grammar (bidirectional, 3 layers) did not get there in the
2-hour CPU budget. What the U-Net needs is not a different embedding space but the *same*
embedding for every phrasing of one scene. So the new text encoder is two networks in one ONNX
graph, trained separately:

1. a **parser**: a bidirectional transformer (3 pre-LN layers, width 64, padding masked) with one
   attention-pooling query per attribute (size, colour, shape, position, background), each
   classifying its value or "not said". Trained here on captions of both training grammars
   (`data.caption`, `data.caption_v1`) plus empty and junk-only captions, never on the held-out
   phrasing grammar (`data.HELD_OUT_TEMPLATES`) or the hand-written `freeform_prompts.json`;
2. a **canonicaliser** (no weights) that writes the parsed attributes as the first grammar's
   canonical caption, "a {size} {colour} {shape} {position} on a {background} background",
   leaving out what was not said, as token ids (table lookups, an exclusive prefix sum as a
   triangular MatMul, a one-hot scatter: only ops every onnxruntime EP has);
3. the **shipped text encoder**, unchanged, on those ids.

So the U-Net (base and turbo alike) sees exactly the embedding it was trained on, and a prompt
with nothing the parser recognises (the empty negative prompt, junk) gives exactly the
unconditional embedding. Interface unchanged: input_ids [batch, sequence] int64 →
last_hidden_state [batch, sequence, 96]. Cost: prompt emphasis "(red:1.3)" weights the output
position of the *input* token, which after canonicalisation holds another word (the model
card says so).
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import argparse
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data  # noqa: E402
import export as exp  # noqa: E402
from clip_tokenizer import CLIPTokenizer  # noqa: E402
from models import TBlock, TextEncoder  # noqa: E402

MAX_LEN = 77
# (attribute, values); class 0 of every head is "not said"
SLOTS = [("size", data.SIZES), ("color", data.COLOR_NAMES), ("shape", data.SHAPES),
         ("position", data.POSITIONS), ("background", data.COLOR_NAMES)]


def canonical_words(slot, value):
    """The words the first grammar's canonical caption (data.canonical_prompt) uses for one value."""
    if slot == "position":
        if value == "center":
            return "in the center"
        if " " in value:
            return f"in the {value} corner"
        return f"at the {value}" if value in ("top", "bottom") else f"on the {value}"
    if slot == "background":
        return f"on a {value} background"
    return value


class CaptionParser(nn.Module):
    def __init__(self, vocab, pad_id, d=128, layers=3, heads=4):
        super().__init__()
        self.pad_id = pad_id
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(MAX_LEN, d) * 0.01)
        self.blocks = nn.ModuleList([TBlock(d, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.query = nn.Parameter(torch.randn(len(SLOTS), d) * 0.02)
        self.heads = nn.ModuleList([nn.Linear(d, len(v) + 1) for _, v in SLOTS])
        # training-only auxiliary head: is this colour word the object's or the background's?
        self.role = nn.Linear(d, 2)
        # inclusive prefix sum as a MatMul (tri[i, j] = 1 for i <= j)
        self.register_buffer("tri", torch.ones(MAX_LEN, MAX_LEN).triu(), persistent=False)

    def key_bias(self, ids):
        """-1e4 on padding: every pad after the first EOS (pad id = EOS id, so the EOS itself stays)."""
        L = ids.shape[1]
        is_pad = (ids == self.pad_id).float()
        seen = torch.matmul(is_pad, self.tri[:L, :L])
        return (seen > 1.5).float() * -1e4   # [B, L]

    def states(self, ids):
        L = ids.shape[1]
        bias = self.key_bias(ids)
        x = self.tok(ids) + self.pos[:L]
        for b in self.blocks:
            x = b(x, bias[:, None, None, :])
        return self.ln(x), bias

    def forward(self, ids, with_roles=False):
        x, bias = self.states(ids)
        scores = torch.einsum("bld,sd->bsl", x, self.query) / math.sqrt(x.shape[-1]) + bias[:, None, :]
        pooled = torch.einsum("bsl,bld->bsd", scores.softmax(-1), x)
        logits = [h(pooled[:, i]) for i, h in enumerate(self.heads)]
        return (logits, self.role(x)) if with_roles else logits


class Canonicaliser(nn.Module):
    """Parsed classes → the canonical caption's token ids, padded like the tokenizer pads."""

    def __init__(self, tok):
        super().__init__()
        self.bos, self.pad = tok.bos_id, tok.pad_id
        enc = lambda words: tok.encode(words)[1:-1]
        self.article = enc("a")
        tables, lens = [], []
        for slot, values in SLOTS:
            rows = [[]] + [enc(canonical_words(slot, v)) for v in values]
            width = max(len(r) for r in rows)
            tables.append(torch.tensor([r + [0] * (width - len(r)) for r in rows], dtype=torch.float32))
            lens.append(torch.tensor([len(r) for r in rows], dtype=torch.float32))
        for i, (t, n) in enumerate(zip(tables, lens)):
            self.register_buffer(f"table{i}", t, persistent=False)
            self.register_buffer(f"len{i}", n, persistent=False)
        K = 1 + sum(t.shape[1] for t in tables)
        self.register_buffer("strict", torch.ones(K, K).triu(1), persistent=False)
        # check against the Python canonical prompt once
        a = {"size": "big", "color": "red", "shape": "star", "position": "top left", "background": "blue"}
        want = tok.encode(data.canonical_prompt(a))
        got = self.forward_ids([torch.tensor([1 + dict(SLOTS)[s].index(a[s])]) for s, _ in SLOTS], MAX_LEN)
        assert got[0, :len(want)].tolist() == want, (got[0, :len(want)].tolist(), want)

    def forward_ids(self, classes, L):
        toks, valid = [], []
        size, color, shape = classes[0], classes[1], classes[2]
        has_object = ((size > 0) | (color > 0) | (shape > 0)).float()[:, None]      # [B, 1]
        toks.append(torch.full_like(has_object, float(self.article[0])))
        valid.append(has_object)
        for i, c in enumerate(classes):
            table, n = getattr(self, f"table{i}"), getattr(self, f"len{i}")
            rows = table[c]                                                          # [B, W]
            ar = torch.arange(table.shape[1], dtype=torch.float32)[None, :]
            toks.append(rows)
            valid.append((ar < n[c][:, None]).float())
        T = torch.cat(toks, 1)
        V = torch.cat(valid, 1)                                                      # [B, K]
        where = 1.0 + torch.matmul(V, self.strict)                                  # BOS at 0
        slots = torch.arange(L, dtype=torch.float32)[None, None, :]
        onehot = (where[:, :, None] == slots).float() * V[:, :, None]                # [B, K, L]
        filled = onehot.sum(1)
        ids = (onehot * T[:, :, None]).sum(1) + (1.0 - filled) * float(self.pad)
        first = (slots[0] == 0).float()                                              # [1, L]
        ids = ids * (1.0 - first) + first * float(self.bos)
        return ids.long()


class ParsingTextEncoder(nn.Module):
    """input_ids → parser → canonical ids → the shipped text encoder → last_hidden_state."""

    def __init__(self, parser, canon, te):
        super().__init__()
        self.parser, self.canon, self.te = parser, canon, te

    def canonical_ids(self, ids):
        return self.canon.forward_ids([l.argmax(-1) for l in self.parser(ids)], ids.shape[1])

    def forward(self, input_ids):
        return self.te(self.canonical_ids(input_ids))


# ------------------------------------------------------------------------------ data
def labels_of(mentioned):
    return [0 if s not in mentioned else 1 + list(v).index(mentioned[s]) for s, v in SLOTS]


def junk_caption(rng):
    """A prompt with no attribute in it (fillers, unknown words, punctuation): must parse as nothing."""
    n = int(rng.integers(1, 5))
    ws = [data.TRAIN_FILLERS[rng.integers(len(data.TRAIN_FILLERS))] if rng.random() < 0.5 else data._junk_word(rng)
          for _ in range(n)]
    return " ".join(ws) + ("" if rng.random() < 0.7 else ".")


def colour_token_ids(tok):
    """{token id: colour name} for the colour words that are single tokens."""
    out = {}
    for name in data.COLOR_NAMES:
        for word in data.COLOR_SYN.get(name, [name]):
            ids = tok.encode(word)[1:-1]
            if len(ids) == 1:
                out[ids[0]] = name
    return out


def colour_roles(ids, attrs, colour_ids):
    """Per-token targets of the auxiliary loss: 0 object colour, 1 background colour, -100 other.
    Derivable from the text because a scene's object and background colours always differ."""
    roles = torch.full(ids.shape, -100, dtype=torch.long)
    for r, a in enumerate(attrs):
        if a is None:
            continue
        for c, t in enumerate(ids[r].tolist()):
            name = colour_ids.get(t)
            if name == a["color"]:
                roles[r, c] = 0
            elif name == a["background"]:
                roles[r, c] = 1
    return roles


def sample_batch(rng, tok, n, colour_ids):
    texts, labels, attrs = [], [], []
    for _ in range(n):
        r = rng.random()
        a = None
        if r < 0.04:
            t, m = "", {}
        elif r < 0.08:
            t, m = junk_caption(rng), {}
        else:
            # every colour x shape / position pair: the held-out combinations test whether the U-Net
            # draws pairs it never saw drawn; reading them is the parser's job either way
            a = data.sample_attrs(rng, allow_holdout=True)
            t, m = (data.caption_v1 if r < 0.25 else data.caption)(a, rng)
        texts.append(t)
        labels.append(labels_of(m))
        attrs.append(a)
    ids = torch.tensor(tok(texts), dtype=torch.long)
    y = torch.tensor(labels, dtype=torch.long)
    return ids, y, colour_roles(ids, attrs, colour_ids)


def accuracy(model, tok, items):
    """Per-attribute accuracy over items [{prompt, expected}] (only the attributes each states)."""
    model.eval()
    hits = {s: [0, 0] for s, _ in SLOTS}
    wrong = []
    with torch.no_grad():
        for k in range(0, len(items), 256):
            chunk = items[k:k + 256]
            ids = torch.tensor(tok([it["prompt"] for it in chunk]), dtype=torch.long)
            preds = [l.argmax(-1) for l in model(ids)]
            for j, it in enumerate(chunk):
                bad = []
                for i, (s, vals) in enumerate(SLOTS):
                    if s not in it["expected"]:
                        continue
                    ok = preds[i][j].item() == 1 + list(vals).index(it["expected"][s])
                    hits[s][0] += ok
                    hits[s][1] += 1
                    if not ok:
                        p = preds[i][j].item()
                        bad.append(f"{s}={'-' if p == 0 else vals[p - 1]}")
                if bad:
                    wrong.append((it["prompt"], bad))
    model.train()
    return {s: round(100.0 * h / max(1, n), 1) for s, (h, n) in hits.items()}, wrong


def held_out_items(seed, n):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        a = data.sample_attrs(rng)
        t = data.HELD_OUT_TEMPLATES[i % len(data.HELD_OUT_TEMPLATES)]
        out.append({"prompt": data.held_out_caption(a, rng, t), "expected": a})
    return out


def train_grammar_items(seed, n):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        a = data.sample_attrs(rng)
        t, m = data.caption(a, rng)
        out.append({"prompt": t, "expected": m})
    return out


def export_into(folder, composite, tok, report):
    """Write text_encoder/model.onnx (+ config) into a model folder, keeping its tokenizer."""
    path = os.path.join(folder, "text_encoder", "model.onnx")
    ids = torch.tensor(tok(["a big red star", ""]), dtype=torch.long)
    exp._onnx(composite, (ids,), path, ["input_ids"], ["last_hidden_state"],
              {"input_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"}})
    cfg_path = os.path.join(folder, "text_encoder", "config.json")
    cfg = json.load(open(cfg_path))
    cfg["caption_parser"] = report
    exp._json(cfg_path, cfg)
    # the hand-written free-form set joins the model's eval prompts (npm run eval:model scores it)
    ev_path = os.path.join(folder, "eval_prompts.json")
    ev = json.load(open(ev_path)) if os.path.exists(ev_path) else {}
    ev["freeform_prompts"] = json.load(open(os.path.join(HERE, "freeform_prompts.json")))["prompts"]
    exp._json(ev_path, ev)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="models/tiny-shapes", help="folder whose text encoder is wrapped")
    p.add_argument("--also", nargs="*", default=["models/tiny-shapes-turbo"],
                   help="further folders sharing that text encoder and tokenizer (written too)")
    p.add_argument("--run-dir", default="training/runs/parser")
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--role-loss", type=float, default=1.0,
                   help="weight of the auxiliary per-token loss: object vs background colour word (0 = off)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-export", action="store_true")
    p.add_argument("--smoke", action="store_true", help="CI: a few steps and small eval sets, full export")
    p.add_argument("--from-checkpoint", action="store_true",
                   help="skip training: load --run-dir/parser.pt, report and export")
    a = p.parse_args()
    n_eval = 1200
    if a.smoke:
        a.steps, a.batch, n_eval = 20, 32, 48
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.run_dir, exist_ok=True)
    t0 = time.time()
    log = lambda *m: print(f"[{(time.time() - t0) / 60:5.1f} min]", *m, flush=True)

    data.check_grammars_disjoint(n=500 if a.smoke else 5000)
    # The tokenizer is the first grammar's (deterministic), so the parser can train before the base
    # model exists: e.g. on the second core during train.py's 1-thread VAE stage.
    tok_dir = os.path.join(a.model, "tokenizer")
    tok = CLIPTokenizer.load(tok_dir) if os.path.exists(os.path.join(tok_dir, "vocab.json")) \
        else CLIPTokenizer.build(data.all_words_v1())
    parser = CaptionParser(len(tok.encoder), tok.pad_id, d=a.d, layers=a.layers)
    log(f"parser params {sum(q.numel() for q in parser.parameters()):,}; vocab {len(tok.encoder)}")
    opt = torch.optim.AdamW(parser.parameters(), lr=a.lr, weight_decay=0.01)
    warm = 200
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / a.steps)))))
    ev_file = os.path.join(a.model, "eval_prompts.json")
    held_small = json.load(open(ev_file))["phrasing_prompts"] if os.path.exists(ev_file) \
        else data.held_out_phrasing_set(n=64)
    held_big = held_out_items(999, n_eval)
    free = json.load(open(os.path.join(HERE, "freeform_prompts.json")))["prompts"]
    trainset = train_grammar_items(555, n_eval)
    if a.from_checkpoint:
        ck = torch.load(os.path.join(a.run_dir, "parser.pt"))
        parser.load_state_dict(ck["parser"], strict=False)
        a.steps = 0
        t0 -= 60 * ck["report"]["train_minutes"]
    colour_ids = colour_token_ids(tok)
    for step in range(1, a.steps + 1):
        ids, y, roles = sample_batch(rng, tok, a.batch, colour_ids)
        L = int((ids != tok.pad_id).sum(1).max().item()) + 1
        logits, role_logits = parser(ids[:, :L], with_roles=True)
        loss = sum(F.cross_entropy(l, y[:, i]) for i, l in enumerate(logits))
        if a.role_loss > 0:
            loss = loss + a.role_loss * F.cross_entropy(role_logits.reshape(-1, 2), roles[:, :L].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parser.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 500 == 0 or (step == a.steps and not a.smoke):
            tr, _ = accuracy(parser, tok, trainset)
            hb, _ = accuracy(parser, tok, held_big)
            log(f"step {step} loss {loss.item():.4f} | training grammar {tr} | held-out phrasing {hb}")
    report = {"steps": ck["report"]["steps"] if a.from_checkpoint else a.steps, "batch": a.batch, "params": sum(q.numel() for q in parser.parameters()),
              "train_minutes": round((time.time() - t0) / 60, 1)}
    for name, items in ((f"training_grammar_{n_eval}", trainset), (f"held_out_phrasing_{n_eval}", held_big),
                        ("held_out_phrasing_eval_64", held_small), ("freeform_handwritten_40", free)):
        acc, wrong = accuracy(parser, tok, items)
        report[name] = acc
        log(f"{name}: {acc}")
        for w in wrong[:12]:
            log("   miss", w)
    torch.save({"parser": parser.state_dict(), "args": vars(a), "report": report}, os.path.join(a.run_dir, "parser.pt"))
    json.dump(report, open(os.path.join(a.run_dir, "report.json"), "w"), indent=1)
    if a.no_export:
        return
    # the shipped text encoder, read back from its ONNX file
    tcfg = json.load(open(os.path.join(a.model, "text_encoder", "config.json")))
    if "caption_parser" in tcfg:
        raise SystemExit(f"{a.model}'s text encoder already has a parser; restore the plain one first "
                         "(git show <commit>:models/tiny-shapes/text_encoder/model.onnx)")
    import import_onnx
    te = TextEncoder(tcfg["vocab_size"], d=tcfg["hidden_size"], layers=tcfg["num_hidden_layers"],
                     heads=tcfg["num_attention_heads"], causal=tcfg.get("causal_mask", True))
    ids0 = torch.zeros(2, 77, dtype=torch.long)
    vmap = import_onnx._value_map(te, lambda m, path: exp._onnx(
        m, (ids0,), path, ["input_ids"], ["last_hidden_state"],
        {"input_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"}}))
    import_onnx._load(te, os.path.join(a.model, "text_encoder", "model.onnx"), vmap)
    te.eval()
    parser.eval()
    composite = ParsingTextEncoder(parser, Canonicaliser(tok), te).eval()
    # exactness: canonical prompts parse to themselves, so the composite equals the shipped encoder there
    canon = [data.canonical_prompt(it["expected"]) for it in data.holdout_eval_set(n=48)] + [""]
    with torch.no_grad():
        ids = torch.tensor(tok(canon), dtype=torch.long)
        same = (composite.canonical_ids(ids) == ids).all(1)
        diff = (composite(ids) - te(ids)).abs().max().item()
    log(f"canonical prompts reproduced exactly: {int(same.sum())}/{len(canon)}; max |Δ| {diff:.2e}")
    report["canonical_prompts_exact"] = f"{int(same.sum())}/{len(canon)}"
    report["te"] = {"layers": a.layers, "d": a.d, "shipped_encoder_layers": tcfg["num_hidden_layers"]}
    for folder in [a.model] + list(a.also):
        export_into(folder, composite, tok, report)
        log(f"wrote {folder}/text_encoder/model.onnx ({os.path.getsize(os.path.join(folder, 'text_encoder', 'model.onnx')) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
