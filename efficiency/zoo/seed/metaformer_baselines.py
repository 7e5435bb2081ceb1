"""IdentityFormer and RandFormer, from "MetaFormer Baselines for Vision" (Yu et al., arXiv 2210.13452).

Both are the four-stage MetaFormer of the paper's Figure 2: a 7x7 stride-4 convolution, then 3x3
stride-2 convolutions between stages; every block is ``x + mixer(norm(x))`` then
``x + mlp(norm(x))``. What the paper changes between the two is only the token mixer:

* IdentityFormer: the identity (no token mixing at all);
* RandFormer: the identity in the first two stages and, in the last two, a *fixed* random
  token-mixing matrix (row-softmax of uniform noise, frozen at initialisation). The paper prints its
  size apart from the trained parameters ("11.9 + 0.2M"), so here it is a buffer, not a parameter.

Shared details, as the paper gives them for its baselines: the MLP has ratio 4, no biases and the
StarReLU activation (``s * relu(x)**2 + b``, scalar ``s``, ``b``); the normalisation inside blocks is
the "modified LayerNorm" (statistics over H, W and C, a per-channel scale, no bias); the last two
stages use ResScale (a learnable per-channel scale on the residual branch); the head is global
average pooling, LayerNorm and one linear layer.

Layout is channel-last ``(B, H, W, C)`` inside the stages, so every linear layer and the random
mixing are plain matmuls over the last dimension.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

EPS = 1e-6
MLP_RATIO = 4
S_WIDTHS = (64, 128, 320, 512)
M_WIDTHS = (96, 192, 384, 768)


@dataclass(frozen=True)
class MetaFormerConfig:
    """One variant: blocks and width per stage, and which stages mix tokens with a random matrix."""

    depths: tuple[int, int, int, int]
    widths: tuple[int, int, int, int]
    random_stages: tuple[bool, bool, bool, bool] = (False, False, False, False)
    image_size: int = 224
    num_classes: int = 1000


class ChannelScaleLayerNorm(nn.Module):
    """LayerNorm over the last ``dims`` dimensions with a per-channel scale and no bias (the
    baselines drop every normalisation bias). ``dims=3`` on (B, H, W, C) is the paper's
    "modified LayerNorm"; ``dims=1`` is an ordinary channel LayerNorm."""

    def __init__(self, channels: int, dims: int = 1):
        super().__init__()
        self.dims = dims
        self.weight = nn.Parameter(torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, x.shape[-self.dims:], eps=EPS) * self.weight


class StarReLU(nn.Module):
    """``s * relu(x)**2 + b`` with learnable scalars s and b."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * F.relu(x) ** 2 + self.bias


class Mlp(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, MLP_RATIO * dim, bias=False)
        self.act = StarReLU()
        self.fc2 = nn.Linear(MLP_RATIO * dim, dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class RandomMixing(nn.Module):
    """Mixes the H*W tokens with a fixed row-stochastic matrix: ``out[m] = sum_n R[m, n] x[n]``.

    The matrix is drawn once (softmax over rows of uniform noise) and never trained; a buffer keeps
    it out of ``parameters()`` while it still moves with the module and is saved with its state."""

    def __init__(self, num_tokens: int):
        super().__init__()
        self.register_buffer("mixing", torch.softmax(torch.rand(num_tokens, num_tokens), dim=-1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, c = x.shape
        return torch.matmul(self.mixing, x.reshape(b, h * w, c)).reshape(b, h, w, c)


class Block(nn.Module):
    """``x = r1*x + mixer(norm1(x)); x = r2*x + mlp(norm2(x))`` with ResScale r in the last stages."""

    def __init__(self, dim: int, mixer: nn.Module, res_scale: bool):
        super().__init__()
        self.norm1 = ChannelScaleLayerNorm(dim, dims=3)
        self.mixer = mixer
        self.norm2 = ChannelScaleLayerNorm(dim, dims=3)
        self.mlp = Mlp(dim)
        self.res_scale1 = nn.Parameter(torch.ones(dim)) if res_scale else None
        self.res_scale2 = nn.Parameter(torch.ones(dim)) if res_scale else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _scaled(x, self.res_scale1) + self.mixer(self.norm1(x))
        return _scaled(x, self.res_scale2) + self.mlp(self.norm2(x))


def _scaled(x: torch.Tensor, scale: nn.Parameter | None) -> torch.Tensor:
    return x if scale is None else x * scale


class Downsample(nn.Module):
    """Channel-last in and out. The stem (stage 0) normalises after its 7x7/4 convolution; the
    later 3x3/2 convolutions normalise before."""

    def __init__(self, cin: int, cout: int, stem: bool):
        super().__init__()
        self.stem = stem
        self.conv = nn.Conv2d(cin, cout, 7 if stem else 3, stride=4 if stem else 2,
                              padding=2 if stem else 1)
        self.norm = ChannelScaleLayerNorm(cout if stem else cin)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stem:  # x is the (B, 3, H, W) image
            return self.norm(self.conv(x).permute(0, 2, 3, 1))
        return self.conv(self.norm(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class MetaFormer(nn.Module):
    def __init__(self, config: MetaFormerConfig):
        super().__init__()
        widths = config.widths
        self.downsamples = nn.ModuleList(
            Downsample(cin, cout, stem=i == 0)
            for i, (cin, cout) in enumerate(zip((3,) + widths[:-1], widths)))
        stages = []
        for i, (depth, dim) in enumerate(zip(config.depths, widths)):
            side = config.image_size // (4 * 2 ** i)
            blocks = [Block(dim, RandomMixing(side * side) if config.random_stages[i] else
                            nn.Identity(), res_scale=i >= 2) for _ in range(depth)]
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.norm = nn.LayerNorm(widths[-1], eps=EPS)
        self.head = nn.Linear(widths[-1], config.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for down, stage in zip(self.downsamples, self.stages):
            x = stage(down(x))
        return self.head(self.norm(x.mean(dim=(1, 2))))


def _identity(depths, widths) -> MetaFormer:
    return MetaFormer(MetaFormerConfig(depths=depths, widths=widths))


def _random(depths, widths) -> MetaFormer:
    return MetaFormer(MetaFormerConfig(depths=depths, widths=widths,
                                       random_stages=(False, False, True, True)))


def identityformer_s12() -> MetaFormer:
    return _identity((2, 2, 6, 2), S_WIDTHS)


def identityformer_s24() -> MetaFormer:
    return _identity((4, 4, 12, 4), S_WIDTHS)


def identityformer_s36() -> MetaFormer:
    return _identity((6, 6, 18, 6), S_WIDTHS)


def identityformer_m36() -> MetaFormer:
    return _identity((6, 6, 18, 6), M_WIDTHS)


def identityformer_m48() -> MetaFormer:
    return _identity((8, 8, 24, 8), M_WIDTHS)


def randformer_s12() -> MetaFormer:
    return _random((2, 2, 6, 2), S_WIDTHS)


def randformer_s24() -> MetaFormer:
    return _random((4, 4, 12, 4), S_WIDTHS)


def randformer_s36() -> MetaFormer:
    return _random((6, 6, 18, 6), S_WIDTHS)


def randformer_m36() -> MetaFormer:
    return _random((6, 6, 18, 6), M_WIDTHS)


def randformer_m48() -> MetaFormer:
    return _random((8, 8, 24, 8), M_WIDTHS)
