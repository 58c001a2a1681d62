#!/usr/bin/env python3
"""Train + export the 'tiny-shapes' latent diffusion model (one command).

  /usr/bin/python3 training/train.py --out models/tiny-shapes            # full run
  /usr/bin/python3 training/train.py --smoke --out /tmp/ts-smoke         # CI smoke (<2 min)

Stages: (0) tokenizer, (1) VAE (time/step budget), frozen, latent scale,
(2) text encoder + U-Net epsilon-prediction on SD's scaled_linear schedule, EMA,
periodic held-out eval + export, (3) final export (ONNX opset 17, diffusers layout).
"""
import os
# OpenBLAS' own pthreads fight torch's OpenMP threads on 2 cores (measured 2x slower)
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
from clip_tokenizer import CLIPTokenizer  # noqa: E402
from models import VAE, TextEncoder, UNet, nparams  # noqa: E402
import export as exp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def to_tensor(imgs):
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1.0


# Caption grammars: "v1" (data.caption_v1) trained the shipped U-Net; "v2" (data.caption) is the
# richer grammar of the unshipped issue-#14 run. The parser (parser.py) reads both.
CAPTION_FNS = {"v1": lambda: data.caption_v1, "v2": lambda: data.caption}


def build_tokenizer(grammar="v1"):
    return CLIPTokenizer.build(data.all_words_v1() if grammar == "v1" else data.all_words())


GOLDEN_PROMPTS = [
    "a red circle", "A big red circle in the top left corner on a blue background",
    "small green star, bottom-right, grey background", "a large yellow ring on the left",
    "", "   ", "RED   SQUARE", "a purple triangle at the top with a white background.",
    "an orange star in the centre", "the pink ring in the middle on black",
    "cyan square, top right, on a brown backdrop", "a tiny gray triangle at the bottom",
    "blue background, a small white circle on the left", "zebra", "a red zebra!!!",
    "it's a dog's life", "two shapes: a red circle and a blue square",
    "a 3d star with 12 points", "rouge cercle café", "naïve résumé 😀",
    "a big, red, circle", "a big...red circle??", "red-circle/blue_square",
    "\ta  red\ncircle\t", "an image of a large brown star at the bottom left, pink background",
    "Top Left Corner", "hello world", "colour vs color vs coloured",
    "a BLACK star on a YELLOW background", "x" * 20,
    "a very very very very very very very very very very very very very very very very very "
    "very very very very very very very very very very very very very very very very very very "
    "very very very very very very very very very very very very very long prompt",
]


def write_golden(tok, path):
    items = [{"text": p, "ids": tok.encode(p, truncate=False), "ids_truncated_77": tok.encode(p)}
             for p in GOLDEN_PROMPTS]
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"note": "ids = BOS..EOS, unpadded, NOT truncated (transformers.js encode() default); "
                   "ids_truncated_77 = first 76 + EOS; pad id = eos id",
                   "bos_id": tok.bos_id, "eos_id": tok.eos_id, "pad_id": tok.pad_id,
                   "vocab_size": len(tok.encoder), "items": items}, f, ensure_ascii=False, indent=1)


# ------------------------------------------------------------------ stage 1: VAE
def train_vae(vae, args, rng):
    opt = torch.optim.AdamW(vae.parameters(), lr=args.vae_lr, weight_decay=0.0)
    t0 = time.time()
    step = 0
    budget = args.vae_minutes * 60
    while True:
        el = time.time() - t0
        if (args.vae_steps and step >= args.vae_steps) or (not args.vae_steps and el >= budget):
            break
        frac = step / args.vae_steps if args.vae_steps else el / budget
        lr = args.vae_lr * (min(1.0, (step + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(frac, 1)))))
        for gp in opt.param_groups:
            gp["lr"] = lr
        attrs = [data.sample_attrs(rng) for _ in range(args.vae_batch)]
        x = to_tensor([data.render(a, rng) for a in attrs])
        mean, logvar = vae.encoder(x)
        std = torch.exp(0.5 * logvar)
        z = mean + std * torch.randn_like(mean)
        # decoder robustness to small latent errors (diffusion outputs are never exact)
        z = z + 0.05 * mean.detach().std() * torch.randn_like(z)
        rec = vae.decoder(z)
        obj = object_mask(x)
        # Object weight normalised by the object's area (capped): with a flat weight a small shape's
        # ~100 pixels barely registered next to a big one's, and the 8x8 latents learnt to carry only
        # "a blob of this colour" for small objects (a conv probe on those latents read small shapes
        # at ~71 %), which capped every small star/square downstream.
        w = 1.0 + object_weight(obj)
        err = rec - x
        loss_rec = (w * (err.abs() + err.pow(2))).mean()
        kl = 0.5 * (mean.pow(2) + std.pow(2) - 1 - logvar).mean()
        loss = loss_rec + args.kl * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 100 == 0 or step == 1:
            log(f"vae step {step} loss {loss_rec.item():.4f} kl {kl.item():.3f} lr {lr:.2e} "
                f"{(time.time() - t0) / step:.3f}s/step")
    log(f"vae done: {step} steps in {time.time() - t0:.0f}s")
    return step


