#!/usr/bin/env python3
"""Builds random-weight replicas of Stable Diffusion models: the real architectures, at full size or
scaled down, exported in the file layout and ONNX interface of the catalog repos they stand for.

  npm run make:replica -- --arch sd15|sd15-inpaint|sd-turbo [--dtype fp32|fp16] [--scale 0.25]
                          [--sample-size 64] [--seed 0] [--dry-run] --out DIR

Layouts (see models/catalog.json):
  sd15, sd15-inpaint  nmkd/stable-diffusion-1.5-onnx-fp16 (diffusers' convert_stable_diffusion_
                      checkpoint_to_onnx.py layout): text_encoder, unet (+ unet/weights.pb external
                      data), vae_encoder, vae_decoder; fp16 body AND fp16 IO; input_ids int32
                      [batch, sequence]; timestep float16 [batch]; dynamic batch/channels/height/width.
                      --dtype fp32 gives the same layout in float32 (timestep float32).
  sd-turbo            schmuell/sd-turbo-ort-web (Olive/optimum export): text_encoder, unet,
                      vae_decoder, each one self-contained file; fp16 body with float32 IO;
                      input_ids int32, timestep int64; symbolic dims batch_size, sequence_length,
                      num_channels, height, width (the ORT sd-turbo example pins them with
                      freeDimensionOverrides). --dtype fp32: float32 body, U-Net weights in
                      unet/model.onnx_data (a 3.4 GB graph cannot be one protobuf).

--scale s (1, 0.5, 0.25 or 0.125) multiplies every channel width by s and keeps the topology,
operators, head counts and vocabulary. GroupNorm rule: the group count is scaled with the widths
(32·s groups), so channels per group stay what SD uses (10 in the U-Net, 4 in the VAE) and every
GroupNorm stays valid; head counts are kept, so head dims shrink by s. 1/16 would break SD 1.5's
8 heads over 20 channels, hence the floor at 0.125.

Weights are seeded random (the same shapes as the real weights, so the same parameter counts and
file sizes): LeCun-normal (std 1/sqrt(fan_in)), residual-branch output layers scaled by 0.5, small
random biases and norm affines, embeddings N(0, 0.02). Activations then stay O(1) through the whole
pipeline, finite in fp16.

Memory: one component at a time is built, exported and freed; torch writes a graph over 2 GB as
one file per tensor, which is then streamed tensor by tensor (converted to fp16 where asked) into
the layout's single external-data file. Prints parameter counts per component and the files written.
The tokenizer is the embedded model's CLIP BPE (the real 49,408-token vocabulary cannot be
downloaded here; its ids are a subset, and the embedding table has the real size).
"""
import argparse
import gc
import hashlib
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sd_modules import ClipTextModel, UNet2DConditionModel, VaeDecoder, VaeEncoder, VaeEncoderSample  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKENIZER = os.path.join(ROOT, "models", "tiny-shapes", "tokenizer")
OPSET = 17
F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16

# The published configs (transformers CLIPTextConfig / diffusers UNet2DConditionModel / AutoencoderKL).
TEXT = {
    "sd15": dict(vocab=49408, dim=768, layers=12, heads=12, ffn=3072, act="quick_gelu"),  # openai/clip-vit-large-patch14
    "sd-turbo": dict(vocab=49408, dim=1024, layers=23, heads=16, ffn=4096, act="gelu"),  # OpenCLIP ViT-H/14, 23 of 24 layers
}
UNET = {
    "sd15": dict(in_channels=4, channels=(320, 640, 1280, 1280), heads=(8, 8, 8, 8), linear=False),
    "sd15-inpaint": dict(in_channels=9, channels=(320, 640, 1280, 1280), heads=(8, 8, 8, 8), linear=False),
    # SD 2.1 / SD-Turbo: attention_head_dim [5, 10, 20, 20] (diffusers reads these as head counts), linear projections.
    "sd-turbo": dict(in_channels=4, channels=(320, 640, 1280, 1280), heads=(5, 10, 20, 20), linear=True),
}
VAE_CHANNELS = (128, 256, 512, 512)
# Counts the published models have (diffusers / transformers num_parameters); checked at --scale 1.
PUBLISHED = {
    ("sd15", "text_encoder"): 123_060_480,
    ("sd15", "unet"): 859_520_964,
    ("sd15", "vae"): 83_653_863,
    ("sd15-inpaint", "unet"): 859_535_364,  # runwayml/stable-diffusion-inpainting: + 5 input channels × 320 × 3 × 3
    ("sd-turbo", "text_encoder"): 340_387_840,
    ("sd-turbo", "unet"): 865_910_724,
    ("sd-turbo", "vae"): 83_653_863,
}

