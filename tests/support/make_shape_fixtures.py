"""Writes ground-truth renders of the training dataset (tests/fixtures/shapes/) so the TypeScript
image analyser used by `npm run eval:model` is tested on exactly what the model learns to draw.

Run: /usr/bin/python3 tests/support/make_shape_fixtures.py
"""
import json
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "training"))
import data  # noqa: E402

out = os.path.join(ROOT, "tests", "fixtures", "shapes")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(2024)
labels = []
for i in range(120):
    a = data.sample_attrs(rng, allow_holdout=True)
    Image.fromarray(data.render(a, rng)).save(os.path.join(out, f"{i:03d}.png"), optimize=True)
    labels.append({"file": f"{i:03d}.png", **{k: a[k] for k in ("shape", "color", "size", "position", "background")}})
with open(os.path.join(out, "labels.json"), "w") as f:
    json.dump(labels, f, indent=1)
print(f"wrote {len(labels)} renders to {out}")
