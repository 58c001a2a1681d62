#!/usr/bin/env python3
"""Builds small test models with the exact interfaces of real Stable Diffusion ONNX exports.

The tests download, store and run these instead of multi-GB real models (no Hugging Face here).
Each keeps the real export's input/output names, dtypes and fixed/dynamic axes; only the sizes
the real models leave dynamic (spatial size) and the internal widths are tiny.

  sd-turbo-like   schmuell/sd-turbo-ort-web: float32 IO around a float16 body, input_ids int32
                  [1, 77], timestep int64 [1], fixed batch 1, encoder_hidden_states [1, 77, 1024],
                  EulerDiscrete with trailing spacing; tokenizer padded with id 0.
  sd15-like       diffusers/optimum SD 1.5 fp32 export: dynamic batch, input_ids int32,
                  timestep float32 [batch], context [batch, 77, 768], U-Net weights in external
                  data (unet/model.onnx_data).
  sd15-fp16-like  the fp16 SD 1.5 export (e.g. nmkd/stable-diffusion-1.5-onnx-fp16): float16 IO
                  everywhere, timestep float16 [batch], U-Net weights in unet/weights.pb.

Also writes catalog.json (sizes and sha256 of every file) for the studio's `?catalog=` switch.
Usage: /usr/bin/python3 tests/support/make_sd_test_models.py OUT_DIR
"""
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKENIZER = os.path.join(ROOT, "models", "tiny-shapes", "tokenizer")
OPSET = [helper.make_opsetid("", 17)]
F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def save(model, path, external=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.ir_version = 8
    onnx.checker.check_model(model)
    if external:
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=external, size_threshold=1024)
    else:
        onnx.save_model(model, path)


def text_encoder(path, *, batch, hidden, io, body, vocab, seed):
    rng = np.random.default_rng(seed)
    table = (rng.standard_normal((vocab, hidden)) * 0.8).astype(np.float16 if body == F16 else np.float32)
    nodes = [
        helper.make_node("Cast", ["input_ids"], ["ids64"], to=TensorProto.INT64),
        helper.make_node("Gather", ["table", "ids64"], ["emb"], axis=0),
        helper.make_node("Tanh", ["emb"], ["h"]),
        helper.make_node("Cast", ["h"], ["last_hidden_state"], to=io),
        helper.make_node("ReduceMean", ["last_hidden_state"], ["pooler_output"], axes=[1], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "text_encoder",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT32, [batch, 77])],
        [
            helper.make_tensor_value_info("last_hidden_state", io, [batch, 77, hidden]),
            helper.make_tensor_value_info("pooler_output", io, [batch, hidden]),
        ],
        [const("table", table)],
    )
    save(helper.make_model(graph, opset_imports=OPSET, producer_name="latent-studio-tests"), path)