SCHEDULER_PNDM = {  # runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.6.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
    "clip_sample": False,
}
SCHEDULER_TURBO = {  # stabilityai/sd-turbo scheduler/scheduler_config.json
    "_class_name": "EulerDiscreteScheduler",
    "_diffusers_version": "0.24.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "interpolation_type": "linear",
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "sample_max_value": 1.0,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "timestep_spacing": "trailing",
    "trained_betas": None,
    "use_karras_sigmas": False,
}


def layout_of(arch, dtype):
    """Interface of the repo the replica stands for: names, dtypes, dims, external data."""
    if arch == "sd-turbo":
        return {
            "io_fp16": False,
            "timestep": torch.int64,
            "external": {"unet": "model.onnx_data"} if dtype == "fp32" else {},
            "vae_encoder": False,
            "dims": {
                "input_ids": {0: "batch_size", 1: "sequence_length"},
                "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
                "pooler_output": {0: "batch_size"},
                "sample": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"},
                "timestep": {0: "steps"},
                "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
                "out_sample": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"},
                "latent_sample": {0: "batch_size", 1: "num_channels_latent", 2: "height_latent", 3: "width_latent"},
                "image": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"},
            },
            "scheduler": SCHEDULER_TURBO,
            "pad_token": "!",
            "pipeline": "ORTStableDiffusionPipeline",
        }
    dims4 = {0: "batch", 1: "channels", 2: "height", 3: "width"}
    return {
        "io_fp16": dtype == "fp16",
        "timestep": torch.float32,  # becomes float16 with the fp16 IO
        "external": {"unet": "weights.pb"},
        "vae_encoder": True,
        "dims": {
            "input_ids": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"},
            "pooler_output": {0: "batch"},
            "sample": dims4,
            "timestep": {0: "batch"},
            "encoder_hidden_states": {0: "batch", 1: "sequence"},
            "out_sample": dims4,
            "latent_sample": dims4,
            "image": dims4,
        },
        "scheduler": SCHEDULER_PNDM,
        "pad_token": "<|endoftext|>",
        "pipeline": "OnnxStableDiffusionInpaintPipeline" if arch == "sd15-inpaint" else "OnnxStableDiffusionPipeline",
    }


def configs(arch, scale):
    if scale not in (1, 0.5, 0.25, 0.125):
        raise SystemExit("--scale must be 1, 0.5, 0.25 or 0.125 (see the GroupNorm rule in the docstring)")
    w = lambda c: int(round(c * scale))
    groups = int(32 * scale)
    t = dict(TEXT["sd-turbo" if arch == "sd-turbo" else "sd15"])
    t["dim"], t["ffn"] = w(t["dim"]), w(t["ffn"])
    u = dict(UNET[arch])
    u["channels"] = tuple(w(c) for c in u["channels"])
    u["groups"] = groups
    u["context_dim"] = t["dim"]
    vae = {"channels": tuple(w(c) for c in VAE_CHANNELS), "groups": groups}
    return t, u, vae


def count(module):
    return sum(p.numel() for p in module.parameters())


RESIDUAL_OUT = ("conv2", "to_out.0", "out_proj", "fc2", "ff.net.2", "proj_out")


@torch.no_grad()
def init_weights(module, seed):
    """Seeded LeCun-normal weights; see the module docstring for why these scales."""
    gen = torch.Generator().manual_seed(seed)
    for name, p in module.named_parameters():
        owner = name.rsplit(".", 1)[0]
        if name.endswith("embedding.weight"):
            p.copy_(torch.randn(p.shape, generator=gen) * 0.02)
        elif p.dim() >= 2:
            fan_in = p[0].numel()
            gain = 0.5 if owner.endswith(RESIDUAL_OUT) else 1.0
            p.copy_(torch.randn(p.shape, generator=gen) * (gain / fan_in**0.5))
        elif name.endswith("weight"):  # norm scales
            p.copy_(1 + 0.02 * torch.randn(p.shape, generator=gen))
        else:
            p.copy_(0.02 * torch.randn(p.shape, generator=gen))


def build(kind, cfg, meta=False):
    if kind == "text_encoder":
        make = lambda: ClipTextModel(**cfg)
    elif kind == "unet":
        make = lambda: UNet2DConditionModel(**cfg)
    elif kind == "vae_encoder":
        make = lambda: VaeEncoder(cfg["channels"], cfg["groups"])
    else:
        make = lambda: VaeDecoder(cfg["channels"], cfg["groups"])
    if not meta:
        return make().eval()
    # Meta tensors: shapes without storage, so --dry-run at full scale costs no memory.
    return _on_meta(make)


