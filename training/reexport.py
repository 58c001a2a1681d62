#!/usr/bin/env python3
"""Re-export (and optionally re-evaluate) a model from a run's checkpoints without training.

  /usr/bin/python3 training/reexport.py --run-dir training/runs/main --out models/tiny-shapes
Uses vae.pt + ema.pt and the training_meta.json already in --out (for the card/eval history).
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import argparse
import json
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import export as exp  # noqa: E402
from train import build_tokenizer, run_eval, fmt  # noqa: E402
from models import VAE, TextEncoder, UNet, nparams  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run-dir", default="training/runs/main")
    p.add_argument("--out", default="models/tiny-shapes")
    p.add_argument("--eval", action="store_true")
    p.add_argument("--only-if-better", action="store_true",
                   help="with --eval: export only if the mean held-out score beats the last eval in training_meta.json")
    p.add_argument("--vae", default="", help="VAE checkpoint (default: vae_ft.pt if present, else vae.pt)")
    a = p.parse_args()
    torch.set_num_threads(1)
    meta_old = json.load(open(os.path.join(a.out, "training_meta.json")))
    tok = build_tokenizer()
    D = meta_old["args"]["d"]
    vpath = a.vae or os.path.join(a.run_dir, "vae_ft.pt")
    if not os.path.exists(vpath):
        vpath = os.path.join(a.run_dir, "vae.pt")
    print("vae checkpoint", vpath)
    v = torch.load(vpath)
    e = torch.load(os.path.join(a.run_dir, "ema.pt"))
    vae = VAE(); vae.load_state_dict(v["vae"]); vae.eval()
    ta = meta_old["args"]
    te = TextEncoder(len(tok.encoder), d=D, layers=ta.get("te_layers", 2), causal=ta.get("te_causal", True))
    te.load_state_dict(e["te"]); te.eval()
    unet = UNet(dctx=D); unet.load_state_dict(e["unet"]); unet.eval()
    holdout = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "holdout.json")))
    items = holdout["eval_prompts"]
    meta = dict(meta_old)
    meta["decoder_ft_steps"] = v.get("ft_steps", 0)
    if a.eval:
        sc, imgs = run_eval(unet, te, vae, v["scale"], tok, items)
        print("EVAL", fmt(sc), flush=True)
        from train import save_grid
        save_grid(imgs, os.path.join(a.run_dir, f"eval_reexport_{e['step']:06d}.png"))
        keys = ("color", "shape", "position", "size", "background")
        prev = meta["eval_history"][-1] if meta["eval_history"] else None
        if a.only_if_better and prev is not None:
            new_m, old_m = sum(sc[k] for k in keys) / 5, sum(prev[k] for k in keys) / 5
            print(f"mean held-out score: fine-tuned decoder {new_m:.3f} vs exported {old_m:.3f}", flush=True)
            if new_m <= old_m:
                print("not better; keeping the existing export")
                return
        meta["eval_history"] = meta["eval_history"] + [
            {"step": e["step"], "minutes": meta["eval_history"][-1]["minutes"] if meta["eval_history"] else 0,
             "note": "fine-tuned decoder", **sc}]
    meta.update({"tok": tok, "eval_items": items, "holdout": holdout,
                 "latent_rgb": json.load(open(os.path.join(a.out, "latent_rgb.json")))})
    exp.export_all(a.out, vae, te, unet, meta, ref_path=os.path.join(a.run_dir, "onnx_ref.json"))
    print("exported", a.out)


if __name__ == "__main__":
    main()