def unet(path, *, batch, hidden, io, body, timestep_type, seed, external=None):
    """eps = tanh(conv3x3(x) + ctx_proj(mean(context)) * (1 + t/1000)), with the body in `body`."""
    rng = np.random.default_rng(seed)
    bdt = np.float16 if body == F16 else np.float32
    conv_w = (rng.standard_normal((4, 4, 3, 3)) * 0.15).astype(bdt)
    proj = (rng.standard_normal((hidden, 4)) * (2.0 / np.sqrt(hidden))).astype(bdt)
    nodes = [
        helper.make_node("Cast", ["sample"], ["x"], to=body),
        helper.make_node("Cast", ["encoder_hidden_states"], ["ctx"], to=body),
        helper.make_node("Cast", ["timestep"], ["t"], to=body),
        helper.make_node("Conv", ["x", "conv_w"], ["cx"], pads=[1, 1, 1, 1]),
        helper.make_node("ReduceMean", ["ctx"], ["ctx_mean"], axes=[1], keepdims=0),
        helper.make_node("MatMul", ["ctx_mean", "proj"], ["c4"]),
        helper.make_node("Unsqueeze", ["c4", "axes23"], ["c4x"]),
        helper.make_node("Mul", ["t", "milli"], ["ts"]),
        helper.make_node("Add", ["ts", "one"], ["ts1"]),
        helper.make_node("Reshape", ["ts1", "tshape"], ["tb"]),
        helper.make_node("Mul", ["c4x", "tb"], ["ct"]),
        helper.make_node("Add", ["cx", "ct"], ["pre"]),
        helper.make_node("Tanh", ["pre"], ["eps"]),
        helper.make_node("Cast", ["eps"], ["out_sample"], to=io),
    ]
    graph = helper.make_graph(
        nodes,
        "unet",
        [
            helper.make_tensor_value_info("sample", io, [batch, 4, "height", "width"]),
            helper.make_tensor_value_info("timestep", timestep_type, [batch]),
            helper.make_tensor_value_info("encoder_hidden_states", io, [batch, 77, hidden]),
        ],
        [helper.make_tensor_value_info("out_sample", io, [batch, 4, "height", "width"])],
        [
            const("conv_w", conv_w),
            const("proj", proj),
            const("axes23", np.array([2, 3], dtype=np.int64)),
            const("milli", np.array(0.001, dtype=bdt)),
            const("one", np.array(1.0, dtype=bdt)),
            const("tshape", np.array([-1, 1, 1, 1], dtype=np.int64)),
        ],
    )
    save(helper.make_model(graph, opset_imports=OPSET, producer_name="latent-studio-tests"), path, external)


def vae_decoder(path, *, batch, io, body, seed):
    rng = np.random.default_rng(seed)
    bdt = np.float16 if body == F16 else np.float32
    w = (rng.standard_normal((3, 4, 1, 1)) * 0.08).astype(bdt)
    nodes = [
        helper.make_node("Cast", ["latent_sample"], ["z"], to=F32),
        helper.make_node("Resize", ["z", "", "scales"], ["up"], mode="nearest"),
        helper.make_node("Cast", ["up"], ["up_b"], to=body),
        helper.make_node("Conv", ["up_b", "w"], ["rgb"]),
        helper.make_node("Tanh", ["rgb"], ["img"]),
        helper.make_node("Cast", ["img"], ["sample"], to=io),
    ]
    graph = helper.make_graph(
        nodes,
        "vae_decoder",
        [helper.make_tensor_value_info("latent_sample", io, [batch, 4, "latent_height", "latent_width"])],
        [helper.make_tensor_value_info("sample", io, [batch, 3, "image_height", "image_width"])],
        [const("w", w), const("scales", np.array([1, 1, 8, 8], dtype=np.float32))],
    )
    save(helper.make_model(graph, opset_imports=OPSET, producer_name="latent-studio-tests"), path)


EULER_TRAILING = {
    "_class_name": "EulerDiscreteScheduler",
    "_diffusers_version": "0.25.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "interpolation_type": "linear",
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "steps_offset": 1,
    "timestep_spacing": "trailing",
    "use_karras_sigmas": False,
}
PNDM = {
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.6.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
}


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=2)


def common_files(folder, scheduler, pad_token):
    write_json(os.path.join(folder, "model_index.json"), {
        "_class_name": "OnnxStableDiffusionPipeline",
        "scheduler": ["diffusers", scheduler["_class_name"]],
        "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
    })
    write_json(os.path.join(folder, "scheduler", "scheduler_config.json"), scheduler)
    tok = os.path.join(folder, "tokenizer")
    os.makedirs(tok, exist_ok=True)
    for name in ["tokenizer.json", "vocab.json", "merges.txt", "special_tokens_map.json"]:
        shutil.copy(os.path.join(TOKENIZER, name), os.path.join(tok, name))
    with open(os.path.join(TOKENIZER, "tokenizer_config.json")) as f:
        config = json.load(f)
    config["pad_token"] = pad_token
    write_json(os.path.join(tok, "tokenizer_config.json"), config)
    # Small sample size so generated images are 64×64 (the real models say 64 → 512×512).
    write_json(os.path.join(folder, "unet", "config.json"), {"sample_size": 8, "in_channels": 4})
    write_json(os.path.join(folder, "vae_decoder", "config.json"), {"block_out_channels": [8, 8, 8, 8], "scaling_factor": 0.18215})


