"""Small VAE, CLIP-style text encoder and cross-attention U-Net (all ONNX friendly).

Architectural conventions follow Stable Diffusion / diffusers (read for
reference, not copied): huggingface/diffusers `embeddings.get_timestep_embedding`
(flip_sin_to_cos=True, downscale_freq_shift=0), `ResnetBlock2D`, `Transformer2DModel`
(GroupNorm -> proj_in -> [LN, attn, LN, cross-attn, LN, FF] -> proj_out), and
openai CLIP's text transformer (pre-LN, causal mask, final LayerNorm).
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


def gn(c):
    return nn.GroupNorm(8 if c % 8 == 0 else 4, c, eps=1e-5)


class Res(nn.Module):
    def __init__(self, cin, cout, temb=None):
        super().__init__()
        self.n1 = gn(cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout) if temb else None
        self.n2 = gn(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, t=None):
        h = self.c1(F.silu(self.n1(x)))
        if self.t is not None:
            h = h + self.t(F.silu(t))[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


# ---------------------------------------------------------------- VAE
class Encoder(nn.Module):
    def __init__(self, ch=(32, 48, 64, 64), zc=4):
        super().__init__()
        self.cin = nn.Conv2d(3, ch[0], 3, padding=1)
        layers = []
        for a, b in zip(ch[:-1], ch[1:]):
            layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.SiLU()]
        self.down = nn.Sequential(*layers)
        self.res = Res(ch[-1], ch[-1])
        self.nout = gn(ch[-1])
        self.out = nn.Conv2d(ch[-1], 2 * zc, 3, padding=1)

    def forward(self, x):
        h = self.res(self.down(F.silu(self.cin(x))))
        m = self.out(F.silu(self.nout(h)))
        mean, logvar = m.chunk(2, dim=1)
        return mean, logvar.clamp(-30, 20)


class Decoder(nn.Module):
    def __init__(self, ch=(96, 64, 48, 32), zc=4):
        super().__init__()
        self.cin = nn.Conv2d(zc, ch[0], 3, padding=1)
        self.res0 = Res(ch[0], ch[0])
        self.ups = nn.ModuleList()
        self.ress = nn.ModuleList()
        for a, b in zip(ch[:-1], ch[1:]):
            self.ups.append(nn.Conv2d(a, b, 3, padding=1))
            self.ress.append(Res(b, b) if b > ch[-1] else nn.Identity())
        self.res1 = Res(ch[-1], ch[-1])
        self.nout = gn(ch[-1])
        self.out = nn.Conv2d(ch[-1], 3, 3, padding=1)

    def forward(self, z):
        h = self.res0(self.cin(z))
        for conv, res in zip(self.ups, self.ress):   # nearest upsample + conv (no transposed convs)
            h = res(F.silu(conv(F.interpolate(h, scale_factor=2.0, mode="nearest"))))
        h = self.res1(h)
        return self.out(F.silu(self.nout(h)))


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()


# ---------------------------------------------------------------- text encoder
class TBlock(nn.Module):
    def __init__(self, d, heads, mlp=4):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attn(d, d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, d * mlp)
        self.fc2 = nn.Linear(d * mlp, d)

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), None, mask)
        h = self.fc1(self.ln2(x))
        h = h * torch.sigmoid(1.702 * h)  # CLIP quick_gelu
        return x + self.fc2(h)


class TextEncoder(nn.Module):
    """CLIP text transformer shape (token + position embedding, pre-LN blocks, final LN), with the
    same ONNX interface (input_ids -> last_hidden_state). `causal=False` drops CLIP's causal mask:
    with it a colour word could never see the noun that FOLLOWS it ("a star that is red": "red"
    comes after "star"; "blue background with a red star": "blue" cannot know it is the background),
    so every token's state depended only on the words before it."""

    def __init__(self, vocab, d=128, layers=2, heads=4, max_len=77, causal=True):
        super().__init__()
        self.causal = causal
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(max_len, d) * 0.01)
        self.blocks = nn.ModuleList([TBlock(d, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        mask = torch.full((max_len, max_len), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, ids):
        L = ids.shape[1]
        x = self.tok(ids) + self.pos[:L]
        mask = self.mask[:L, :L] if self.causal else None
        for b in self.blocks:
            x = b(x, mask)
        return self.ln_f(x)


# ---------------------------------------------------------------- U-Net
class Attn(nn.Module):
    def __init__(self, d, dctx, heads):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(d, d, bias=False)
        self.k = nn.Linear(dctx, d, bias=False)
        self.v = nn.Linear(dctx, d, bias=False)
        self.o = nn.Linear(d, d)

    def forward(self, x, ctx=None, mask=None):
        ctx = x if ctx is None else ctx
        B, N, D = x.shape
        h = self.h
        q = self.q(x).reshape(B, N, h, D // h).transpose(1, 2)
        k = self.k(ctx).reshape(B, -1, h, D // h).permute(0, 2, 3, 1)
        v = self.v(ctx).reshape(B, -1, h, D // h).transpose(1, 2)
        w = torch.matmul(q, k) * (1.0 / math.sqrt(D // h))
        if mask is not None:
            w = w + mask
        a = torch.matmul(w.softmax(-1), v)
        return self.o(a.transpose(1, 2).reshape(B, N, D))


class SpatialTransformer(nn.Module):
    def __init__(self, c, dctx, heads, self_attn):
        super().__init__()
        self.norm = gn(c)
        self.pin = nn.Linear(c, c)
        self.sa = self_attn
        if self_attn:
            self.ln0 = nn.LayerNorm(c)
            self.attn0 = Attn(c, c, heads)
        self.ln1 = nn.LayerNorm(c)
        self.attn1 = Attn(c, dctx, heads)
        self.ln2 = nn.LayerNorm(c)
        self.ff1 = nn.Linear(c, c * 4)   # GEGLU as in diffusers FeedForward
        self.ff2 = nn.Linear(c * 2, c)
        self.pout = nn.Linear(c, c)

    def forward(self, x, ctx):
        B, C, H, W = x.shape
        h = self.norm(x).reshape(B, C, H * W).transpose(1, 2)
        h = self.pin(h)
        if self.sa:
            h = h + self.attn0(self.ln0(h))
        h = h + self.attn1(self.ln1(h), ctx)
        a, g = self.ff1(self.ln2(h)).chunk(2, dim=-1)
        h = h + self.ff2(a * F.gelu(g))
        h = self.pout(h).transpose(1, 2).reshape(B, C, H, W)
        return x + h


def timestep_embedding(t, dim):
    """diffusers get_timestep_embedding, flip_sin_to_cos=True, downscale_freq_shift=0."""
    half = dim // 2
    exponent = -math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half
    emb = t.float()[:, None] * torch.exp(exponent)[None, :]
    return torch.cat([torch.cos(emb), torch.sin(emb)], dim=-1)


class UNet(nn.Module):
    def __init__(self, dctx=128, c1=64, c2=112, heads=4, sa_low=True, sa_high=False):
        super().__init__()
        self.tdim = c1
        temb = c1 * 4
        self.temb = nn.Sequential(nn.Linear(c1, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.cin = nn.Conv2d(4, c1, 3, padding=1)
        self.d1 = Res(c1, c1, temb)
        self.a1 = SpatialTransformer(c1, dctx, heads, sa_high)
        self.down = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.d2 = Res(c2, c2, temb)
        self.a2 = SpatialTransformer(c2, dctx, heads, sa_low)
        self.m1 = Res(c2, c2, temb)
        self.am = SpatialTransformer(c2, dctx, heads, sa_low)
        self.u2 = Res(2 * c2, c2, temb)
        self.au2 = SpatialTransformer(c2, dctx, heads, sa_low)
        self.up = nn.Conv2d(c2, c1, 3, padding=1)
        self.u1 = Res(2 * c1, c1, temb)
        self.au1 = SpatialTransformer(c1, dctx, heads, sa_high)
        self.nout = gn(c1)
        self.out = nn.Conv2d(c1, 4, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        ctx = encoder_hidden_states
        t = self.temb(timestep_embedding(timestep, self.tdim))
        h0 = self.cin(sample)
        h1 = self.a1(self.d1(h0, t), ctx)
        h = self.down(h1)
        h2 = self.a2(self.d2(h, t), ctx)
        h = self.am(self.m1(h2, t), ctx)
        h = self.au2(self.u2(torch.cat([h, h2], 1), t), ctx)
        h = self.up(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.au1(self.u1(torch.cat([h, h1], 1), t), ctx)
        return self.out(F.silu(self.nout(h)))


def nparams(m):
    return sum(p.numel() for p in m.parameters())