def _on_meta(make):
    # torch 1.13 has no `with torch.device("meta")`; reset_parameters-free construction via the
    # module factory's device argument is not available for every layer either, so patch the
    # default tensor factory used by nn.Parameter creation.
    original = torch.empty

    def meta_empty(*args, **kwargs):
        kwargs["device"] = "meta"
        return original(*args, **kwargs)

    torch.empty = meta_empty
    try:
        with torch.no_grad():
            init = torch.nn.init
            saved = {n: getattr(init, n) for n in ("kaiming_uniform_", "uniform_", "normal_", "ones_", "zeros_", "_no_grad_uniform_")}
            for n in saved:
                setattr(init, n, lambda t, *a, **k: t)
            try:
                return make()
            finally:
                for n, f in saved.items():
                    setattr(init, n, f)
    finally:
        torch.empty = original


# ---------------------------------------------------------------------------------------------
# ONNX post-processing: fp16 body, IO types, external data, streamed one tensor at a time
# ---------------------------------------------------------------------------------------------


def convert_graph_to_fp16(graph, io_fp16):
    """Float tensors → float16 in the graph's body. Resize's roi/scales stay float32 (the spec
    requires it); Cast-to-float becomes Cast-to-float16; float IO is either retyped (fp16 IO) or
    wrapped in Casts (float32 IO around an fp16 body, as the sd-turbo export has)."""
    keep32 = set()
    for node in graph.node:
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            raise SystemExit(f"{node.op_type} node {node.name} has a subgraph; the fp16 pass does not convert those")
        if node.op_type == "Resize":
            keep32.update(node.input[1:3])
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] not in keep32:
            for a in node.attribute:
                if a.name == "value" and a.t.data_type == F32:
                    a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype(np.float16), a.t.name))
        elif node.op_type == "ConstantOfShape":
            for a in node.attribute:
                if a.name == "value" and a.t.data_type == F32:
                    a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype(np.float16), a.t.name))
        elif node.op_type == "Cast":
            for a in node.attribute:
                if a.name == "to" and a.i == F32 and node.output[0] not in keep32:
                    a.i = F16
        elif node.op_type in ("RandomNormalLike", "RandomUniformLike", "EyeLike"):
            for a in node.attribute:
                if a.name == "dtype" and a.i == F32:
                    a.i = F16
    del graph.value_info[:]
    new_nodes = []
    for inp in graph.input:
        if inp.type.tensor_type.elem_type != F32:
            continue
        if io_fp16:
            inp.type.tensor_type.elem_type = F16
            continue
        inner = f"{inp.name}_fp16"
        for node in graph.node:
            for i, name in enumerate(node.input):
                if name == inp.name:
                    node.input[i] = inner
        new_nodes.append(helper.make_node("Cast", [inp.name], [inner], to=F16, name=f"cast_{inp.name}"))
    tail = []
    for out in graph.output:
        if out.type.tensor_type.elem_type != F32:
            continue
        if io_fp16:
            out.type.tensor_type.elem_type = F16
            continue
        inner = f"{out.name}_fp16"
        for node in graph.node:
            for i, name in enumerate(node.output):
                if name == out.name:
                    node.output[i] = inner
            for i, name in enumerate(node.input):
                if name == out.name:
                    node.input[i] = inner
        tail.append(helper.make_node("Cast", [inner], [out.name], to=F32, name=f"cast_{out.name}"))
    nodes = new_nodes + list(graph.node) + tail
    del graph.node[:]
    graph.node.extend(nodes)
    return keep32


def finish_onnx(tmp_path, out_path, fp16, io_fp16, external):
    """Rewrites torch's export: dtype conversion and the layout's external data, one tensor at a time."""
    model = onnx.load(tmp_path, load_external_data=False)
    base = os.path.dirname(tmp_path)
    keep32 = convert_graph_to_fp16(model.graph, io_fp16) if fp16 else set()
    data_file = None
    offset = 0
    if external:
        data_path = os.path.join(os.path.dirname(out_path), external)
        data_file = open(data_path, "wb")
    largest = 0
    for t in model.graph.initializer:
        array = numpy_helper.to_array(t, base_dir=base)
        if fp16 and array.dtype == np.float32 and t.name not in keep32:
            array = array.astype(np.float16)
        largest = max(largest, array.nbytes)
        fresh = numpy_helper.from_array(array, t.name)
        if data_file is not None and array.nbytes >= 1024:
            raw = fresh.raw_data
            fresh.ClearField("raw_data")
            fresh.data_location = TensorProto.EXTERNAL
            for k, v in (("location", external), ("offset", str(offset)), ("length", str(len(raw)))):
                entry = fresh.external_data.add()
                entry.key, entry.value = k, v
            data_file.write(raw)
            offset += len(raw)
            del raw
        t.CopyFrom(fresh)
        del array, fresh
    if data_file is not None:
        data_file.close()
    model.ir_version = 8
    model.producer_name = "latent-studio-replica"
    with open(out_path, "wb") as f:
        f.write(model.SerializeToString())
    del model
    gc.collect()
    return largest


