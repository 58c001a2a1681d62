#!/usr/bin/env python3
"""Writes tests/fixtures/sr/: held-out scenes of the diffusion model's distribution (data.render) at
128x128 (HR), the same scenes box-filtered to 64x64 (LR, what the SR model is given) and PIL's
bicubic x2 of LR (the baseline the tests and the model card compare against). Seeds differ from
training's and from the model card's eval set.

  /usr/bin/python3 training/sr/make_fixtures.py [--n 6] [--out tests/fixtures/sr]
"""
import argparse
import json
import os

import numpy as np
from PIL import Image

from train_sr import app_scene, bicubic, downscale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=6)
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--out", default="tests/fixtures/sr")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    names = []
    for i in range(args.n):
        hr = app_scene(rng, 128)
        lr = downscale(hr)
        for kind, img in (("hr", hr), ("lr", lr), ("bicubic", bicubic(lr))):
            Image.fromarray(img).save(os.path.join(args.out, f"scene-{i}-{kind}.png"))
        names.append(f"scene-{i}")
    with open(os.path.join(args.out, "scenes.json"), "w") as f:
        json.dump({"generator": "training/sr/make_fixtures.py", "seed": args.seed, "hr": 128, "lr": 64,
                   "scenes": names}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
