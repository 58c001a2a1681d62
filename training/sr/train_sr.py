#!/usr/bin/env python3
"""Trains the embedded super-resolution model `models/tiny-shapes-sr` (x2) from scratch.

  /usr/bin/python3 training/sr/train_sr.py --out models/tiny-shapes-sr [--minutes 20] [--seed 0]

Why it is cheap: the procedural renderer (training/data.py) draws any scene at any resolution, so
LR/HR pairs are free. HR = a scene drawn 4x supersampled and box-filtered to the target size (what
`data.render` does for the 64x64 training images of the diffusion model); LR = HR box-filtered by 2,
which is how `data.render` at half the size would draw the same scene. Mild degradations (a little
blur, a little noise) make it tolerant of the VAE's softer output.

Network: SRVGGNetCompact (Real-ESRGAN's `realesr-general-x4v3` architecture, ported from
xinntao/Real-ESRGAN `realesrgan/archs/srvgg_arch.py`): conv3x3 + PReLU, `num_conv` conv3x3 + PReLU
body, conv3x3 to 3*r*r channels, pixel shuffle, plus the nearest-upsampled input. Same ONNX
interface as the public Real-ESRGAN exports: `input` float32 [1,3,H,W] in 0..1 -> `output`
[1,3,rH,rW], so the app runs both through one code path.

Runs on one CPU thread (the machine is shared) for a fixed wall-time budget with a cosine learning
rate over that budget, then measures PSNR and edge sharpness against bicubic on held-out scenes of
the diffusion model's own distribution and writes the model card.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import data  # noqa: E402  (the diffusion model's renderer)

SCALE = 2
OPSET = 17


class SRVGGNetCompact(nn.Module):
    """Port of Real-ESRGAN's SRVGGNetCompact (srvgg_arch.py), act_type 'prelu'."""

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=4):
        super().__init__()
        self.upscale = upscale
        layers = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        layers += [nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1)]
        self.body = nn.ModuleList(layers)
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        out = self.upsampler(out)
        # the network learns the residual over nearest-neighbour upsampling
        return out + F.interpolate(x, scale_factor=self.upscale, mode="nearest")


# ------------------------------------------------------------------ scenes
def _random_colour(rng):
    if rng.random() < 0.7:
        return data.COLORS[data.COLOR_NAMES[rng.integers(len(data.COLOR_NAMES))]]
    return tuple(int(v) for v in rng.integers(0, 256, 3))


def render_scene(rng, hr):
    """A random scene of 1-4 shapes (the diffusion model's shapes, any colour, size, place,
    sometimes rotated polygons and thin lines), drawn 4x supersampled and box-filtered to hr x hr."""
    ss = 4
    S = hr * ss
    bg = _random_colour(rng)
    img = Image.new("RGB", (S, S), bg)
    d = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(1, 5))):
        col = _random_colour(rng)
        half = rng.uniform(0.06, 0.4) * S
        cx, cy = rng.uniform(0, S), rng.uniform(0, S)
        kind = rng.integers(0, 7)
        if kind == 0:
            d.ellipse([cx - half, cy - half, cx + half, cy + half], fill=col)
        elif kind == 1:
            d.ellipse([cx - half, cy - half, cx + half, cy + half], fill=col)
            h2 = half * rng.uniform(0.4, 0.7)
            d.ellipse([cx - h2, cy - h2, cx + h2, cy + h2], fill=bg)
        elif kind == 2:
            d.rectangle([cx - half, cy - half, cx + half, cy + half], fill=col)
        elif kind == 3:
            d.polygon([(cx, cy - half), (cx + half, cy + half), (cx - half, cy + half)], fill=col)
        elif kind == 4:
            d.polygon(data._star(cx, cy, half), fill=col)
        elif kind == 5:
            n = int(rng.integers(3, 7))
            a0 = rng.uniform(0, 2 * math.pi)
            pts = [(cx + half * math.cos(a0 + 2 * math.pi * k / n),
                    cy + half * math.sin(a0 + 2 * math.pi * k / n)) for k in range(n)]
            d.polygon(pts, fill=col)
        else:
            w = int(rng.uniform(0.5, 3.0) * ss)
            d.line([(cx - half, cy - half * rng.uniform(-1, 1)), (cx + half, cy + half * rng.uniform(-1, 1))],
                   fill=col, width=max(1, w))
    img = img.resize((hr, hr), Image.BOX)
    return np.asarray(img, dtype=np.uint8)