def vocab_size():
    with open(os.path.join(TOKENIZER, "tokenizer.json")) as f:
        tj = json.load(f)
    ids = list(tj["model"]["vocab"].values()) + [t["id"] for t in tj.get("added_tokens", [])]
    return max(ids) + 1


def id0_token():
    with open(os.path.join(TOKENIZER, "vocab.json")) as f:
        vocab = json.load(f)
    return next(token for token, i in vocab.items() if i == 0)


def entry(out, folder, model_id, name, extra):
    files = []
    base = os.path.join(out, folder)
    for dirpath, _, names in os.walk(base):
        for n in sorted(names):
            full = os.path.join(dirpath, n)
            with open(full, "rb") as f:
                data = f.read()
            files.append({"path": os.path.relpath(full, base).replace(os.sep, "/"), "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    files.sort(key=lambda f: f["path"])
    return {"id": model_id, "name": name, "kind": "remote", "baseUrl": f"{folder}/", "files": files, **extra}


def main(out):
    os.makedirs(out, exist_ok=True)
    vocab = vocab_size()

    turbo = os.path.join(out, "sd-turbo-like")
    common_files(turbo, EULER_TRAILING, id0_token())
    text_encoder(os.path.join(turbo, "text_encoder", "model.onnx"), batch=1, hidden=1024, io=F32, body=F16, vocab=vocab, seed=1)
    unet(os.path.join(turbo, "unet", "model.onnx"), batch=1, hidden=1024, io=F32, body=F16, timestep_type=TensorProto.INT64, seed=2)
    vae_decoder(os.path.join(turbo, "vae_decoder", "model.onnx"), batch=1, io=F32, body=F16, seed=3)

    sd15 = os.path.join(out, "sd15-like")
    common_files(sd15, PNDM, "<|endoftext|>")
    text_encoder(os.path.join(sd15, "text_encoder", "model.onnx"), batch="batch", hidden=768, io=F32, body=F32, vocab=vocab, seed=4)
    unet(os.path.join(sd15, "unet", "model.onnx"), batch="batch", hidden=768, io=F32, body=F32, timestep_type=F32, seed=5, external="model.onnx_data")
    vae_decoder(os.path.join(sd15, "vae_decoder", "model.onnx"), batch="batch", io=F32, body=F32, seed=6)

    fp16 = os.path.join(out, "sd15-fp16-like")
    common_files(fp16, PNDM, "<|endoftext|>")
    text_encoder(os.path.join(fp16, "text_encoder", "model.onnx"), batch="batch", hidden=768, io=F16, body=F16, vocab=vocab, seed=7)
    unet(os.path.join(fp16, "unet", "model.onnx"), batch="batch", hidden=768, io=F16, body=F16, timestep_type=F16, seed=8, external="weights.pb")
    vae_decoder(os.path.join(fp16, "vae_decoder", "model.onnx"), batch="batch", io=F16, body=F16, seed=9)

    small = {"steps": 2, "cfg": 1, "sampler": "euler", "width": 64, "height": 64}
    catalog = {
        "version": 1,
        "models": [
            entry(out, "sd-turbo-like", "test/sd-turbo-like", "Test SD-Turbo-like", {
                "defaults": {**small, "steps": 1}, "needs": {"shaderF16": True, "largestWeightBytes": vocab * 1024 * 2}}),
            entry(out, "sd15-like", "test/sd15-like", "Test SD 1.5-like (fp32, external data)", {
                "defaults": {**small, "cfg": 7}, "externalData": [{"graph": "unet/model.onnx", "data": "unet/model.onnx_data"}],
                "needs": {"shaderF16": False}}),
            entry(out, "sd15-fp16-like", "test/sd15-fp16-like", "Test SD 1.5-like (fp16)", {
                "defaults": {**small, "cfg": 7}, "externalData": [{"graph": "unet/model.onnx", "data": "unet/weights.pb"}],
                "needs": {"shaderF16": True}}),
        ],
    }
    write_json(os.path.join(out, "catalog.json"), catalog)
    print(f"wrote test models to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tmp/test-models")
