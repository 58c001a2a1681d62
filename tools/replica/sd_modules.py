"""Stable Diffusion's three networks, written out in plain torch so they can be built here at full size.

No diffusers or transformers package exists on this machine, so these modules re-state the
architectures those libraries define, parameter for parameter (the same tensors with the same
shapes, hence the same counts and file sizes as the real weights). Written from reading:
  - transformers  models/clip/modeling_clip.py: CLIPTextEmbeddings, CLIPAttention, CLIPMLP,
    CLIPEncoderLayer, CLIPTextTransformer (causal mask, final_layer_norm, pooled = hidden state at
    the argmax of input_ids);
  - diffusers     models/unets/unet_2d_condition.py (UNet2DConditionModel.__init__/forward),
    models/unets/unet_2d_blocks.py (CrossAttnDownBlock2D, DownBlock2D, UNetMidBlock2DCrossAttn,
    CrossAttnUpBlock2D, UpBlock2D, DownEncoderBlock2D, UpDecoderBlock2D, UNetMidBlock2D),
    models/resnet.py (ResnetBlock2D), models/downsampling.py / upsampling.py (Downsample2D,
    Upsample2D), models/transformers/transformer_2d.py (Transformer2DModel, conv or linear
    projection), models/attention.py (BasicTransformerBlock, FeedForward with GEGLU),
    models/attention_processor.py (Attention, incl. the VAE's group-norm single-head form),
    models/embeddings.py (Timesteps, TimestepEmbedding), models/autoencoders/vae.py (Encoder,
    Decoder) and autoencoder_kl.py (AutoencoderKL: quant_conv / post_quant_conv).
Only inference paths the ONNX exports contain are kept (no dropout, no LoRA, no class labels).
Attention is written as matmul-softmax-matmul, the form the legacy ONNX exporter emits for
diffusers' AttnProcessor, so the graphs carry the operators real exports carry.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


# ---------------------------------------------------------------------------------------------
# CLIP text encoder (transformers CLIPTextModel)
# ---------------------------------------------------------------------------------------------


def quick_gelu(x):
    # transformers ACT2FN["quick_gelu"]: x * sigmoid(1.702 x) (OpenAI CLIP ViT-L/14).
    return x * torch.sigmoid(1.702 * x)


class ClipAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim**-0.5
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x, mask):
        b, n, d = x.shape
        split = lambda t: t.reshape(b, n, self.heads, self.head_dim).transpose(1, 2)
        q = split(self.q_proj(x) * self.scale)
        k = split(self.k_proj(x))
        v = split(self.v_proj(x))
        w = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(b, n, d))


class ClipLayer(nn.Module):
    def __init__(self, dim, heads, ffn, act):
        super().__init__()
        self.self_attn = ClipAttention(dim, heads)
        self.layer_norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.fc1 = nn.Linear(dim, ffn)
        self.fc2 = nn.Linear(ffn, dim)
        self.layer_norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.act = act

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.fc2(self.act(self.fc1(self.layer_norm2(x))))


class ClipTextModel(nn.Module):
    """CLIPTextModel: token + position embeddings, pre-LN causal transformer, final LayerNorm."""

    def __init__(self, vocab=49408, positions=77, dim=768, layers=12, heads=12, ffn=3072, act="quick_gelu"):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim)
        self.position_embedding = nn.Embedding(positions, dim)
        activation = quick_gelu if act == "quick_gelu" else (lambda x: F.gelu(x))
        self.layers = nn.ModuleList([ClipLayer(dim, heads, ffn, activation) for _ in range(layers)])
        self.final_layer_norm = nn.LayerNorm(dim, eps=1e-5)
        # Upper-triangular causal mask; a large finite negative (not -inf) so it stays finite in fp16.
        mask = torch.triu(torch.full((positions, positions), -65504.0), diagonal=1)
        self.register_buffer("causal_mask", mask, persistent=False)
        self.register_buffer("position_ids", torch.arange(positions), persistent=False)

    def forward(self, input_ids):
        ids = input_ids.long()
        n = ids.shape[1]
        x = self.token_embedding(ids) + self.position_embedding(self.position_ids[:n])
        mask = self.causal_mask[:n, :n]
        for layer in self.layers:
            x = layer(x, mask)
        x = self.final_layer_norm(x)
        # Pooled output: the hidden state at the end-of-text token, found as argmax of the ids.
        eot = ids.argmax(dim=-1)
        pooled = torch.gather(x, 1, eot[:, None, None].expand(-1, 1, x.shape[2]))[:, 0]
        return x, pooled


# ---------------------------------------------------------------------------------------------
# U-Net and VAE building blocks (diffusers)
# ---------------------------------------------------------------------------------------------


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, groups, temb=None, eps=1e-5):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout) if temb else None
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class Downsample2D(nn.Module):
    """Conv stride 2; the VAE's variant (padding=0) pads right/bottom by one first."""

    def __init__(self, channels, padding=1):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1))
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