def export(module, args, names_in, names_out, dims, tmp_dir, out_path, fp16, io_fp16, external):
    tmp_path = os.path.join(tmp_dir, "model.onnx")
    dynamic_axes = {n: dims[n] for n in names_in + names_out if n in dims}
    with torch.no_grad():
        torch.onnx.export(
            module,
            args,
            tmp_path,
            input_names=names_in,
            output_names=names_out,
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            do_constant_folding=True,
        )
    return finish_onnx(tmp_path, out_path, fp16, io_fp16, external)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def tokenizer_files(out, pad_token):
    tok = os.path.join(out, "tokenizer")
    os.makedirs(tok, exist_ok=True)
    for name in ["tokenizer.json", "vocab.json", "merges.txt", "special_tokens_map.json"]:
        shutil.copy(os.path.join(TOKENIZER, name), os.path.join(tok, name))
    with open(os.path.join(TOKENIZER, "tokenizer_config.json")) as f:
        config = json.load(f)
    if pad_token == "!":
        with open(os.path.join(TOKENIZER, "vocab.json")) as f:
            vocab = json.load(f)
        pad_token = next(token for token, i in vocab.items() if i == 0)
    config["pad_token"] = pad_token
    write_json(os.path.join(tok, "tokenizer_config.json"), config)