def object_mask(x):
    """Pixels that differ from the image's border (background) colour, [B,1,H,W] in {0,1}."""
    bg = torch.cat([x[:, :, 0], x[:, :, -1]], 2).median(dim=2).values[:, :, None, None]
    return ((x - bg).abs().sum(1, keepdim=True) > 0.1).float()


def object_weight(obj, base=4.0, ref_area=0.1, cap=8.0):
    """Per-pixel extra weight on object pixels, scaled up for small objects (area below ref_area)."""
    area = obj.mean(dim=(1, 2, 3), keepdim=True).clamp(min=1e-3)
    return base * (ref_area / area).clamp(1.0, cap) * obj


@torch.no_grad()
def vae_stats(vae, rng, n):
    attrs = [data.sample_attrs(rng, allow_holdout=True) for _ in range(n)]
    imgs = [data.render(a, rng) for a in attrs]
    x = to_tensor(imgs)
    means = torch.cat([vae.encoder(x[i:i + 64])[0] for i in range(0, n, 64)])
    scale = float(1.0 / means.std())
    rec = torch.cat([vae.decoder(means[i:i + 64]) for i in range(0, n, 64)])
    sc = ev.score(ev.to_uint8(rec), attrs)
    mae = float((rec.clamp(-1, 1) - x).abs().mean() * 127.5)
    # latent -> RGB preview fit: rgb = latent_scaled . W + b, rgb in [0,1] from 8x8 box downsample
    lat = (means * scale).permute(0, 2, 3, 1).reshape(-1, 4).numpy().astype(np.float64)
    small = F.avg_pool2d((x + 1) / 2, 8).permute(0, 2, 3, 1).reshape(-1, 3).numpy().astype(np.float64)
    A = np.concatenate([lat, np.ones((lat.shape[0], 1))], 1)
    sol, *_ = np.linalg.lstsq(A, small, rcond=None)
    return scale, {"recon_mae_0_255": mae, "recon_attr_acc": sc,
                   "latent_mean": float(means.mean()), "latent_std": float(means.std())}, \
        {"W": sol[:4].tolist(), "b": sol[4].tolist()}


# ------------------------------------------------------------------ stage 2: diffusion
def make_batch(rng, tok, vae, scale, n_caps, rep, drop=0.1, grammar="v1"):
    caption = CAPTION_FNS[grammar]()
    attrs = [data.sample_attrs(rng) for _ in range(n_caps)]
    caps = []
    for a in attrs:
        caps.append("" if rng.random() < drop else caption(a, rng)[0])
    imgs = [data.render(a, rng) for a in attrs for _ in range(rep)]
    with torch.no_grad():
        x = to_tensor(imgs)
        lat = vae.encoder(x)[0] * scale
        # Latent cells the object touches (8x8 max-pool of the pixel mask), for the loss weighting.
        obj_lat = F.max_pool2d(object_mask(x), 8)
    ids = torch.tensor(tok(caps), dtype=torch.long)
    return lat, ids, obj_lat


def run_eval(unet, te, vae, scale, tok, items, cfg=6.0, steps=20, seed=0):
    unet.eval(); te.eval()
    lat = ev.sample(unet, te, tok, [it["prompt"] for it in items], steps=steps, cfg=cfg, seed=seed)
    with torch.no_grad():
        imgs = ev.to_uint8(vae.decoder(lat / scale))
    unet.train(); te.train()
    return ev.score(imgs, [it["expected"] for it in items]), imgs


def fmt(sc):
    return " ".join(f"{k} {v * 100:5.1f}%" for k, v in sc.items())


