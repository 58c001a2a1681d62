"""ONNX export (opset 17, TorchScript-based exporter) in the diffusers ONNX layout."""
import copy
import inspect
import json
import os
import shutil
import time

import torch
import torch.nn as nn

import data

OPSET = 17


class _Dec(nn.Module):
    def __init__(self, dec):
        super().__init__()
        self.dec = dec

    def forward(self, latent_sample):
        return self.dec(latent_sample).clamp(-1.0, 1.0)


class _Enc(nn.Module):
    def __init__(self, enc):
        super().__init__()
        self.enc = enc

    def forward(self, sample):
        return self.enc(sample)[0]   # posterior mean, unscaled


def _onnx(model, args, path, inputs, outputs, dyn):
    kw = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kw["dynamo"] = False
    model = copy.deepcopy(model).eval()
    with torch.no_grad():
        torch.onnx.export(model, args, path, input_names=inputs, output_names=outputs,
                          dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True, **kw)
    import onnx
    onnx.checker.check_model(onnx.load(path))


def simplify_unet(path):
    """Rewrite an exported U-Net in place without its per-call shape plumbing (dims stay dynamic,
    same numerics): tools/onnx-opt/simplify_graph.py, idempotent. The shipped U-Nets went through
    it; see README "Speed"."""
    import importlib.util
    import onnx
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "simplify_graph", os.path.join(here, "..", "tools", "onnx-opt", "simplify_graph.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = onnx.load(path)
    mod.simplify(m)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def _json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


@torch.no_grad()
def write_reference(path, vae, te, unet, tok, scale):
    """Fixed inputs + torch outputs, so ort_check.mjs can compare ONNX numerics."""
    g = torch.Generator().manual_seed(123)
    ids = torch.tensor(tok(["a big red circle in the top left corner on a blue background", ""]))
    hs = te(ids)
    x = torch.randn(2, 4, 8, 8, generator=g)
    t = torch.tensor([999.0, 500.0])
    eps = unet(x, t, hs)
    img = vae.decoder(x[:1] / scale).clamp(-1, 1)
    enc = vae.encoder(img)[0]
    ref = {"input_ids": ids.tolist(), "last_hidden_state": hs.flatten().tolist(),
           "sample": x.flatten().tolist(), "timestep": t.tolist(), "out_sample": eps.flatten().tolist(),
           "latent_sample": (x[:1] / scale).flatten().tolist(), "decoded": img.flatten().tolist(),
           "encoded": enc.flatten().tolist(), "scaling_factor": scale}
    with open(path, "w") as f:
        json.dump(ref, f)


def export_all(out, vae, te, unet, meta, ref_path=None):
    out = os.path.abspath(out)
    tmp = out + ".tmp-export"
    shutil.rmtree(tmp, ignore_errors=True)
    for sub in ("text_encoder", "unet", "vae_decoder", "vae_encoder", "scheduler", "tokenizer"):
        os.makedirs(os.path.join(tmp, sub))
    tok = meta["tok"]
    D = te.ln_f.normalized_shape[0]
    scale = meta["scaling_factor"]

    ids = torch.tensor(tok(["a red circle", ""]), dtype=torch.long)
    _onnx(te, (ids,), f"{tmp}/text_encoder/model.onnx", ["input_ids"], ["last_hidden_state"],
          {"input_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"}})
    x = torch.randn(2, 4, 8, 8)
    t = torch.tensor([999.0, 999.0])
    ctx = torch.randn(2, 77, D)
    _onnx(unet, (x, t, ctx), f"{tmp}/unet/model.onnx",
          ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
          {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "batch"},
           "encoder_hidden_states": {0: "batch", 1: "sequence"},
           "out_sample": {0: "batch", 2: "height", 3: "width"}})
    simplify_unet(f"{tmp}/unet/model.onnx")
    _onnx(_Dec(vae.decoder), (torch.randn(1, 4, 8, 8),), f"{tmp}/vae_decoder/model.onnx",
          ["latent_sample"], ["sample"],
          {"latent_sample": {0: "batch", 2: "height", 3: "width"},
           "sample": {0: "batch", 2: "height_x8", 3: "width_x8"}})
    _onnx(_Enc(vae.encoder), (torch.randn(1, 3, 64, 64),), f"{tmp}/vae_encoder/model.onnx",
          ["sample"], ["latent_sample"],
          {"sample": {0: "batch", 2: "height", 3: "width"},
           "latent_sample": {0: "batch", 2: "height_div8", 3: "width_div8"}})

    tok.save(f"{tmp}/tokenizer")
    nl = len(te.blocks)
    heads = te.blocks[0].attn.h
    _json(f"{tmp}/text_encoder/config.json", {
        "_class_name": "CLIPTextModel", "architectures": ["CLIPTextModel"],
        "model_type": "clip_text_model", "hidden_size": D, "intermediate_size": 4 * D,
        "num_hidden_layers": nl, "num_attention_heads": heads, "max_position_embeddings": 77,
        "vocab_size": len(tok.encoder), "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
        "projection_dim": D, "bos_token_id": tok.bos_id, "eos_token_id": tok.eos_id,
        "pad_token_id": tok.pad_id, "causal_mask": bool(getattr(te, "causal", True)),
        "onnx": {"inputs": {"input_ids": "int64 [batch, sequence]"},
                 "outputs": {"last_hidden_state": f"float32 [batch, sequence, {D}]"}}})
    _json(f"{tmp}/unet/config.json", {
        "_class_name": "UNet2DConditionModel",
        "note": "custom small architecture with the UNet2DConditionModel ONNX interface",
        "sample_size": 8, "in_channels": 4, "out_channels": 4, "cross_attention_dim": D,
        "block_out_channels": [unet.cin.out_channels, unet.down.out_channels],
        "flip_sin_to_cos": True, "freq_shift": 0, "prediction_type": "epsilon",
        "onnx": {"inputs": {"sample": "float32 [batch, 4, h, w]",
                            "timestep": "float32 [batch] (shape [1] broadcasts too)",
                            "encoder_hidden_states": f"float32 [batch, sequence, {D}] (any sequence length)"},
                 "outputs": {"out_sample": "float32 [batch, 4, h, w] (epsilon)"}}})
    vcfg = {"_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3,
            "latent_channels": 4, "sample_size": 64, "scaling_factor": scale,
            "downsample_factor": 8}
    _json(f"{tmp}/vae_decoder/config.json", dict(vcfg, onnx={
        "inputs": {"latent_sample": "float32 [batch, 4, h, w], UNSCALED (divide by scaling_factor first)"},
        "outputs": {"sample": "float32 [batch, 3, 8h, 8w] in [-1, 1] (clamped)"}}))
    _json(f"{tmp}/vae_encoder/config.json", dict(vcfg, onnx={
        "inputs": {"sample": "float32 [batch, 3, H, W] in [-1, 1]"},
        "outputs": {"latent_sample": "float32 [batch, 4, H/8, W/8], posterior mean, UNSCALED"}}))
    _json(f"{tmp}/scheduler/scheduler_config.json", {
        "_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.27.0",
        "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "trained_betas": None, "steps_offset": 1,
        "timestep_spacing": "trailing", "prediction_type": "epsilon",
        "interpolation_type": "linear", "use_karras_sigmas": False,
        "set_alpha_to_one": False, "clip_sample": False, "skip_prk_steps": True})
    _json(f"{tmp}/model_index.json", {
        "_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": "0.27.0",
        "feature_extractor": [None, None], "requires_safety_checker": False,
        "safety_checker": [None, None],
        "scheduler": ["diffusers", "EulerDiscreteScheduler"],
        "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
        "vae_encoder": ["diffusers", "OnnxRuntimeModel"]})
    lr = meta["latent_rgb"]
    _json(f"{tmp}/latent_rgb.json", {
        "formula": "rgb = latent . W + b  (latent: 4 SCALED latent channels of one latent pixel, "
                   "i.e. vae latent * scaling_factor; W: 4x3 (rows = latent channels); rgb in [0,1], clamp)",
        "fit": "numpy lstsq on scaled latents of encoded training images vs 8x8 box-downsampled RGB",
        "W": lr["W"], "b": lr["b"]})
    _json(f"{tmp}/eval_prompts.json", {
        "held_out_color_shape": meta["holdout"]["color_shape"],
        "held_out_color_position": meta["holdout"]["color_position"],
        "settings": {"steps": 20, "scheduler": "EulerDiscreteScheduler", "guidance_scale": 6.0},
        "prompts": meta["eval_items"],
        "phrasing_note": "held-out PHRASING: training-distribution attributes worded with grammar "
                         "templates, fillers and constructions that no training caption uses "
                         "(training/data.py HELD_OUT_TEMPLATES)",
        "phrasing_prompts": meta.get("phrasing_items", [])})
    tm = {k: meta[k] for k in ("scaling_factor", "vae_steps", "unet_steps", "vae_stats", "params",
                                "args", "eval_history", "final", "train_minutes") if k in meta}
    tm["decoder_ft_steps"] = meta.get("decoder_ft_steps", 0)
    _json(f"{tmp}/training_meta.json", tm)
    with open(f"{tmp}/README.md", "w") as f:
        f.write(model_card(meta, D, nl, heads, len(tok.encoder), tok, tmp))
    if ref_path:
        write_reference(ref_path, vae, te, unet, tok, scale)
    # swap into place
    old = out + ".old-export"
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(out):
        os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


