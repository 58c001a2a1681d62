#!/usr/bin/env python3
"""Few-step distillation: `models/tiny-shapes` (20 Euler steps, CFG 6) -> `models/tiny-shapes-turbo`
(4 Euler steps, trailing spacing, no CFG: 4 U-Net evaluations per image instead of 40).

  /usr/bin/python3 training/distill.py                                 # the shipped recipe (~30 min)
  /usr/bin/python3 training/distill.py --smoke --base-run R --base-model M --out /tmp/turbo-smoke
By default the teacher is read from the base model's exported ONNX files (--base-model, default
models/tiny-shapes) by import_onnx.py; --base-run uses a training run's checkpoints instead.

Method: trajectory distillation (Luhman & Luhman 2021, "Knowledge distillation in iterative
generative models", extended to a few steps as in progressive distillation, Salimans & Ho 2022).
1. Pairs: the teacher (EMA text encoder + U-Net of the base run) samples x0 = Euler-20/CFG-6(z, prompt)
   from seeded noise z for training-grammar captions. The ODE makes (z, prompt) -> x0 deterministic,
   so the student regresses a function, not an average (no blur).
2. Student = a copy of the teacher U-Net (the text encoder and VAE are shared and frozen). At each
   of the 4 trailing timesteps (999, 749, 499, 249) it is trained so that the Euler step's denoised
   estimate x - sigma * eps equals the teacher's x0. Its inputs are (a) the exact Euler states a
   perfect student would produce from z (computed in closed form) and (b) the states its own EMA
   actually produces when rolled out from z (so errors of earlier steps are corrected: exposure bias).
   Loss: MSE on the denoised latent, with the base recipe's extra weight on latent cells under the object.
Chosen over latent consistency distillation because its target is direct (no bootstrapping through
a target network), which converges in the ~1.5k steps the CPU budget allows; and because the
student keeps Euler's deterministic update, the app samples it with a stock EulerDiscreteScheduler
(trailing) config and `--steps 4 --cfg 1`.
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import argparse
import copy
import json
import math
import shutil
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import evaluate as ev  # noqa: E402
import export as exp  # noqa: E402
from models import VAE, TextEncoder, UNet, nparams  # noqa: E402
from clip_tokenizer import CLIPTokenizer  # noqa: E402
from train import build_tokenizer, fmt, log, object_mask, save_grid  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SIG_ALL = np.sqrt((1 - ev.ALPHAS_CUMPROD) / ev.ALPHAS_CUMPROD)


def sigmas_for(ts):
    return np.append(np.interp(ts, np.arange(ev.T), SIG_ALL), 0.0).astype(np.float32)


def base_tokenizer(model_dir):
    """The base model's own tokenizer (its vocabulary may predate today's caption grammar)."""
    if os.path.exists(os.path.join(model_dir, "tokenizer", "vocab.json")):
        return CLIPTokenizer.load(os.path.join(model_dir, "tokenizer"))
    return build_tokenizer()


def load_base(run_dir, tok, model_dir):
    mp = os.path.join(model_dir, "training_meta.json")
    meta = json.load(open(mp)) if os.path.exists(mp) else None
    a = dict(meta["args"]) if meta else {}
    cp = os.path.join(model_dir, "text_encoder", "config.json")
    if os.path.exists(cp):   # the export states the text encoder's shape
        c = json.load(open(cp))
        a.update(d=c["hidden_size"], te_layers=c["num_hidden_layers"], te_causal=c.get("causal_mask", True))
    D = a.get("d", 96)
    vpath = os.path.join(run_dir, "vae_ft.pt")
    if not os.path.exists(vpath):
        vpath = os.path.join(run_dir, "vae.pt")
    v = torch.load(vpath)
    e = torch.load(os.path.join(run_dir, "ema.pt"))
    vae = VAE(); vae.load_state_dict(v["vae"]); vae.eval()
    te = TextEncoder(len(tok.encoder), d=D, layers=a.get("te_layers", 3), causal=a.get("te_causal", False))
    te.load_state_dict(e["te"]); te.eval()
    unet = UNet(dctx=D); unet.load_state_dict(e["unet"]); unet.eval()
    for m in (vae, te, unet):
        for q in m.parameters():
            q.requires_grad_(False)
    return vae, te, unet, v["scale"], e.get("step", 0), meta, v.get("ft_steps", 0)


@torch.no_grad()
def euler(unet, ctx, z, steps, cfg, uncond=None):
    """diffusers EulerDiscreteScheduler (trailing) from the given unit noise z; CFG if uncond given."""
    ts = ev.euler_timesteps(steps, "trailing")
    sig = sigmas_for(ts)
    x = z * float(sig[0])
    B = z.shape[0]
    for i, t in enumerate(ts):
        s = float(sig[i])
        xin = x / (s * s + 1) ** 0.5
        if uncond is not None and cfg != 1.0:
            e = unet(torch.cat([xin, xin]), torch.full((2 * B,), float(t)), torch.cat([ctx, uncond]))
            e = e[B:] + cfg * (e[:B] - e[B:])
        else:
            e = unet(xin, torch.full((B,), float(t)), ctx)
        x = x + e * (float(sig[i + 1]) - s)
    return x


def gen_pairs(args, out_path, shard):
    """Teacher samples for training-grammar captions; saved as one tensor file per shard."""
    torch.set_num_threads(1)
    tok = base_tokenizer(args.base_model)
    vae, te, unet, scale, _, _, _ = load_base(args.base_run, tok, args.base_model)
    rng = np.random.default_rng(args.seed * 100 + shard)
    g = torch.Generator().manual_seed(args.seed * 100 + shard)
    n_target = args.pairs // args.shards
    ids_all, z_all, x0_all, w_all = [], [], [], []
    t0 = time.time()
    uncond = te(torch.tensor(tok([""] * 64), dtype=torch.long))
    while sum(len(z) for z in z_all) < n_target:
        if args.pair_minutes and time.time() - t0 > args.pair_minutes * 60 and z_all:
            break
        caps = []
        for _ in range(64):
            at, r = data.sample_attrs(rng), rng.random()
            # training-grammar captions, some in the canonical wording (attributes never held out)
            caps.append("" if r < 0.05 else data.canonical_prompt(at) if r < 0.05 + args.canonical_share
                        else data.caption(at, rng)[0])
        ids = torch.tensor(tok(caps), dtype=torch.long)
        ctx = te(ids)
        z = torch.randn(64, 4, 8, 8, generator=g)
        x0 = euler(unet, ctx, z, args.teacher_steps, args.teacher_cfg, uncond)
        with torch.no_grad():
            img = vae.decoder(x0 / scale).clamp(-1, 1)
            obj = F.max_pool2d(object_mask(img), 8)
        ids_all.append(ids); z_all.append(z); x0_all.append(x0); w_all.append(obj)
        n = sum(len(z) for z in z_all)
        if len(z_all) % 10 == 0:
            log(f"shard {shard}: {n} pairs, {(time.time() - t0) / n * 64:.2f} s per 64")
    torch.save({"ids": torch.cat(ids_all), "z": torch.cat(z_all), "x0": torch.cat(x0_all),
                "obj": torch.cat(w_all)}, out_path)
    log(f"shard {shard}: {sum(len(z) for z in z_all)} pairs in {time.time() - t0:.0f}s -> {out_path}")


def ideal_states(z, x0, sig):
    """Euler states a perfect student passes through: x_0 = s0 z; D = x0; x_{k+1} = x0 + s_{k+1} eps_k,
    eps_k = (x_k - x0) / s_k. Returns [K, B, ...] in sigma space (unscaled model input * sqrt(s^2+1))."""
    xs = []
    x = z * float(sig[0])
    for k in range(len(sig) - 1):
        xs.append(x)
        eps = (x - x0) / float(sig[k])
        x = x0 + eps * float(sig[k + 1])
    return torch.stack(xs)


def export_turbo(out, vae, te, student, meta, steps, base_model):
    exp.export_all(out, vae, te, student, meta)
    # the parts the student shares with the base model: byte-identical copies of its files
    for part in ("text_encoder", "tokenizer", "vae_decoder", "vae_encoder"):
        src = os.path.join(base_model, part)
        if os.path.isdir(src):
            shutil.rmtree(os.path.join(out, part))
            shutil.copytree(src, os.path.join(out, part))
    if os.path.exists(os.path.join(base_model, "latent_rgb.json")):
        shutil.copy(os.path.join(base_model, "latent_rgb.json"), os.path.join(out, "latent_rgb.json"))
    # This model's own sampler: Euler, trailing spacing (the timesteps it was distilled on).
    sched_path = os.path.join(out, "scheduler", "scheduler_config.json")
    cfg = json.load(open(sched_path))
    cfg["timestep_spacing"] = "trailing"
    exp._json(sched_path, cfg)
    ep = os.path.join(out, "eval_prompts.json")
    e = json.load(open(ep))
    e["settings"] = {"steps": steps, "scheduler": "EulerDiscreteScheduler (trailing)", "guidance_scale": 1.0}
    exp._json(ep, e)
    fp16_weights(os.path.join(out, "unet", "model.onnx"))
    exp.simplify_unet(os.path.join(out, "unet", "model.onnx"))  # the fp16 Casts in place: idempotent


def fp16_weights(path, min_elems=512):
    """Store large float32 initializers as float16 with a Cast back to float32 in the graph: the
    file halves, the model's inputs/outputs and arithmetic stay float32 (ORT folds the casts once
    at session creation). Keeps both embedded models within the 24 MB budget."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    m = onnx.load(path)
    g = m.graph
    casts = []
    keep = []
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type == TensorProto.FLOAT and arr.size >= min_elems:
            name16 = init.name + "__fp16"
            keep.append(numpy_helper.from_array(arr.astype(np.float16), name16))
            casts.append(helper.make_node("Cast", [name16], [init.name], to=TensorProto.FLOAT,
                                          name=init.name + "__cast"))
        else:
            keep.append(init)
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base-run", default="",
                   help="run dir with the base model's torch weights (ema.pt, vae.pt / vae_ft.pt); default: "
                        "<run-dir>/base, imported from --base-model's ONNX files by import_onnx.py")
    p.add_argument("--base-model", default=os.path.join(HERE, "..", "models", "tiny-shapes"),
                   help="the base model's exported folder (training_meta.json, latent_rgb.json)")
    p.add_argument("--run-dir", default=os.path.join(HERE, "runs", "turbo"))
    p.add_argument("--out", default=os.path.join(HERE, "..", "models", "tiny-shapes-turbo"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--pairs", type=int, default=12288, help="teacher samples (upper bound)")
    p.add_argument("--pair-minutes", type=float, default=9.0, help="wall-clock cap for the pair stage")
    p.add_argument("--shards", type=int, default=2, help="parallel 1-thread pair generators")
    p.add_argument("--canonical-share", type=float, default=0.3,
                   help="share of teacher captions in the canonical wording (data.canonical_prompt)")
    p.add_argument("--teacher-steps", type=int, default=20)
    p.add_argument("--teacher-cfg", type=float, default=6.0)
    p.add_argument("--student-steps", type=int, default=4)
    p.add_argument("--minutes", type=float, default=18.0, help="student training budget")
    p.add_argument("--steps", type=int, default=0, help="if >0 overrides --minutes")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--ema", type=float, default=0.995)
    p.add_argument("--rollout", type=float, default=0.5, help="share of samples whose input is the EMA's own rollout")
    p.add_argument("--object-loss", type=float, default=6.0)
    p.add_argument("--gen-shard", type=int, default=-1, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.smoke:
        args.pairs, args.shards, args.steps, args.batch = 128, 1, 10, 16
        args.teacher_steps = 4
    os.makedirs(args.run_dir, exist_ok=True)
    if not args.base_run:
        args.base_run = os.path.join(args.run_dir, "base")
        if args.gen_shard < 0:
            subprocess.run([sys.executable, os.path.join(HERE, "import_onnx.py"), "--model", args.base_model,
                            "--run-dir", args.base_run], check=True, stdout=subprocess.DEVNULL)
    if args.gen_shard >= 0:
        gen_pairs(args, os.path.join(args.run_dir, f"pairs_{args.gen_shard}.pt"), args.gen_shard)
        return
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    t_start = time.time()
    log("args", vars(args))

    # ---- 1. teacher pairs (parallel 1-thread subprocesses)
    procs = []
    for s in range(args.shards):
        cmd = [sys.executable, os.path.abspath(__file__), "--gen-shard", str(s), "--base-run", args.base_run] + \
              [x for x in sys.argv[1:]]
        procs.append(subprocess.Popen(cmd, stdout=open(os.path.join(args.run_dir, f"pairs_{s}.log"), "w"),
                                      stderr=subprocess.STDOUT))
    for pr in procs:
        if pr.wait() != 0:
            raise SystemExit(f"pair generator failed, see {args.run_dir}/pairs_*.log")
    shards = [torch.load(os.path.join(args.run_dir, f"pairs_{s}.pt")) for s in range(args.shards)]
    P = {k: torch.cat([sh[k] for sh in shards]) for k in shards[0]}
    N = len(P["z"])
    pair_minutes = (time.time() - t_start) / 60
    log(f"{N} teacher pairs ({args.teacher_steps} Euler steps, CFG {args.teacher_cfg}) in {pair_minutes:.1f} min")

    # ---- 2. student
    tok = base_tokenizer(args.base_model)
    vae, te, teacher, scale, base_step, base_meta, ft_steps = load_base(args.base_run, tok, args.base_model)
    student = copy.deepcopy(teacher).train()
    for q in student.parameters():
        q.requires_grad_(True)
    ema = copy.deepcopy(teacher).eval()
    opt = torch.optim.AdamW(student.parameters(), lr=args.lr, weight_decay=0.0)
    ts = ev.euler_timesteps(args.student_steps, "trailing")
    sig = sigmas_for(ts)
    K = len(ts)
    g = torch.Generator().manual_seed(args.seed + 1)
    budget = args.minutes * 60
    t0 = time.time()
    step = 0
    run_loss = None
    while True:
        el = time.time() - t0
        if (args.steps and step >= args.steps) or (not args.steps and el >= budget):
            break
        frac = step / args.steps if args.steps else el / budget
        lr = args.lr * min(1.0, (step + 1) / 50) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(frac, 1))))
        for gp in opt.param_groups:
            gp["lr"] = lr
        idx = torch.randint(0, N, (args.batch,), generator=g)
        ids, z, x0, obj = P["ids"][idx], P["z"][idx], P["x0"][idx], P["obj"][idx]
        with torch.no_grad():
            ctx = te(ids)
            states = ideal_states(z, x0, sig)                      # [K, B, 4, 8, 8]
            k = torch.randint(0, K, (args.batch,), generator=g)
            x = states[k, torch.arange(args.batch)]
            # rollout: the EMA student's own Euler states from z (up to step k)
            roll = torch.rand(args.batch, generator=g) < args.rollout
            if roll.any() and int(k[roll].max()) > 0:
                xr = z * float(sig[0])
                kr = k.clone()
                for j in range(int(k[roll].max())):
                    s = float(sig[j])
                    e = ema(xr / (s * s + 1) ** 0.5, torch.full((args.batch,), float(ts[j])), ctx)
                    xr_next = xr + e * (float(sig[j + 1]) - s)
                    upd = (roll & (kr > j))[:, None, None, None]
                    xr = torch.where(upd, xr_next, xr)
                x = torch.where((roll & (k > 0))[:, None, None, None], xr, x)
        s_k = torch.tensor(sig[k.numpy()], dtype=torch.float32)[:, None, None, None]
        t_k = torch.tensor(ts[k.numpy()], dtype=torch.float32)
        eps = student(x / (s_k * s_k + 1).sqrt(), t_k, ctx)
        denoised = x - s_k * eps
        cell_w = 1.0 + args.object_loss * obj
        loss = (((denoised - x0) ** 2) * cell_w).mean((1, 2, 3)) / cell_w.mean((1, 2, 3))
        loss = loss.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        opt.step()
        step += 1
        d = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for a_, b_ in zip(student.parameters(), ema.parameters()):
                b_.mul_(d).add_(a_.detach(), alpha=1 - d)
        run_loss = loss.item() if run_loss is None else 0.97 * run_loss + 0.03 * loss.item()
        if step % 50 == 0 or step == 1:
            log(f"student step {step} loss {run_loss:.4f} lr {lr:.2e} {(time.time() - t0) / step:.3f}s/step")
    student_minutes = (time.time() - t0) / 60
    log(f"student done: {step} steps in {student_minutes:.1f} min")

    # ---- 3. eval (Python analyser) + export
    # eval prompts: the base model's own file (held-out combinations + held-out phrasing)
    ep = os.path.join(args.base_model, "eval_prompts.json")
    if os.path.exists(ep):
        e = json.load(open(ep))
        holdout = {"color_shape": e["held_out_color_shape"], "color_position": e["held_out_color_position"],
                   "eval_prompts": e["prompts"], "phrasing_prompts": e.get("phrasing_prompts", [])}
    else:
        holdout = json.load(open(os.path.join(HERE, "holdout.json")))
    hist = {}
    for name, items in (("held_out_combinations", holdout["eval_prompts"]),
                        ("held_out_phrasing", holdout.get("phrasing_prompts", []))):
        items = items[:12] if args.smoke else items
        if not items:
            continue
        ids = torch.tensor(tok([it["prompt"] for it in items]), dtype=torch.long)
        with torch.no_grad():
            z = torch.randn(len(items), 4, 8, 8, generator=torch.Generator().manual_seed(0))
            lat = euler(ema, te(ids), z, args.student_steps, 1.0)
            imgs = ev.to_uint8(vae.decoder(lat / scale))
        sc = ev.score(imgs, [it["expected"] for it in items])
        hist[name] = sc
        log(f"EVAL turbo ({args.student_steps} Euler steps, CFG 1) {name}: {fmt(sc)}")
        save_grid(imgs, os.path.join(args.run_dir, f"eval_{name}.png"))
    torch.save({"unet": ema.state_dict(), "step": step}, os.path.join(args.run_dir, "student_ema.pt"))
    meta = {"scaling_factor": scale, "vae_steps": (base_meta or {}).get("vae_steps", 0),
            "unet_steps": base_step, "vae_stats": (base_meta or {}).get("vae_stats", {}),
            "params": {"vae_encoder": nparams(vae.encoder), "vae_decoder": nparams(vae.decoder),
                       "text_encoder": nparams(te), "unet": nparams(ema)},
            "args": dict((base_meta or {}).get("args", {"seed": 0, "vae_minutes": 0, "minutes": 0, "vae_batch": 32,
                                                         "captions": 32, "rep": 2, "lr": 0, "min_snr": 0,
                                                         "ema": 0, "d": 96}), smoke=args.smoke),
            "latent_rgb": json.load(open(os.path.join(args.base_model, "latent_rgb.json")))
            if os.path.exists(os.path.join(args.base_model, "latent_rgb.json")) else {"W": [], "b": []},
            "eval_history": [], "final": True, "train_minutes": (time.time() - t_start) / 60,
            "tok": tok, "eval_items": holdout["eval_prompts"],
            "phrasing_items": holdout.get("phrasing_prompts", []), "holdout": holdout,
            "decoder_ft_steps": ft_steps,
            "distill": {"args": vars(args), "pairs": N, "pair_minutes": pair_minutes,
                        "student_steps_trained": step, "student_minutes": student_minutes,
                        "base_unet_steps": base_step, "eval": hist,
                        "total_minutes": (time.time() - t_start) / 60}}
    export_turbo(args.out, vae, te, ema, meta, args.student_steps, args.base_model)
    tm_path = os.path.join(args.out, "training_meta.json")
    tm = json.load(open(tm_path))
    tm["distill"] = meta["distill"]
    exp._json(tm_path, tm)
    log(f"exported {args.out}; ALL DONE in {(time.time() - t_start) / 60:.1f} min")


if __name__ == "__main__":
    main()