def save_grid(imgs, path, cols=8):
    from PIL import Image
    rows = [np.concatenate(imgs[i:i + cols] + [np.zeros_like(imgs[0])] * (cols - len(imgs[i:i + cols])), 1)
            for i in range(0, len(imgs), cols)]
    Image.fromarray(np.concatenate(rows, 0)).save(path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=os.path.join(HERE, "..", "models", "tiny-shapes"))
    p.add_argument("--run-dir", default=os.path.join(HERE, "runs", "main"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="few iterations, export (CI)")
    p.add_argument("--threads", type=int, default=1, help="1 is fastest and robust to CPU contention (measured)")
    p.add_argument("--vae-minutes", type=float, default=20.0)
    p.add_argument("--vae-steps", type=int, default=0, help="if >0 overrides --vae-minutes")
    p.add_argument("--vae-batch", type=int, default=32)
    p.add_argument("--vae-lr", type=float, default=2e-3)
    p.add_argument("--kl", type=float, default=1e-6)
    p.add_argument("--grammar", choices=["v1", "v2"], default="v1",
                   help="caption grammar of the U-Net stage: v1 = the shipped model's recipe (causal 2-layer "
                        "encoder); v2 = the richer grammar (bidirectional 3-layer encoder), not shipped")
    p.add_argument("--minutes", type=float, default=85.0,
                   help="U-Net stage wall-clock budget (with --vae-minutes: ~105 min in all; then parser.py "
                        "~10 min, distill.py ~25 min)")
    p.add_argument("--steps", type=int, default=0, help="if >0 overrides --minutes (reproducible)")
    p.add_argument("--captions", type=int, default=32, help="captions per step")
    p.add_argument("--rep", type=int, default=2, help="images per caption (batch = captions*rep)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--min-snr", type=float, default=5.0)
    p.add_argument("--object-loss", type=float, default=6.0,
                   help="extra ε-loss weight on latent cells under the object (0 = plain MSE)")
    p.add_argument("--eval-every-min", type=float, default=20.0)
    p.add_argument("--d", type=int, default=96, help="text width = cross_attention_dim")
    p.add_argument("--te-layers", type=int, default=0, help="text encoder depth (0: 2 for v1, 3 for v2)")
    p.add_argument("--te-causal", type=int, default=-1,
                   help="CLIP's causal mask in the text encoder: 1 on, 0 off (bidirectional, so a colour can "
                        "bind to the noun after it); -1: on for v1, off for v2")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from --run-dir: reuse its VAE (vae.pt, skip stage 1), "
                        "its fine-tuned decoder (vae_ft.pt) and its EMA text encoder + U-Net (ema.pt)")
    p.add_argument("--vae-only", action="store_true",
                   help="stop after stage 1 (vae.pt in --run-dir), e.g. to train the VAE while the caption grammar is edited")
    p.add_argument("--reuse-vae", action="store_true",
                   help="skip stage 1 and use --run-dir's vae.pt (from --vae-only or an earlier run of this recipe)")
    p.add_argument("--decoder-ft-minutes", type=float, default=-1,
                   help="decoder-only fine-tune (finetune_decoder.py) run CONCURRENTLY with the U-Net "
                        "stage in a 1-thread subprocess (uses the 2nd core); -1 = --minutes minus 10 for v1, minus 28 for v2 "
                        "(frees the core for the last part), 0 = off")
    args = p.parse_args()
    if args.te_layers == 0:
        args.te_layers = 2 if args.grammar == "v1" else 3
    args.te_causal = (args.grammar == "v1") if args.te_causal < 0 else bool(args.te_causal)
    if args.smoke:
        args.vae_steps = args.vae_steps or 20
        args.steps = args.steps or 20
        args.captions, args.rep = 8, 2
        if args.run_dir == p.get_default("run_dir"):
            args.run_dir = os.path.join(HERE, "runs", "smoke")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.run_dir, exist_ok=True)
    t_start = time.time()
    log("args", vars(args))

    tok = build_tokenizer(args.grammar)
    # The committed golden ids / holdout file describe the SHIPPED model: a smoke run writes its own
    # copies into its run dir (a full run rewrites them; commit them with the model it exports).
    meta_dir = args.run_dir if args.smoke else HERE
    write_golden(tok, os.path.join(meta_dir, "tokenizer_golden.json"))
    log(f"tokenizer: vocab {len(tok.encoder)} merges {len(tok.merges)} bos {tok.bos_id} eos/pad {tok.eos_id}")
    held_out_words = data.check_grammars_disjoint(n=2000 if args.smoke else 20000)
    log(f"caption grammars disjoint (training captions never use held-out phrasing); "
        f"held-out filler words per training caption: {held_out_words}")
    eval_items = data.holdout_eval_set(n=48)   # deterministic; same file for smoke and full runs
    phrasing_items = data.held_out_phrasing_set(n=64)
    holdout = {"color_shape": [list(x) for x in data.HOLDOUT_COLOR_SHAPE],
               "color_position": [list(x) for x in data.HOLDOUT_COLOR_POSITION],
               "eval_prompts": eval_items, "phrasing_prompts": phrasing_items,
               "phrasing_templates": data.HELD_OUT_TEMPLATES}
    run_items = eval_items[:12] if args.smoke else eval_items
    run_phrasing = phrasing_items[:12] if args.smoke else phrasing_items
    with open(os.path.join(meta_dir, "holdout.json"), "w") as f:
        json.dump(holdout, f, indent=1)

    vae = VAE()
    te = TextEncoder(len(tok.encoder), d=args.d, layers=args.te_layers, causal=args.te_causal)
    unet = UNet(dctx=args.d)
    counts = {"vae_encoder": nparams(vae.encoder), "vae_decoder": nparams(vae.decoder),
              "text_encoder": nparams(te), "unet": nparams(unet)}
    log("params", counts, "total", sum(counts.values()))

    # ---- stage 1
    ft_path = os.path.join(args.run_dir, "vae_ft.pt")
    resumed_steps = 0
    if args.resume:
        # An interrupted run: same VAE (so the same latents and scaling factor), the EMA weights of
        # its last checkpoint as the starting point; the optimizer state starts fresh (short warm-up).
        ck = torch.load(os.path.join(args.run_dir, "vae.pt"))
        vae.load_state_dict(ck["vae"])
        vae_steps = ck.get("vae_steps", 0)
        ema_ck = torch.load(os.path.join(args.run_dir, "ema.pt"))
        te.load_state_dict(ema_ck["te"])
        unet.load_state_dict(ema_ck["unet"])
        resumed_steps = ema_ck.get("step", 0)
        log(f"resumed from {args.run_dir}: U-Net step {resumed_steps}")
    elif args.reuse_vae:
        ck = torch.load(os.path.join(args.run_dir, "vae.pt"))
        vae.load_state_dict(ck["vae"])
        vae_steps = ck.get("vae_steps", 0)
        log(f"reusing {args.run_dir}/vae.pt ({vae_steps} VAE steps)")
    else:
        vae_steps = train_vae(vae, args, rng)
    vae.eval()
    for q in vae.parameters():
        q.requires_grad_(False)
    scale, vstats, latent_rgb = vae_stats(vae, np.random.default_rng(args.seed + 7), 256 if args.smoke else 2048)
    if args.resume or args.reuse_vae:
        scale = ck["scale"]   # keep the exact factor the U-Net was trained with
    log(f"vae scaling_factor {scale:.5f} stats {vstats}")
    torch.save({"vae": vae.state_dict(), "scale": scale, "vae_steps": vae_steps,
                "vae_stats": vstats, "latent_rgb": latent_rgb}, os.path.join(args.run_dir, "vae.pt"))
    if args.vae_only:
        log(f"--vae-only: stopping after stage 1 ({(time.time() - t_start) / 60:.1f} min)")
        return
    if os.path.exists(ft_path) and not args.resume:
        os.remove(ft_path)
    ft_min = args.decoder_ft_minutes if args.decoder_ft_minutes >= 0 else max(0.0, args.minutes - (10 if args.grammar == "v1" else 28))
    ft_proc = None
    if ft_min > 0 or args.smoke:
        cmd = [sys.executable, os.path.join(HERE, "finetune_decoder.py"), "--run-dir", args.run_dir]
        cmd += ["--steps", "5", "--no-score"] if args.smoke else ["--minutes", str(ft_min)]
        if args.resume:
            cmd.append("--resume")
        ft_log = open(os.path.join(args.run_dir, "decoder_ft.log"), "w")
        ft_proc = subprocess.Popen(cmd, stdout=ft_log, stderr=subprocess.STDOUT)
        log("decoder fine-tune subprocess started:", " ".join(cmd))
    dec_vae = copy.deepcopy(vae)
    ft_state = {"steps": 0}

    def refresh_decoder():
        if os.path.exists(ft_path):
            ck = torch.load(ft_path)
            dec_vae.load_state_dict(ck["vae"])
            ft_state["steps"] = ck.get("ft_steps", 0)
        dec_vae.eval()

    # ---- stage 2
    params = list(te.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    ema_te, ema_unet = copy.deepcopy(te).eval(), copy.deepcopy(unet).eval()
    for q in list(ema_te.parameters()) + list(ema_unet.parameters()):
        q.requires_grad_(False)
    ac = torch.tensor(ev.ALPHAS_CUMPROD, dtype=torch.float64)
    snr = ac / (1 - ac)
    wts = (torch.clamp(snr, max=args.min_snr) / snr).float() if args.min_snr > 0 else torch.ones(1000)
    sqrt_ac = ac.sqrt().float()
    sqrt_1m = (1 - ac).sqrt().float()
    budget = args.minutes * 60
    t0 = time.time()
    last_eval = t0
    step = resumed_steps
    run_loss = None
    history = []

    def meta(final):
        return {"scaling_factor": scale, "vae_steps": vae_steps, "unet_steps": step,
                "vae_stats": vstats, "params": counts, "args": vars(args),
                "latent_rgb": latent_rgb, "eval_history": history, "final": final,
                "train_minutes": (time.time() - t_start) / 60, "tok": tok, "eval_items": eval_items, "phrasing_items": phrasing_items,
                "decoder_ft_steps": ft_state["steps"],
                "holdout": holdout}

    def checkpoint(final):
        if final and ft_proc is not None:
            log("waiting for the decoder fine-tune subprocess ...")
            ft_proc.wait()
        refresh_decoder()
        sc, imgs = run_eval(ema_unet, ema_te, dec_vae, scale, tok, run_items)
        scp, imgs_p = run_eval(ema_unet, ema_te, dec_vae, scale, tok, run_phrasing)
        history.append({"step": step, "minutes": round((time.time() - t_start) / 60, 1), **sc,
                        "phrasing": scp})
        log(f"EVAL step {step} held-out (20 Euler, cfg 6, {len(run_items)} prompts, "
            f"decoder-ft step {ft_state['steps']}): {fmt(sc)}")
        log(f"EVAL step {step} held-out PHRASING ({len(run_phrasing)} prompts): {fmt(scp)}")
        save_grid(imgs, os.path.join(args.run_dir, f"eval_{step:06d}.png"))
        save_grid(imgs_p, os.path.join(args.run_dir, f"eval_phrasing_{step:06d}.png"))
        torch.save({"te": ema_te.state_dict(), "unet": ema_unet.state_dict(), "step": step},
                   os.path.join(args.run_dir, "ema.pt"))
        exp.export_all(args.out, dec_vae, ema_te, ema_unet, meta(final),
                       ref_path=os.path.join(args.run_dir, "onnx_ref.json"))
        log(f"exported to {args.out}")

    while True:
        el = time.time() - t0
        if (args.steps and step - resumed_steps >= args.steps) or (not args.steps and el >= budget):
            break
        frac = (step - resumed_steps) / args.steps if args.steps else el / budget
        lr = args.lr * min(1.0, (step - resumed_steps + 1) / 200) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(frac, 1))))
        for gp in opt.param_groups:
            gp["lr"] = lr
        lat, ids, obj_lat = make_batch(rng, tok, vae, scale, args.captions, args.rep, grammar=args.grammar)
        B = lat.shape[0]
        ctx = te(ids).repeat_interleave(args.rep, dim=0)
        t = torch.randint(0, 1000, (B,))
        noise = torch.randn_like(lat)
        xt = sqrt_ac[t][:, None, None, None] * lat + sqrt_1m[t][:, None, None, None] * noise
        pred = unet(xt, t.float(), ctx)
        # ε-MSE with extra weight on the latent cells under the object (normalised per image so the
        # loss scale is unchanged): a small shape covers ~2-4 of 64 cells, so its shape detail was a
        # few per cent of the loss and small stars/squares came out as round blobs.
        cell_w = 1.0 + args.object_loss * obj_lat
        per_image = ((pred - noise).pow(2) * cell_w).mean((1, 2, 3)) / cell_w.mean((1, 2, 3))
        loss = (per_image * wts[t]).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        d = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for m, e in ((te, ema_te), (unet, ema_unet)):
                for a, b in zip(m.parameters(), e.parameters()):
                    b.mul_(d).add_(a.detach(), alpha=1 - d)
        run_loss = loss.item() if run_loss is None else 0.98 * run_loss + 0.02 * loss.item()
        if step % 50 == 0 or step == resumed_steps + 1:
            log(f"unet step {step} loss {run_loss:.4f} lr {lr:.2e} {(time.time() - t0) / max(1, step - resumed_steps):.3f}s/step "
                f"elapsed {(time.time() - t0) / 60:.1f}min")
        if not args.smoke and time.time() - last_eval > args.eval_every_min * 60:
            checkpoint(False)
            last_eval = time.time()
    log(f"unet done: {step} steps in {(time.time() - t0) / 60:.1f} min")
    checkpoint(True)
    log(f"ALL DONE in {(time.time() - t_start) / 60:.1f} min")


if __name__ == "__main__":
    main()