def file_list(out):
    files = []
    for dirpath, _, names in os.walk(out):
        for n in sorted(names):
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, out).replace(os.sep, "/")
            if rel == "replica.json":
                continue
            h = hashlib.sha256()
            with open(full, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 24), b""):
                    h.update(chunk)
            files.append({"path": rel, "size": os.path.getsize(full), "sha256": h.hexdigest()})
    return sorted(files, key=lambda f: f["path"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", required=True, choices=["sd15", "sd15-inpaint", "sd-turbo"])
    ap.add_argument("--dtype", choices=["fp32", "fp16"], default="fp16")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--sample-size", type=int, default=64, help="unet/config.json sample_size (64 → 512×512)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out")
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()
    if not a.dry_run and not a.out:
        ap.error("--out is required unless --dry-run")
    scale = int(a.scale) if a.scale == 1 else a.scale
    text_cfg, unet_cfg, vae_cfg = configs(a.arch, scale)
    layout = layout_of(a.arch, a.dtype)
    fp16 = a.dtype == "fp16"
    family = "sd-turbo" if a.arch == "sd-turbo" else "sd15"

    counts = {
        "text_encoder": count(build("text_encoder", text_cfg, meta=True)),
        "unet": count(build("unet", unet_cfg, meta=True)),
        "vae_encoder": count(build("vae_encoder", vae_cfg, meta=True)),
        "vae_decoder": count(build("vae_decoder", vae_cfg, meta=True)),
    }
    counts["vae"] = counts["vae_encoder"] + counts["vae_decoder"]
    print(f"{a.arch} scale {scale} ({a.dtype}): parameters")
    for k in ("text_encoder", "unet", "vae_encoder", "vae_decoder", "vae"):
        published = (PUBLISHED.get((a.arch, k)) or PUBLISHED.get((family, k))) if scale == 1 else None
        note = ""
        if published is not None:
            note = "  = published" if published == counts[k] else f"  != published {published:,}"
        print(f"  {k:13s} {counts[k]:>13,}{note}")
    mismatch = [
        k for k in ("text_encoder", "unet", "vae")
        if scale == 1 and (PUBLISHED.get((a.arch, k)) or PUBLISHED.get((family, k))) not in (None, counts[k])
    ]
    if mismatch:
        raise SystemExit(f"parameter counts differ from the published ones: {mismatch}")
    if a.dry_run:
        print(json.dumps({"arch": a.arch, "scale": scale, "counts": counts}))
        return

    out = os.path.abspath(a.out)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    tmp_root = tempfile.mkdtemp(prefix="replica-", dir=os.path.dirname(out))
    timings = {}
    largest = {}
    # Traced example sizes: a small latent (export cost does not depend on it), batch 2 where the
    # batch is dynamic, the 77-token context.
    lat = 8
    batch = 2
    ts_dtype = layout["timestep"]
    seed = a.seed * 10
    try:
        jobs = [
            ("text_encoder", text_cfg, lambda m: (torch.zeros(batch, 77, dtype=torch.int32),), ["input_ids"], ["last_hidden_state", "pooler_output"]),
            ("unet", unet_cfg, lambda m: (
                torch.randn(batch, unet_cfg["in_channels"], lat, lat),
                (torch.tensor([999] * batch, dtype=ts_dtype)),
                torch.randn(batch, 77, text_cfg["dim"]),
            ), ["sample", "timestep", "encoder_hidden_states"], ["out_sample"]),
        ]
        if layout["vae_encoder"]:
            jobs.append(("vae_encoder", vae_cfg, lambda m: (torch.randn(1, 3, lat * 8, lat * 8),), ["sample"], ["latent_sample"]))
        jobs.append(("vae_decoder", vae_cfg, lambda m: (torch.randn(1, 4, lat, lat),), ["latent_sample"], ["sample"]))
        for index, (kind, cfg, example, names_in, names_out) in enumerate(jobs):
            t0 = time.time()
            module = build(kind, cfg)
            init_weights(module, seed + index)
            if kind == "vae_encoder":
                module = VaeEncoderSample(module).eval()
            dims = dict(layout["dims"])
            if kind == "vae_encoder":
                dims = {"sample": layout["dims"]["image"], "latent_sample": layout["dims"]["latent_sample"]}
            elif kind == "vae_decoder":
                dims = {"latent_sample": layout["dims"]["latent_sample"], "sample": layout["dims"]["image"]}
            comp_dir = os.path.join(out, kind)
            os.makedirs(comp_dir, exist_ok=True)
            tmp_dir = tempfile.mkdtemp(dir=tmp_root)
            largest[kind] = export(
                module, example(module), names_in, names_out, dims, tmp_dir,
                os.path.join(comp_dir, "model.onnx"), fp16, layout["io_fp16"], layout["external"].get(kind),
            )
            del module
            gc.collect()
            shutil.rmtree(tmp_dir)
            timings[kind] = round(time.time() - t0, 1)
            print(f"  exported {kind} in {timings[kind]} s (peak RSS so far {peak_rss_mb():.0f} MB)", flush=True)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)

    write_json(os.path.join(out, "model_index.json"), {
        "_class_name": layout["pipeline"],
        "_diffusers_version": "0.25.0",
        "scheduler": ["diffusers", layout["scheduler"]["_class_name"]],
        "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "OnnxRuntimeModel"],
        **({"vae_encoder": ["diffusers", "OnnxRuntimeModel"]} if layout["vae_encoder"] else {}),
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
    })
    write_json(os.path.join(out, "scheduler", "scheduler_config.json"), layout["scheduler"])
    tokenizer_files(out, layout["pad_token"])
    write_json(os.path.join(out, "unet", "config.json"), {
        "_class_name": "UNet2DConditionModel",
        "sample_size": a.sample_size,
        "in_channels": unet_cfg["in_channels"],
        "out_channels": 4,
        "block_out_channels": list(unet_cfg["channels"]),
        "attention_head_dim": list(unet_cfg["heads"]) if a.arch == "sd-turbo" else unet_cfg["heads"][0],
        "cross_attention_dim": unet_cfg["context_dim"],
        "norm_num_groups": unet_cfg["groups"],
        "use_linear_projection": unet_cfg["linear"],
    })
    write_json(os.path.join(out, "vae_decoder", "config.json"), {
        "_class_name": "AutoencoderKL",
        "block_out_channels": list(vae_cfg["channels"]),
        "norm_num_groups": vae_cfg["groups"],
        "latent_channels": 4,
        "scaling_factor": 0.18215,
    })
    files = file_list(out)
    replica = {
        "arch": a.arch,
        "dtype": a.dtype,
        "scale": scale,
        "seed": a.seed,
        "sampleSize": a.sample_size,
        "counts": counts,
        "largestWeightBytes": max(largest.values()),
        "largestWeightBytesPerGraph": largest,
        "external": {f"{k}/model.onnx": f"{k}/{v}" for k, v in layout["external"].items()},
        "exportSeconds": timings,
        "peakRssMB": round(peak_rss_mb()),
        "files": files,
    }
    write_json(os.path.join(out, "replica.json"), replica)
    total = sum(f["size"] for f in files)
    print(f"  files ({total:,} bytes):")
    for f in files:
        if f["size"] > 100_000:
            print(f"    {f['path']:32s} {f['size']:>15,}")
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
