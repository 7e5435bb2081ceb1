"""CSWin Transformer, from "CSWin Transformer: A General Vision Transformer Backbone with
Cross-Shaped Windows" (Dong et al., arXiv 2107.00652).

The paper's design, as built here:

* a 7x7 stride-4 convolutional token embedding (overlapping, after CvT) with LayerNorm, then four
  stages joined by 3x3 stride-2 convolutions (with LayerNorm) that halve the resolution and double
  the width;
* pre-norm blocks ``x + proj(CSWin-attention(norm(x)))`` then ``x + MLP(norm(x))`` (ratio 4, GELU);
* cross-shaped window self-attention: one ``qkv`` projection, whose channels (and heads) are split
  in half; the first half attends within horizontal stripes of ``sw`` rows (full width), the second
  within vertical stripes of ``sw`` columns (full height); the halves are concatenated and
  projected. A stage whose feature map is no taller than ``sw`` (the last stage: 7x7 with sw=7 at
  224, 12x12 with sw=12 at 384) has one stripe, i.e. global attention over all channels and heads;
* LePE (locally-enhanced positional encoding): a depth-wise 3x3 convolution of V inside each
  stripe, added to the attention output.

Tensors are channel-last ``(B, H, W, C)``. Vertical stripes reuse the horizontal code on the
transposed map. The attention itself is ``F.scaled_dot_product_attention`` (both counters count
its two matrix products).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

MLP_RATIO = 4
STRIPES_224 = (1, 2, 7, 7)
STRIPES_384 = (1, 2, 12, 12)


@dataclass(frozen=True)
class CSWinConfig:
    """One variant: stem width C (stage i has width C * 2**i), blocks and heads per stage, and
    the stripe width sw per stage, for one input size."""

    width: int
    depths: tuple[int, int, int, int]
    heads: tuple[int, int, int, int]
    stripes: tuple[int, int, int, int]
    image_size: int = 224
    num_classes: int = 1000


def stripe_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, lepe: nn.Conv2d,
                     heads: int, sw: int) -> torch.Tensor:
    """Self-attention within horizontal stripes of ``sw`` rows; (B, H, W, C) in and out.

    Each stripe (sw x W tokens) is one attention window; ``lepe`` (depth-wise, C channels) runs on
    V reshaped to the stripe, so its 3x3 neighbourhood never crosses a stripe border."""
    b, h, w, c = q.shape
    n = h // sw

    def windows(t: torch.Tensor) -> torch.Tensor:  # -> (B*n, heads, sw*W, C/heads)
        return t.reshape(b * n, sw * w, heads, c // heads).transpose(1, 2)

    v_img = v.reshape(b * n, sw, w, c).permute(0, 3, 1, 2)           # (B*n, C, sw, W)
    pos = lepe(v_img).permute(0, 2, 3, 1).reshape(b * n, sw * w, c)  # (B*n, sw*W, C)
    out = F.scaled_dot_product_attention(windows(q), windows(k), windows(v))
    out = out.transpose(1, 2).reshape(b * n, sw * w, c) + pos
    return out.reshape(b, h, w, c)


class CrossShapedAttention(nn.Module):
    """qkv projection, horizontal + vertical stripe attention on the two channel halves (or one
    global branch when a stripe covers the whole map), output projection."""

    def __init__(self, dim: int, heads: int, sw: int, resolution: int):
        super().__init__()
        self.heads, self.sw = heads, sw
        self.single = sw >= resolution
        self.qkv = nn.Linear(dim, 3 * dim)
        branch_dim = dim if self.single else dim // 2
        self.lepe = nn.ModuleList(
            nn.Conv2d(branch_dim, branch_dim, 3, padding=1, groups=branch_dim)
            for _ in range(1 if self.single else 2))
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        if self.single:
            return self.proj(stripe_attention(q, k, v, self.lepe[0], self.heads, x.shape[1]))
        half = x.shape[-1] // 2
        horizontal = stripe_attention(q[..., :half], k[..., :half], v[..., :half],
                                      self.lepe[0], self.heads // 2, self.sw)
        # vertical stripes are horizontal stripes of the transposed map
        qt, kt, vt = (t[..., half:].transpose(1, 2) for t in (q, k, v))
        vertical = stripe_attention(qt, kt, vt, self.lepe[1], self.heads // 2, self.sw)
        return self.proj(torch.cat([horizontal, vertical.transpose(1, 2)], dim=-1))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, sw: int, resolution: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = CrossShapedAttention(dim, heads, sw, resolution)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, MLP_RATIO * dim), nn.GELU(),
                                 nn.Linear(MLP_RATIO * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ConvEmbed(nn.Module):
    """Convolution then LayerNorm; (B, C, H, W) in, channel-last out."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, padding: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding)
        self.norm = nn.LayerNorm(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.conv(x).permute(0, 2, 3, 1))


class CSWinTransformer(nn.Module):
    def __init__(self, config: CSWinConfig):
        super().__init__()
        widths = [config.width * 2 ** i for i in range(4)]
        self.embeds = nn.ModuleList(
            [ConvEmbed(3, widths[0], 7, 4, 2)] +
            [ConvEmbed(widths[i - 1], widths[i], 3, 2, 1) for i in range(1, 4)])
        self.stages = nn.ModuleList(
            nn.Sequential(*[Block(widths[i], config.heads[i], config.stripes[i],
                                  config.image_size // (4 * 2 ** i))
                            for _ in range(config.depths[i])])
            for i in range(4))
        self.norm = nn.LayerNorm(widths[-1])
        self.head = nn.Linear(widths[-1], config.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, (embed, stage) in enumerate(zip(self.embeds, self.stages)):
            x = stage(embed(x if i == 0 else x.permute(0, 3, 1, 2)))
        return self.head(self.norm(x).mean(dim=(1, 2)))


# width C, blocks and heads per stage of each variant (the paper's variant configurations; read in
# the authors' model definitions, github.com/microsoft/CSWin-Transformer models/cswin.py)
SIZES = {
    "t": (64, (1, 2, 21, 1), (2, 4, 8, 16)),
    "s": (64, (2, 4, 32, 2), (2, 4, 8, 16)),
    "b": (96, (2, 4, 32, 2), (4, 8, 16, 32)),
    "l": (144, (2, 4, 32, 2), (6, 12, 24, 24)),
}


def _build(size: str, image_size: int) -> CSWinTransformer:
    width, depths, heads = SIZES[size]
    stripes = STRIPES_224 if image_size == 224 else STRIPES_384
    return CSWinTransformer(CSWinConfig(width=width, depths=depths, heads=heads,
                                        stripes=stripes, image_size=image_size))


def cswin_t_224() -> CSWinTransformer:
    return _build("t", 224)


def cswin_s_224() -> CSWinTransformer:
    return _build("s", 224)


def cswin_b_224() -> CSWinTransformer:
    return _build("b", 224)


def cswin_l_224() -> CSWinTransformer:
    return _build("l", 224)


def cswin_b_384() -> CSWinTransformer:
    return _build("b", 384)


def cswin_l_384() -> CSWinTransformer:
    return _build("l", 384)