def app_scene(rng, hr):
    """One of the diffusion model's own scenes (data.render) at hr x hr."""
    a = data.sample_attrs(rng, allow_holdout=True)
    return data.render(a, rng, res=hr)


def downscale(hr_u8, r=SCALE):
    h, w, _ = hr_u8.shape
    return np.asarray(Image.fromarray(hr_u8).resize((w // r, h // r), Image.BOX), dtype=np.uint8)


def degrade(lr_u8, rng):
    img = Image.fromarray(lr_u8)
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.2, 0.7)))
    x = np.asarray(img, dtype=np.float32)
    if rng.random() < 0.4:
        x = x + rng.normal(0, rng.uniform(0.5, 3.0), x.shape)
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def make_pool(n, rng, hr=64):
    hrs = np.empty((n, hr, hr, 3), np.uint8)
    lrs = np.empty((n, hr // SCALE, hr // SCALE, 3), np.uint8)
    for i in range(n):
        if rng.random() < 0.35:
            # an app scene at 128, cropped: the object's scale in the images the app upscales
            full = app_scene(rng, hr * 2)
            y, x = rng.integers(0, hr + 1, 2) // 2 * 2
            h = full[y:y + hr, x:x + hr]
        else:
            h = render_scene(rng, hr)
        hrs[i] = h
        lrs[i] = degrade(downscale(h), rng)
    return hrs, lrs


def to_tensor(u8):
    return torch.from_numpy(u8).permute(0, 3, 1, 2).float().div_(255.0)


# ------------------------------------------------------------------ measures (mirrored in TS)
def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255.0 ** 2 / max(mse, 1e-10))


def grad_mag(u8):
    """Luma gradient magnitude (central differences), float64 HxW; border pixels are 0."""
    y = u8.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    g = np.zeros_like(y)
    gx = (y[1:-1, 2:] - y[1:-1, :-2]) / 2
    gy = (y[2:, 1:-1] - y[:-2, 1:-1]) / 2
    g[1:-1, 1:-1] = np.sqrt(gx * gx + gy * gy)
    return g


def edge_sharpness(img, ref):
    """Mean gradient magnitude of img over the reference's edge pixels (ref gradient > 8 levels),
    divided by the reference's own: 1.0 = edges as crisp as the ground truth, < 1 = blurred."""
    gr = grad_mag(ref)
    mask = gr > 8.0
    if not mask.any():
        return 1.0
    return float(grad_mag(img)[mask].mean() / gr[mask].mean())


def bicubic(lr_u8, r=SCALE):
    h, w, _ = lr_u8.shape
    return np.asarray(Image.fromarray(lr_u8).resize((w * r, h * r), Image.BICUBIC), dtype=np.uint8)


@torch.no_grad()
def run_model(model, lr_u8):
    x = to_tensor(lr_u8[None])
    y = model(x).clamp(0, 1)[0].permute(1, 2, 0).numpy()
    return np.round(y * 255).astype(np.uint8)


def eval_set(seed=2026, n=48):
    """Held-out scenes of the diffusion model's distribution at 128 (LR 64, the app's size)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        hr = app_scene(rng, 128)
        out.append((hr, downscale(hr)))
    return out


def evaluate(model, pairs):
    model.eval()
    rows = {"sr_psnr": [], "bicubic_psnr": [], "sr_sharp": [], "bicubic_sharp": []}
    for hr, lr in pairs:
        sr = run_model(model, lr)
        bc = bicubic(lr)
        rows["sr_psnr"].append(psnr(sr, hr))
        rows["bicubic_psnr"].append(psnr(bc, hr))
        rows["sr_sharp"].append(edge_sharpness(sr, hr))
        rows["bicubic_sharp"].append(edge_sharpness(bc, hr))
    model.train()
    return {k: float(np.mean(v)) for k, v in rows.items()}


# ------------------------------------------------------------------ export
def export(model, out_dir, meta):
    import inspect
    import onnx
    os.makedirs(os.path.join(out_dir, "upscaler"), exist_ok=True)
    path = os.path.join(out_dir, "upscaler", "model.onnx")
    kw = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    m = model.eval()
    with torch.no_grad():
        torch.onnx.export(m, (torch.zeros(1, 3, 32, 32),), path, input_names=["input"],
                          output_names=["output"],
                          dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                        "output": {0: "batch", 2: "height_out", 3: "width_out"}},
                          opset_version=OPSET, do_constant_folding=True, **kw)
    onnx.checker.check_model(onnx.load(path))
    with open(os.path.join(out_dir, "model_index.json"), "w") as f:
        json.dump({"_class_name": "LatentStudioUpscaler", "_latent_studio_version": "0.1.0",
                   "upscaler": ["realesrgan", "SRVGGNetCompact"]}, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "upscaler", "config.json"), "w") as f:
        json.dump({"_class_name": "SRVGGNetCompact", "num_in_ch": 3, "num_out_ch": 3,
                   "num_feat": meta["num_feat"], "num_conv": meta["num_conv"], "upscale": SCALE,
                   "act_type": "prelu", "input_range": [0, 1], "input_name": "input",
                   "output_name": "output"}, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "training_meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/tiny-shapes-sr")
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--num-feat", type=int, default=32)
    ap.add_argument("--num-conv", type=int, default=6)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--patch", type=int, default=48, help="HR patch size")
    ap.add_argument("--pool", type=int, default=24000)
    ap.add_argument("--checkpoint", default=None, help="also save the torch state_dict here")
    ap.add_argument("--eval-n", type=int, default=48, help="held-out scenes in the final eval")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    hrs, lrs = make_pool(args.pool, rng)
    print(f"pool of {args.pool} pairs in {time.time() - t0:.1f}s", flush=True)
    pairs = eval_set(n=args.eval_n)

    model = SRVGGNetCompact(num_feat=args.num_feat, num_conv=args.num_conv, upscale=SCALE)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"SRVGGNetCompact feat={args.num_feat} conv={args.num_conv}: {n_params} parameters", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lr_max, lr_min = 1e-3, 2e-5
    budget = args.minutes * 60
    t_start = time.time()
    step = 0
    p_hr = args.patch
    p_lr = p_hr // SCALE
    last_log = 0.0
    while True:
        frac = (time.time() - t_start) / budget
        if frac >= 1:
            break
        for g in opt.param_groups:
            g["lr"] = lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * frac))
        idx = rng.integers(0, args.pool, args.batch)
        ys, xs = rng.integers(0, (64 - p_hr) // SCALE + 1, (2, args.batch))
        hb = np.stack([hrs[i, y * SCALE:y * SCALE + p_hr, x * SCALE:x * SCALE + p_hr]
                       for i, y, x in zip(idx, ys, xs)])
        lb = np.stack([lrs[i, y:y + p_lr, x:x + p_lr] for i, y, x in zip(idx, ys, xs)])
        # dihedral augmentation, the same for the whole batch
        k = int(rng.integers(0, 4))
        hb, lb = np.rot90(hb, k, (1, 2)), np.rot90(lb, k, (1, 2))
        if rng.random() < 0.5:
            hb, lb = hb[:, :, ::-1], lb[:, :, ::-1]
        h, low = to_tensor(np.ascontiguousarray(hb)), to_tensor(np.ascontiguousarray(lb))
        loss = F.mse_loss(model(low), h)  # L2: PSNR itself; L1 collapsed to the zero residual (most target residuals are exactly 0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if time.time() - last_log > 60:
            last_log = time.time()
            ev = evaluate(model, pairs[:12])
            print(f"step {step} t={time.time() - t_start:.0f}s loss={loss.item():.4f} "
                  f"psnr sr={ev['sr_psnr']:.2f} bicubic={ev['bicubic_psnr']:.2f} "
                  f"sharp sr={ev['sr_sharp']:.3f} bicubic={ev['bicubic_sharp']:.3f}", flush=True)
    train_s = time.time() - t_start
    ev = evaluate(model, pairs)
    print("final", json.dumps(ev), flush=True)
    meta = {"recipe": "training/sr/train_sr.py", "seed": args.seed, "steps": step,
            "train_seconds": round(train_s, 1), "threads": 1, "num_feat": args.num_feat,
            "num_conv": args.num_conv, "parameters": n_params, "batch": args.batch,
            "hr_patch": p_hr, "pool": args.pool, "scale": SCALE,
            "eval": {"set": f"{len(pairs)} held-out data.render scenes at 128x128, LR = box/2 (64x64)",
                     **{k: round(v, 4) for k, v in ev.items()}}}
    path = export(model, args.out, meta)
    if args.checkpoint:
        torch.save(model.state_dict(), args.checkpoint)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)", flush=True)


if __name__ == "__main__":
    main()
