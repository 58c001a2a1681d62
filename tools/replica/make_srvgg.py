#!/usr/bin/env python3
"""Random-weight replica of Real-ESRGAN's `realesr-general-x4v3` (SRVGGNetCompact: num_feat 64,
num_conv 32, upscale 4, PReLU), exported with the interface of the public ONNX exports the catalog
names (`input` float32 [1, 3, H, W] in 0..1 -> `output` [1, 3, 4H, 4W], dynamic H and W).

  /usr/bin/python3 tools/replica/make_srvgg.py --out DIR [--seed 0] [--num-feat 64] [--num-conv 32]
      [--fixed 128]   # Qualcomm AI Hub's interface: `image` [1, 3, 128, 128] -> `upscaled_image`, fixed

Same tensors as the real weights (1.21 M parameters, ~4.9 MB fp32), so the same operators, file size
and per-pixel cost; the tests use it to check tiling and seam blending, which only depend on the
architecture. Weights: LeCun-normal, PReLU slopes 0.25 (torch's default), the last conv scaled so
the learned residual over nearest upsampling has a standard deviation of about 0.1: the output is
an image plus strong, spatially varying texture, so seams would show.
"""
import argparse
import inspect
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "training", "sr"))
from train_sr import SRVGGNetCompact  # noqa: E402  (the one port of the architecture)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--num-feat", type=int, default=64)
    ap.add_argument("--num-conv", type=int, default=32)
    ap.add_argument("--upscale", type=int, default=4)
    ap.add_argument("--fixed", type=int, default=0,
                    help="export a fixed NxN input named image -> upscaled_image (the catalog's Qualcomm export)")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    m = SRVGGNetCompact(num_feat=args.num_feat, num_conv=args.num_conv, upscale=args.upscale).eval()
    convs = [l for l in m.body if isinstance(l, torch.nn.Conv2d)]
    with torch.no_grad():
        for conv in convs:
            fan_in = conv.in_channels * 9
            conv.weight.normal_(0, (2.0 / fan_in) ** 0.5)
            conv.bias.normal_(0, 0.01)
        x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
        out = x
        for layer in m.body[:-1]:
            out = layer(out)
        std = convs[-1](out).std().item()
        convs[-1].weight.mul_(0.1 / max(std, 1e-6))
        convs[-1].bias.zero_()
        res = (m(x) - torch.nn.functional.interpolate(x, scale_factor=args.upscale, mode="nearest")).std().item()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.onnx")
    kw = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with torch.no_grad():
        if args.fixed:
            torch.onnx.export(m, (torch.zeros(1, 3, args.fixed, args.fixed),), path, input_names=["image"],
                              output_names=["upscaled_image"], opset_version=17, do_constant_folding=True, **kw)
        else:
            torch.onnx.export(m, (torch.zeros(1, 3, 32, 32),), path, input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                            "output": {0: "batch", 2: "height_out", 3: "width_out"}},
                              opset_version=17, do_constant_folding=True, **kw)
    n = sum(p.numel() for p in m.parameters())
    info = {"arch": "SRVGGNetCompact", "num_feat": args.num_feat, "num_conv": args.num_conv,
            "upscale": args.upscale, "fixed": args.fixed or None, "parameters": n, "residual_std": round(res, 4),
            "bytes": os.path.getsize(path)}
    with open(os.path.join(args.out, "srvgg.json"), "w") as f:
        json.dump(info, f, indent=2)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