def attention(q, k, v, heads):
    """Scaled dot-product attention over (batch, tokens, heads * head_dim), heads split out."""
    b, n, inner = q.shape
    m = k.shape[1]
    d = inner // heads
    q = q.reshape(b, n, heads, d).transpose(1, 2)
    k = k.reshape(b, m, heads, d).transpose(1, 2)
    v = v.reshape(b, m, heads, d).transpose(1, 2)
    w = torch.softmax((q @ k.transpose(-1, -2)) * (d**-0.5), dim=-1)
    return (w @ v).transpose(1, 2).reshape(b, n, inner)


class CrossAttention(nn.Module):
    """diffusers Attention as used in BasicTransformerBlock: q/k/v without bias, to_out with bias."""

    def __init__(self, dim, heads, head_dim, context_dim=None):
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim or dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim or dim, inner, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(inner, dim)])

    def forward(self, x, context=None):
        c = x if context is None else context
        return self.to_out[0](attention(self.to_q(x), self.to_k(c), self.to_v(c), self.heads))


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        # diffusers keeps the dropout at net[1]; it has no parameters and is absent at inference.
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Identity(), nn.Linear(dim * mult, dim)])

    def forward(self, x):
        return self.net[2](self.net[0](x))


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, head_dim, context_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = CrossAttention(dim, heads, head_dim)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = CrossAttention(dim, heads, head_dim, context_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        return x + self.ff(self.norm3(x))


class Transformer2DModel(nn.Module):
    """GroupNorm, proj_in (1×1 conv in SD 1.x, Linear with use_linear_projection in SD 2.x),
    one BasicTransformerBlock, proj_out, residual."""

    def __init__(self, channels, heads, head_dim, context_dim, groups, linear):
        super().__init__()
        inner = heads * head_dim
        self.linear = linear
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.proj_in = nn.Linear(channels, inner) if linear else nn.Conv2d(channels, inner, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(inner, heads, head_dim, context_dim)])
        self.proj_out = nn.Linear(inner, channels) if linear else nn.Conv2d(inner, channels, 1)

    def forward(self, x, context):
        b, c, h, w = x.shape
        y = self.norm(x)
        if self.linear:
            y = self.proj_in(y.permute(0, 2, 3, 1).reshape(b, h * w, c))
        else:
            y = self.proj_in(y)
            y = y.permute(0, 2, 3, 1).reshape(b, h * w, y.shape[1])
        for block in self.transformer_blocks:
            y = block(y, context)
        if self.linear:
            y = self.proj_out(y).reshape(b, h, w, c).permute(0, 3, 1, 2)
        else:
            y = self.proj_out(y.reshape(b, h, w, y.shape[2]).permute(0, 3, 1, 2))
        return y + x


