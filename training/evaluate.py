"""SD noise schedule, Euler sampler with CFG, and a simple image analyser.

Schedule: Stable Diffusion's `scaled_linear` betas, computed in float64 exactly as
diffusers' DDPMScheduler/EulerDiscreteScheduler do (betas = linspace(sqrt(b0),
sqrt(b1), 1000)**2). Euler sampling follows diffusers EulerDiscreteScheduler
(sigma = sqrt((1-a)/a), inputs scaled by 1/sqrt(sigma^2+1), x += eps*(s_next-s)).
"""
import numpy as np
import torch

import data

T = 1000
BETA_START, BETA_END = 0.00085, 0.012
BETAS = np.linspace(BETA_START ** 0.5, BETA_END ** 0.5, T, dtype=np.float64) ** 2
ALPHAS_CUMPROD = np.cumprod(1.0 - BETAS)


def euler_timesteps(steps, spacing="trailing", steps_offset=1):
    if spacing == "trailing":
        ts = np.round(np.arange(T, 0, -T / steps)).astype(np.int64) - 1
    elif spacing == "leading":
        ts = (np.arange(0, steps) * (T // steps)).round()[::-1].astype(np.int64) + steps_offset
    else:  # linspace
        ts = np.linspace(0, T - 1, steps)[::-1]
    return ts


@torch.no_grad()
def sample(unet, text_encoder, tok, prompts, steps=20, cfg=6.0, seed=0, spacing="trailing",
           latent_hw=8):
    g = torch.Generator().manual_seed(seed)
    B = len(prompts)
    ids = torch.tensor(tok(list(prompts)) + tok([""] * B), dtype=torch.long)
    ctx = text_encoder(ids)
    ts = euler_timesteps(steps, spacing)
    sig_all = np.sqrt((1 - ALPHAS_CUMPROD) / ALPHAS_CUMPROD)
    sigmas = np.interp(ts, np.arange(T), sig_all)
    sigmas = np.append(sigmas, 0.0).astype(np.float32)
    init_sigma = sigmas.max() if spacing in ("linspace", "trailing") else (sigmas.max() ** 2 + 1) ** 0.5
    x = torch.randn(B, 4, latent_hw, latent_hw, generator=g) * float(init_sigma)
    for i, t in enumerate(ts):
        s = float(sigmas[i])
        xin = torch.cat([x, x]) / (s * s + 1) ** 0.5
        eps = unet(xin, torch.full((2 * B,), float(t)), ctx)
        e_c, e_u = eps[:B], eps[B:]
        e = e_u + cfg * (e_c - e_u)
        x = x + e * (float(sigmas[i + 1]) - s)
    return x


# ------------------------------------------------------------------ analyser
PALETTE = np.array([data.COLORS[c] for c in data.COLOR_NAMES], dtype=np.float32)


def _nearest_color(rgb):
    return data.COLOR_NAMES[int(np.argmin(((PALETTE - rgb) ** 2).sum(1)))]


def features(img):
    """img uint8 HxWx3 -> dict with bg colour, mask stats."""
    im = img.astype(np.float32)
    H, W, _ = im.shape
    border = np.concatenate([im[0], im[-1], im[:, 0], im[:, -1]])
    bg = np.median(border, axis=0)
    dist = np.sqrt(((im - bg) ** 2).sum(-1))
    mask = dist > 60
    out = {"background": _nearest_color(bg)}
    if mask.sum() < 4:
        return out
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    bw, bh = x1 - x0, y1 - y0
    out["color"] = _nearest_color(im[mask].mean(0))
    cx, cy = (x0 + x1) / 2 / W, (y0 + y1) / 2 / H   # bbox centre
    out["centroid"] = (xs.mean() / W, ys.mean() / H)
    h = "left" if cx < 1 / 3 else ("right" if cx > 2 / 3 else "")
    v = "top" if cy < 1 / 3 else ("bottom" if cy > 2 / 3 else "")
    out["position"] = (v + " " + h).strip() or "center"
    out["size"] = "big" if max(bw, bh) / W > 0.35 else "small"
    fill = mask.sum() / float(bw * bh)
    cxi, cyi = int((x0 + x1) / 2), int((y0 + y1) / 2)
    r = max(1, int(min(bw, bh) * 0.12))
    hole = 1.0 - mask[max(0, cyi - r):cyi + r + 1, max(0, cxi - r):cxi + r + 1].mean()
    voff = (ys.mean() + 0.5 - (y0 + y1) / 2) / bh
    # fraction of mask in the top-row band (triangle apex: small; square: full)
    top = mask[y0:y0 + max(1, bh // 5), x0:x1].mean()
    out["feat"] = np.array([fill, hole, voff * 3, top], dtype=np.float32)
    return out


_SHAPE_MEANS = None


def _calibrate():
    global _SHAPE_MEANS
    rng = np.random.default_rng(99)
    acc = {s: [] for s in data.SHAPES}
    for i in range(400):
        a = data.sample_attrs(rng, allow_holdout=True)
        f = features(data.render(a, rng))
        if "feat" in f:
            acc[a["shape"]].append(f["feat"])
    _SHAPE_MEANS = {s: np.mean(v, 0) for s, v in acc.items()}


def analyse(img):
    if _SHAPE_MEANS is None:
        _calibrate()
    f = features(img)
    if "feat" in f:
        f["shape"] = min(_SHAPE_MEANS, key=lambda s: ((_SHAPE_MEANS[s] - f["feat"]) ** 2).sum())
    return f


ATTRS = ["color", "shape", "position", "size", "background"]


def score(images, expected):
    hits = {k: 0 for k in ATTRS}
    n = {k: 0 for k in ATTRS}
    for img, exp in zip(images, expected):
        f = analyse(img)
        for k in ATTRS:
            if k in exp:
                n[k] += 1
                hits[k] += int(f.get(k) == exp[k])
    return {k: hits[k] / max(1, n[k]) for k in ATTRS}


def to_uint8(x):
    """decoder output [-1,1] NCHW tensor -> list of HxWx3 uint8"""
    x = ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    return list(x)


if __name__ == "__main__":
    # sanity: analyser accuracy on ground-truth renders
    rng = np.random.default_rng(5)
    attrs = [data.sample_attrs(rng, allow_holdout=True) for _ in range(500)]
    imgs = [data.render(a, rng) for a in attrs]
    print(score(imgs, attrs))
