#!/usr/bin/env python3
"""Stage 1b: fine-tune only the VAE decoder on the frozen encoder's latents.

The latent space is defined by the (frozen) encoder, so the U-Net / scaling_factor stay valid;
a longer-trained decoder gives sharper small shapes and fewer edge artefacts.
  /usr/bin/python3 training/finetune_decoder.py --run-dir training/runs/main --minutes 80
Reads <run-dir>/vae.pt, writes <run-dir>/vae_ft.pt every few minutes (and at the end).
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import argparse
import math
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import evaluate as ev  # noqa: E402
from models import VAE  # noqa: E402
from train import to_tensor, log, object_mask, object_weight  # noqa: E402


def finetune_decoder(vae, minutes=0.0, steps=0, lr0=1e-3, batch=32, seed=1, noise=0.05,
                     save=None, save_every_min=5.0):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    for q in vae.encoder.parameters():
        q.requires_grad_(False)
    vae.encoder.eval()
    opt = torch.optim.AdamW(vae.decoder.parameters(), lr=lr0, weight_decay=0.0)
    t0 = time.time()
    last = t0
    step = 0
    budget = minutes * 60
    while True:
        el = time.time() - t0
        if (steps and step >= steps) or (not steps and el >= budget):
            break
        frac = step / steps if steps else el / budget
        lr = lr0 * min(1.0, (step + 1) / 50) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(frac, 1))))
        for gp in opt.param_groups:
            gp["lr"] = lr
        attrs = [data.sample_attrs(rng, allow_holdout=False) for _ in range(batch)]
        x = to_tensor([data.render(a, rng) for a in attrs])
        with torch.no_grad():
            mean, logvar = vae.encoder(x)
            z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
            z = z + noise * mean.std() * torch.randn_like(z)
        rec = vae.decoder(z)
        obj = object_mask(x)
        err = rec - x
        # extra weight on the outer 2-pixel frame (zero-padding corner artefacts fool
        # border-colour analysers) and on each image's 32 worst pixels (outliers, edges)
        frame = torch.ones_like(obj)
        frame[:, :, 2:-2, 2:-2] = 0
        pix = err.abs() + err.pow(2)
        # Object weight normalised by the object's area (as in the VAE stage): a small shape has a
        # tenth of a big one's pixels, and with a flat weight small stars/squares came out as blobs.
        loss = ((1.0 + object_weight(obj) + 4.0 * frame) * pix).mean()
        worst = pix.sum(1).flatten(1).topk(32, dim=1).values.mean()
        loss = loss + 0.1 * worst
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.decoder.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 100 == 0:
            log(f"decoder-ft step {step} loss {loss.item():.4f} lr {lr:.2e} {(time.time() - t0) / step:.3f}s/step")
        if save and time.time() - last > save_every_min * 60:
            save(step)
            last = time.time()
    vae.decoder.eval()
    return step


@torch.no_grad()
def recon_score(vae, n=512, seed=7):
    rng = np.random.default_rng(seed)
    attrs = [data.sample_attrs(rng, allow_holdout=True) for _ in range(n)]
    x = to_tensor([data.render(a, rng) for a in attrs])
    rec = torch.cat([vae.decoder(vae.encoder(x[i:i + 64])[0]) for i in range(0, n, 64)])
    return float((rec.clamp(-1, 1) - x).abs().mean() * 127.5), ev.score(ev.to_uint8(rec), attrs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run-dir", default="training/runs/main")
    p.add_argument("--minutes", type=float, default=80.0)
    p.add_argument("--steps", type=int, default=0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--no-score", action="store_true", help="skip reconstruction scoring (smoke)")
    p.add_argument("--resume", action="store_true", help="start from <run-dir>/vae_ft.pt when it exists")
    a = p.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(os.path.join(a.run_dir, "vae.pt"))
    vae = VAE()
    vae.load_state_dict(ck["vae"])
    ft_path = os.path.join(a.run_dir, "vae_ft.pt")
    steps_before = 0
    if a.resume and os.path.exists(ft_path):
        # Only the decoder differs; the encoder (and so the latents and scale) stay those of vae.pt.
        ft_ck = torch.load(ft_path)
        vae.load_state_dict(ft_ck["vae"])
        steps_before = ft_ck.get("ft_steps", 0)
        log("resumed the decoder from", ft_path, "at fine-tune step", steps_before)
    vae.eval()
    if not a.no_score:
        log("before", recon_score(vae, n=256))

    def save(step):
        path = os.path.join(a.run_dir, "vae_ft.pt")
        total = steps_before + step
        torch.save({"vae": vae.state_dict(), "scale": ck["scale"], "ft_steps": total}, path + ".tmp")
        os.replace(path + ".tmp", path)   # atomic: train.py may load it concurrently
        log(f"saved vae_ft.pt at step {total}")
        if not a.no_score:
            vae.decoder.eval()
            log("recon", recon_score(vae, n=128))
            vae.decoder.train()

    vae.decoder.train()
    n = finetune_decoder(vae, minutes=a.minutes, steps=a.steps, lr0=a.lr, save=save)
    save(n)
    log("done", n)


if __name__ == "__main__":
    main()