class DownBlock(nn.Module):
    """CrossAttnDownBlock2D (attention after each resnet) or DownBlock2D (heads=None)."""

    def __init__(self, cin, cout, temb, groups, layers, heads, context_dim, linear, downsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, groups, temb) for i in range(layers)])
        self.attentions = (
            nn.ModuleList([Transformer2DModel(cout, heads, cout // heads, context_dim, groups, linear) for _ in range(layers)])
            if heads
            else None
        )
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if downsample else None

    def forward(self, x, temb, context):
        skips = []
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            skips.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            skips.append(x)
        return x, skips


class UpBlock(nn.Module):
    """CrossAttnUpBlock2D / UpBlock2D: each resnet takes the running tensor concatenated with a skip."""

    def __init__(self, cin, cout, prev, temb, groups, layers, heads, context_dim, linear, upsample):
        super().__init__()
        resnets = []
        for j in range(layers):
            skip = cin if j == layers - 1 else cout
            resnets.append(ResnetBlock2D((prev if j == 0 else cout) + skip, cout, groups, temb))
        self.resnets = nn.ModuleList(resnets)
        self.attentions = (
            nn.ModuleList([Transformer2DModel(cout, heads, cout // heads, context_dim, groups, linear) for _ in range(layers)])
            if heads
            else None
        )
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, x, skips, temb, context):
        for i, resnet in enumerate(self.resnets):
            x = resnet(torch.cat([x, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNet2DConditionModel(nn.Module):
    """UNet2DConditionModel with the SD 1.x / 2.x block layout:
    down = 3 × CrossAttnDownBlock2D + DownBlock2D, mid = UNetMidBlock2DCrossAttn,
    up = UpBlock2D + 3 × CrossAttnUpBlock2D, layers_per_block 2 (3 in the up path)."""

    def __init__(self, in_channels, channels, heads, context_dim, groups, linear, layers=2):
        super().__init__()
        c0 = channels[0]
        temb = c0 * 4
        self.time_dim = c0
        # Timesteps(c0, flip_sin_to_cos=True, downscale_freq_shift=0): frequencies as a constant.
        half = c0 // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        self.register_buffer("time_freqs", freqs, persistent=False)
        self.time_embedding = nn.Module()
        self.time_embedding.linear_1 = nn.Linear(c0, temb)
        self.time_embedding.linear_2 = nn.Linear(temb, temb)
        self.conv_in = nn.Conv2d(in_channels, c0, 3, padding=1)
        n = len(channels)
        self.down_blocks = nn.ModuleList()
        cout = c0
        for i in range(n):
            cin, cout = cout, channels[i]
            last = i == n - 1
            self.down_blocks.append(
                DownBlock(cin, cout, temb, groups, layers, None if last else heads[i], context_dim, linear, not last)
            )
        self.mid_block = nn.Module()
        top = channels[-1]
        self.mid_block.resnets = nn.ModuleList([ResnetBlock2D(top, top, groups, temb), ResnetBlock2D(top, top, groups, temb)])
        self.mid_block.attentions = nn.ModuleList(
            [Transformer2DModel(top, heads[-1], top // heads[-1], context_dim, groups, linear)]
        )
        rev = list(reversed(channels))
        rev_heads = list(reversed(heads))
        self.up_blocks = nn.ModuleList()
        cout = rev[0]
        for i in range(n):
            prev, cout, cin = cout, rev[i], rev[min(i + 1, n - 1)]
            first = i == 0
            self.up_blocks.append(
                UpBlock(cin, cout, prev, temb, groups, layers + 1, None if first else rev_heads[i], context_dim, linear, i < n - 1)
            )
        self.conv_norm_out = nn.GroupNorm(groups, c0, eps=1e-5)
        self.conv_out = nn.Conv2d(c0, 4, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        # diffusers broadcasts the timestep to the batch, then embeds it (cos first: flip_sin_to_cos).
        t = timestep.to(torch.float32).reshape(-1).expand(sample.shape[0])
        args = t[:, None] * self.time_freqs[None, :]
        t_emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
        temb = self.time_embedding.linear_2(F.silu(self.time_embedding.linear_1(t_emb)))
        x = self.conv_in(sample)
        skips = [x]
        for block in self.down_blocks:
            x, s = block(x, temb, encoder_hidden_states)
            skips.extend(s)
        x = self.mid_block.resnets[0](x, temb)
        x = self.mid_block.attentions[0](x, encoder_hidden_states)
        x = self.mid_block.resnets[1](x, temb)
        for block in self.up_blocks:
            x = block(x, skips, temb, encoder_hidden_states)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class VaeAttention(nn.Module):
    """The VAE mid-block Attention: GroupNorm, single head over all channels, biased q/k/v/out, residual."""

    def __init__(self, channels, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.to_q = nn.Linear(channels, channels)
        self.to_k = nn.Linear(channels, channels)
        self.to_v = nn.Linear(channels, channels)
        self.to_out = nn.ModuleList([nn.Linear(channels, channels)])

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)
        y = self.to_out[0](attention(self.to_q(y), self.to_k(y), self.to_v(y), 1))
        return y.transpose(1, 2).reshape(b, c, h, w) + x


class VaeMid(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(channels, channels, groups, eps=1e-6) for _ in range(2)])
        self.attentions = nn.ModuleList([VaeAttention(channels, groups)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class VaeEncoder(nn.Module):
    """AutoencoderKL's Encoder (double_z) + quant_conv: image → latent mean and log-variance."""

    def __init__(self, channels, groups, latent=4, layers=2):
        super().__init__()
        self.conv_in = nn.Conv2d(3, channels[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        cout = channels[0]
        for i, c in enumerate(channels):
            block = nn.Module()
            block.resnets = nn.ModuleList([ResnetBlock2D(cout if j == 0 else c, c, groups, eps=1e-6) for j in range(layers)])
            block.downsamplers = nn.ModuleList([Downsample2D(c, padding=0)]) if i < len(channels) - 1 else None
            self.down_blocks.append(block)
            cout = c
        self.mid_block = VaeMid(channels[-1], groups)
        self.conv_norm_out = nn.GroupNorm(groups, channels[-1], eps=1e-6)
        self.conv_out = nn.Conv2d(channels[-1], 2 * latent, 3, padding=1)
        self.quant_conv = nn.Conv2d(2 * latent, 2 * latent, 1)

    def forward(self, x):
        x = self.conv_in(x)
        for block in self.down_blocks:
            for r in block.resnets:
                x = r(x)
            if block.downsamplers is not None:
                x = block.downsamplers[0](x)
        x = self.conv_out(F.silu(self.conv_norm_out(self.mid_block(x))))
        return self.quant_conv(x)


class VaeDecoder(nn.Module):
    """post_quant_conv + AutoencoderKL's Decoder: latent → image in [-1, 1] (unclamped)."""

    def __init__(self, channels, groups, latent=4, layers=2):
        super().__init__()
        self.post_quant_conv = nn.Conv2d(latent, latent, 1)
        rev = list(reversed(channels))
        self.conv_in = nn.Conv2d(latent, rev[0], 3, padding=1)
        self.mid_block = VaeMid(rev[0], groups)
        self.up_blocks = nn.ModuleList()
        cout = rev[0]
        for i, c in enumerate(rev):
            block = nn.Module()
            block.resnets = nn.ModuleList([ResnetBlock2D(cout if j == 0 else c, c, groups, eps=1e-6) for j in range(layers + 1)])
            block.upsamplers = nn.ModuleList([Upsample2D(c)]) if i < len(rev) - 1 else None
            self.up_blocks.append(block)
            cout = c
        self.conv_norm_out = nn.GroupNorm(groups, channels[0], eps=1e-6)
        self.conv_out = nn.Conv2d(channels[0], 3, 3, padding=1)

    def forward(self, z):
        x = self.mid_block(self.conv_in(self.post_quant_conv(z)))
        for block in self.up_blocks:
            for r in block.resnets:
                x = r(x)
            if block.upsamplers is not None:
                x = block.upsamplers[0](x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class VaeEncoderSample(nn.Module):
    """What diffusers' ONNX conversion exports as vae_encoder: encode(sample).latent_dist.sample(),
    i.e. mean + exp(0.5 · clamp(logvar, -30, 20)) · N(0, 1) (DiagonalGaussianDistribution)."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, sample):
        moments = self.encoder(sample)
        mean, logvar = moments.chunk(2, dim=1)
        std = torch.exp(0.5 * torch.clamp(logvar, -30.0, 20.0))
        return mean + std * torch.randn_like(mean)
