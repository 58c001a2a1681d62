#!/usr/bin/env python3
"""Read an exported model folder (this project's ONNX export) back into torch checkpoints.

  /usr/bin/python3 training/import_onnx.py --model models/tiny-shapes --run-dir training/runs/shipped

Writes <run-dir>/vae.pt (encoder + decoder, scaling_factor) and <run-dir>/ema.pt (text encoder +
U-Net), the files train.py --resume and distill.py read, so a shipped model can be distilled or
continued without its original run directory.
How: the TorchScript exporter names some initializers after the op that uses them
("onnx::MatMul_1420" = a transposed Linear weight, "onnx::Mul_…" = a GroupNorm scale), but the
names are deterministic for a given architecture and torch version. So the same architecture is
exported once with random, all-distinct weights, each initializer is matched to the parameter it
came from by value (identity, transpose or reshape), and that map is applied to the real file.
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import argparse
import json
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export as exp  # noqa: E402
from models import VAE, TextEncoder, UNet  # noqa: E402


def _inits(path):
    import onnx
    from onnx import numpy_helper
    return {i.name: numpy_helper.to_array(i).astype(np.float32) for i in onnx.load(path).graph.initializer
            if i.data_type in (1, 10)}


def _value_map(module, export_fn):
    """{initializer name: (param name, transform)} for `module`'s ONNX export."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.onnx")
        export_fn(module, path)
        inits = _inits(path)
    params = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    out = {}
    for name, a in inits.items():
        for pn, p in params.items():
            if a.size != p.size or a.size == 0:
                continue
            if a.shape == p.shape and np.array_equal(a, p):
                out[name] = (pn, "id")
            elif a.ndim == 2 and a.T.shape == p.shape and np.array_equal(a.T, p):
                out[name] = (pn, "T")
            elif np.array_equal(a.ravel(), p.ravel()):
                out[name] = (pn, "reshape")
            else:
                continue
            break
    missing = set(params) - {v[0] for v in out.values()}
    if missing:
        raise SystemExit(f"could not locate parameters in the export: {sorted(missing)[:8]}")
    return out


def _load(module, real_path, vmap):
    real = _inits(real_path)
    sd = module.state_dict()
    for name, (pn, how) in vmap.items():
        a = real[name]
        a = a.T if how == "T" else a
        sd[pn] = torch.from_numpy(np.ascontiguousarray(a).reshape(sd[pn].shape))
    module.load_state_dict(sd)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="models/tiny-shapes")
    p.add_argument("--run-dir", default="training/runs/shipped")
    a = p.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.run_dir, exist_ok=True)
    tcfg = json.load(open(os.path.join(a.model, "text_encoder", "config.json")))
    vcfg = json.load(open(os.path.join(a.model, "vae_decoder", "config.json")))
    D = tcfg["hidden_size"]
    te = TextEncoder(tcfg["vocab_size"], d=D, layers=tcfg["num_hidden_layers"],
                     heads=tcfg["num_attention_heads"], causal=tcfg.get("causal_mask", True))
    unet = UNet(dctx=D)
    vae = VAE()
    ids = torch.zeros(2, 77, dtype=torch.long)
    jobs = [
        (te, "text_encoder", lambda m, path: exp._onnx(m, (ids,), path, ["input_ids"], ["last_hidden_state"],
                                                       {"input_ids": {0: "batch", 1: "sequence"},
                                                        "last_hidden_state": {0: "batch", 1: "sequence"}})),
        (unet, "unet", lambda m, path: exp._onnx(m, (torch.randn(2, 4, 8, 8), torch.tensor([999.0, 999.0]),
                                                     torch.randn(2, 77, D)), path,
                                                 ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
                                                 {"sample": {0: "batch", 2: "height", 3: "width"},
                                                  "timestep": {0: "batch"},
                                                  "encoder_hidden_states": {0: "batch", 1: "sequence"},
                                                  "out_sample": {0: "batch", 2: "height", 3: "width"}})),
        (exp._Dec(vae.decoder), "vae_decoder",
         lambda m, path: exp._onnx(m, (torch.randn(1, 4, 8, 8),), path, ["latent_sample"], ["sample"],
                                   {"latent_sample": {0: "batch", 2: "height", 3: "width"},
                                    "sample": {0: "batch", 2: "height_x8", 3: "width_x8"}})),
        (exp._Enc(vae.encoder), "vae_encoder",
         lambda m, path: exp._onnx(m, (torch.randn(1, 3, 64, 64),), path, ["sample"], ["latent_sample"],
                                   {"sample": {0: "batch", 2: "height", 3: "width"},
                                    "latent_sample": {0: "batch", 2: "height_div8", 3: "width_div8"}})),
    ]
    for module, part, fn in jobs:
        vmap = _value_map(module, fn)
        _load(module, os.path.join(a.model, part, "model.onnx"), vmap)
        print(f"{part}: {len(vmap)} initializers mapped", flush=True)
    meta = json.load(open(os.path.join(a.model, "training_meta.json")))
    torch.save({"vae": vae.state_dict(), "scale": vcfg["scaling_factor"], "vae_steps": meta.get("vae_steps", 0),
                "ft_steps": meta.get("decoder_ft_steps", 0)}, os.path.join(a.run_dir, "vae.pt"))
    torch.save({"te": te.state_dict(), "unet": unet.state_dict(), "step": meta.get("unet_steps", 0)},
               os.path.join(a.run_dir, "ema.pt"))
    print(f"wrote {a.run_dir}/vae.pt and ema.pt from {a.model}")


if __name__ == "__main__":
    main()