def _size(folder):
    tot = 0
    for r, _, fs in os.walk(folder):
        for f in fs:
            tot += os.path.getsize(os.path.join(r, f))
    return tot


def model_card(meta, D, nl, heads, V, tok, folder):
    p = meta["params"]
    hist = meta["eval_history"]
    last = hist[-1] if hist else None
    hs = ", ".join(f"{c} {s}" for c, s in meta["holdout"]["color_shape"])
    hp = ", ".join(f"{c} @ {s}" for c, s in meta["holdout"]["color_position"])
    a = meta["args"]
    status = "final" if meta["final"] else "INTERMEDIATE (training still running)"
    if a.get("smoke"):
        status = "SMOKE TEST (a few iterations; random-ish weights)"
    keys = ("color", "shape", "position", "size", "background")
    rows = "\n".join(
        f"| {h['step']} | {h['minutes']} | " + " | ".join(f"{h[k] * 100:.0f}%" for k in keys) + " | "
        + (" | ".join(f"{h['phrasing'][k] * 100:.0f}%" for k in keys) if "phrasing" in h else " | ".join("–" for _ in keys))
        + " |"
        for h in hist)
    return f"""# tiny-shapes — a tiny text-to-image latent diffusion model

Status: **{status}**. Exported {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.

Stable-Diffusion-style latent diffusion trained from scratch on procedurally generated
64×64 images of one coloured shape on a plain background. Diffusers ONNX layout
(`OnnxStableDiffusionPipeline`), fp32, opset {OPSET}.

## Components
| part | params | notes |
|---|---|---|
| text_encoder | {p['text_encoder']:,} | CLIP-style, {nl} pre-LN layers, width D={D}, {heads} heads, {'causal mask' if meta['args'].get('te_causal', True) else 'bidirectional (no causal mask)'}, final LayerNorm → `last_hidden_state` [B, seq, {D}] |
| unet | {p['unet']:,} | ε-prediction, 8×8→4×4, ResBlocks + cross-attention at both levels, self-attention at 4×4 |
| vae_encoder | {p['vae_encoder']:,} | 64×64×3 → 8×8×4 (posterior mean, unscaled) |
| vae_decoder | {p['vae_decoder']:,} | 8×8×4 → 64×64×3, nearest-upsample + conv, output clamped to [-1, 1] |

`scaling_factor` = {meta['scaling_factor']:.5f} (1/std of training latents). Scheduler: SD's
`scaled_linear` β (0.00085 → 0.012, 1000 steps), ε prediction; any SD sampler applies.
Default: EulerDiscrete, 20 steps, `timestep_spacing` "trailing", CFG 5–7 (empty prompt as negative).
Timestep input is float32 [batch]. Total size of the folder: {_size(folder) / 1e6:.2f} MB.

## Tokenizer
Byte-level BPE in openai CLIP format, own vocabulary: {V} tokens (256 byte chars, 256 `</w>` forms,
{len(tok.merges)} merges so every caption-grammar word is one token, then `<|startoftext|>`={tok.bos_id},
`<|endoftext|>`={tok.eos_id}). Pad = `<|endoftext|>` ({tok.pad_id}), max length 77, lowercase.
Unknown words fall back to byte pieces.

## Training data
Procedural, seeded, generated on the fly: shapes {', '.join(data.SHAPES)}; colours
{', '.join(data.COLOR_NAMES)} (CSS values); sizes small (15–25 % of width) and big/large (45–55 %);
positions {', '.join(data.POSITIONS)}; background from the same palette, never equal to the object colour.
Captions come from a randomised grammar (`training/data.py` `caption`): colour and size before or
after the noun ("a star coloured red", "a red-coloured star", "a star which is red"), the object,
position and background chunks in any order (background first too), separators, filler words and
random letter strings (unknown words, to be ignored), punctuation and case; attributes may be
omitted (then random in the image); 10 % empty captions for classifier-free guidance.
**Held-out phrasing**: a second grammar (`HELD_OUT_TEMPLATES`, held-out fillers and constructions
such as "that is red", "in red", "the background is …", "please", "draw", "sits") that no training
caption uses (asserted at the start of each run); its words are not in the vocabulary.

**Held out of training** (never rendered): colour×shape: {hs}; colour×position: {hp}.
Eval prompts with expected attributes: `eval_prompts.json`.

## Recipe
```
/usr/bin/python3 training/train.py --out models/tiny-shapes --seed {a['seed']} --vae-minutes {a['vae_minutes']} --minutes {a['minutes']}
```
(CPU only, torch 1.13.) VAE stage: {meta['vae_steps']} steps (batch {a['vae_batch']}); then VAE frozen and
text encoder + U-Net trained for {meta['unet_steps']} steps (batch {a['captions'] * a['rep']} = {a['captions']} captions × {a['rep']} renders),
AdamW lr {a['lr']}, cosine, min-SNR-{a['min_snr']} weighting, extra ε-loss weight {a.get('object_loss', 0)} on the latent
cells under the object, EMA {a['ema']} (exported). VAE and decoder losses weight object pixels by inverse
object area, so small shapes count as much as big ones. Wall clock: {meta['train_minutes']:.0f} min.
Decoder-only fine-tuning on the frozen encoder (`training/finetune_decoder.py`): {meta.get('decoder_ft_steps', 0)} steps
(0 = not applied; the latent space and scaling_factor are unchanged by it).
Time-budgeted runs are not bit-reproducible (steps depend on speed); use `--steps N --vae-steps M` for that.

## Eval (held-out prompts, 20 Euler steps, CFG 6)
Python analyser (training/evaluate.py) during training, on the held-out combinations (48 prompts)
and the held-out phrasing set (64 prompts, `phrasing_prompts` in `eval_prompts.json`):

| step | minutes | colour | shape | position | size | background | phrasing: colour | shape | position | size | background |
|---|---|---|---|---|---|---|---|---|---|---|---|
{rows}

TypeScript eval (onnxruntime-node, the studio's own pipeline; `npm run eval:model -- --update-docs` fills it in):

<!-- eval:start -->
<!-- eval:end -->

## Limits
One object per image, 64×64 only (other sizes are out of distribution), 12 colours / 5 shapes /
9 positions / 2 sizes; anything else in a prompt is ignored or confuses the model.
Held-out combinations test compositional generalisation and are the weakest cases.
"""
