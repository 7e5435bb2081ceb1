"""MobileMamba (He, Zhang et al., "MobileMamba: Lightweight Multi-Receptive Visual Mamba Network",
https://arxiv.org/abs/2411.15941), written from the paper's description.

* **Three stages** after a 16x16 down-sampling patch embedding (four 3x3 stride-2 conv-BN, ReLU
  between), at H/16, H/32 and H/64.
* **MobileMamba block**: residual depthwise 3x3 conv and residual FFN (ratio 2), the MRFFI
  module (residual), again a depthwise 3x3 and an FFN, all inside an outer residual.
* **MRFFI module**: the channels are split three ways: a global part (WTE-Mamba), a local part
  (MK-DeConv: a k x k depthwise conv, BN, ReLU and a per-channel 1x1 conv with BN, the kernel size
  k per stage) and the rest passed on unchanged (Eliminate Redundant Identity); then ReLU and a
  1x1 conv-BN over all channels.
* **WTE-Mamba**: a bidirectional selective scan (2 directions, state size 1) over the global
  channels, scaled per channel, plus a Haar wavelet branch: a fixed one-level Haar transform,
  a k x k depthwise conv on the four sub-bands, a per-sub-band scale and the inverse transform.
* **Down-sampling** between stages: residual depthwise conv and FFN, then an inverted-residual
  merge (1x1 expand x4, 3x3 depthwise stride 2, squeeze-excitation 1/4, 1x1 project), then a
  residual depthwise conv and FFN at the new width.

Widths, depths, global/local ratios, kernel sizes, the SSM expansion 2 and each size's input
resolution were read in the authors' code: ``model/mobilemamba/mobilemamba.py`` (``CFG_MobileMamba_*``)
and ``configs/mobilemamba/mobilemamba_*.py`` of github.com/lewandofskee/MobileMamba; the SS2D
operator's details (in/out 1x1 conv-BN, 3x3 depthwise conv, SiLU gate, output LayerNorm, dt rank
ceil(C/16)) in its ``model/lib_mamba/vmambanew.py``. The wavelet filters are fixed constants
(buffers here, not parameters). The scan is :mod:`efficiency.zoo.seed.selective_scan`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from efficiency.zoo.seed import layers
from efficiency.zoo.seed.selective_scan import selective_scan


@dataclass(frozen=True)
class MobileMambaConfig:
    widths: tuple[int, int, int]
    depths: tuple[int, int, int]
    global_ratio: tuple[float, float, float] = (0.8, 0.7, 0.6)
    local_ratio: tuple[float, float, float] = (0.2, 0.2, 0.3)
    kernels: tuple[int, int, int] = (7, 5, 3)
    ssm_ratio: float = 2.0
    d_state: int = 1
    num_classes: int = 1000


def conv_bn(cin: int, cout: int, k: int = 1, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return layers.conv_bn(cin, cout, k, stride, groups)


class Residual(nn.Module):
    def __init__(self, m: nn.Module):
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.m(x)


def ffn(dim: int) -> nn.Module:
    return nn.Sequential(conv_bn(dim, 2 * dim), nn.ReLU(), conv_bn(2 * dim, dim))


def dw_ffn(dim: int) -> nn.Sequential:
    return nn.Sequential(Residual(conv_bn(dim, dim, 3, groups=dim)), Residual(ffn(dim)))


def haar_filters(channels: int) -> torch.Tensor:
    """(4*channels, 1, 2, 2): per channel the LL, LH, HL, HH Haar analysis filters (orthonormal,
    so the same filters synthesise with a transposed convolution)."""
    lo = torch.tensor([1.0, 1.0]) / math.sqrt(2.0)
    hi = torch.tensor([1.0, -1.0]) / math.sqrt(2.0)
    bank = torch.stack([lo[:, None] * lo[None], hi[:, None] * lo[None],
                        lo[:, None] * hi[None], hi[:, None] * hi[None]])
    return bank[:, None].repeat(channels, 1, 1, 1)


class BiSS2D(nn.Module):
    """VMamba's SS2D with two scan directions (row-major forward and backward), channels first."""

    def __init__(self, dim: int, ssm_ratio: float, d_state: int):
        super().__init__()
        inner = int(ssm_ratio * dim)
        self.rank, self.d_state = math.ceil(dim / 16), d_state
        self.in_proj = conv_bn(dim, 2 * inner)
        self.dwconv = nn.Conv2d(inner, inner, 3, padding=1, groups=inner)
        self.x_proj = nn.Parameter(torch.randn(2, self.rank + 2 * d_state, inner) * inner ** -0.5)
        self.dt_proj = nn.Parameter(0.1 * torch.rand(2, inner, self.rank))
        self.dt_bias = nn.Parameter(0.1 * torch.rand(2 * inner))
        self.A_log = nn.Parameter(torch.zeros(2 * inner, d_state))
        self.D = nn.Parameter(torch.ones(2 * inner))
        self.out_norm = nn.LayerNorm(inner)
        self.out_proj = conv_bn(inner, dim)

    def scan(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        seq = x.flatten(2)
        xs = torch.stack([seq, seq.flip(-1)], dim=1)                   # (B, 2, C, L)
        x_dbl = torch.einsum("bkdl,kcd->bkcl", xs, self.x_proj)
        dts, bs, cs = torch.split(x_dbl, [self.rank, self.d_state, self.d_state], dim=2)
        dts = torch.einsum("bkrl,kdr->bkdl", dts, self.dt_proj)
        ys = selective_scan(xs.reshape(b, 2 * c, h * w), dts.reshape(b, 2 * c, h * w),
                            -torch.exp(self.A_log), bs, cs, self.D, self.dt_bias).reshape(b, 2, c, h * w)
        y = ys[:, 0] + ys[:, 1].flip(-1)
        return self.out_norm(y.transpose(1, 2)).transpose(1, 2).reshape(b, c, h, w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, z = self.in_proj(x).chunk(2, dim=1)
        y = self.scan(F.silu(self.dwconv(x)))
        return self.out_proj(y * F.silu(z))


class WTEMamba(nn.Module):
    """Global branch: scaled bidirectional scan plus the Haar-wavelet depthwise-conv branch."""

    def __init__(self, dim: int, kernel: int, ssm_ratio: float, d_state: int):
        super().__init__()
        self.ssm = BiSS2D(dim, ssm_ratio, d_state)
        self.ssm_scale = nn.Parameter(torch.ones(1, dim, 1, 1))
        self.register_buffer("haar", haar_filters(dim), persistent=False)
        self.band_conv = nn.Conv2d(4 * dim, 4 * dim, kernel, padding=kernel // 2, groups=4 * dim,
                                   bias=False)
        self.band_scale = nn.Parameter(torch.full((1, 4 * dim, 1, 1), 0.1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c, h, w = x.shape[1:]
        xp = F.pad(x, (0, w % 2, 0, h % 2))   # odd sizes: pad one row/column, crop after
        bands = F.conv2d(xp, self.haar, stride=2, groups=c)
        bands = self.band_scale * self.band_conv(bands)
        wave = F.conv_transpose2d(bands, self.haar, stride=2, groups=c)[:, :, :h, :w]
        return self.ssm_scale * self.ssm(x) + wave


def nearest_multiple_of_16(n: int) -> int:
    """Round to the nearest multiple of 16 (ties up), as the authors size the global part."""
    lower = n // 16 * 16
    return lower if n - lower < lower + 16 - n else lower + 16


class MRFFI(nn.Module):
    def __init__(self, dim: int, global_ratio: float, local_ratio: float, kernel: int,
                 ssm_ratio: float, d_state: int):
        super().__init__()
        g = nearest_multiple_of_16(int(global_ratio * dim))
        loc = int(local_ratio * dim)
        loc = dim - g if g + loc > dim else loc
        self.split = [g, loc, dim - g - loc]
        self.global_op = WTEMamba(g, kernel, ssm_ratio, d_state)
        self.local_op = nn.Sequential(conv_bn(loc, loc, kernel, groups=loc), nn.ReLU(),
                                      conv_bn(loc, loc, 1, groups=loc))
        self.proj = nn.Sequential(nn.ReLU(), conv_bn(dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xg, xl, xi = torch.split(x, self.split, dim=1)
        return self.proj(torch.cat([self.global_op(xg), self.local_op(xl), xi], dim=1))


class MobileMambaBlock(nn.Module):
    def __init__(self, dim: int, global_ratio: float, local_ratio: float, kernel: int,
                 ssm_ratio: float, d_state: int):
        super().__init__()
        self.body = nn.Sequential(
            dw_ffn(dim), Residual(MRFFI(dim, global_ratio, local_ratio, kernel, ssm_ratio, d_state)),
            dw_ffn(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SqueezeExcite(nn.Module):
    def __init__(self, dim: int, ratio: float = 0.25, divisor: int = 8):
        super().__init__()
        rd = max(divisor, int(dim * ratio + divisor / 2) // divisor * divisor)
        self.fc1, self.fc2 = nn.Conv2d(dim, rd, 1), nn.Conv2d(rd, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean(dim=(2, 3), keepdim=True)))))


def downsample(dim: int, out_dim: int) -> nn.Sequential:
    hid = 4 * dim
    merge = nn.Sequential(conv_bn(dim, hid), nn.ReLU(), conv_bn(hid, hid, 3, 2, groups=hid),
                          nn.ReLU(), SqueezeExcite(hid), conv_bn(hid, out_dim))
    return nn.Sequential(dw_ffn(dim), merge, dw_ffn(out_dim))


class MobileMamba(nn.Module):
    def __init__(self, cfg: MobileMambaConfig):
        super().__init__()
        w0 = cfg.widths[0]
        self.stem = nn.Sequential(conv_bn(3, w0 // 8, 3, 2), nn.ReLU(), conv_bn(w0 // 8, w0 // 4, 3, 2),
                                  nn.ReLU(), conv_bn(w0 // 4, w0 // 2, 3, 2), nn.ReLU(),
                                  conv_bn(w0 // 2, w0, 3, 2))
        layers: list[nn.Module] = []
        for i, (dim, depth) in enumerate(zip(cfg.widths, cfg.depths)):
            if i > 0:
                layers.append(downsample(cfg.widths[i - 1], dim))
            layers += [MobileMambaBlock(dim, cfg.global_ratio[i], cfg.local_ratio[i], cfg.kernels[i],
                                        cfg.ssm_ratio, cfg.d_state) for _ in range(depth)]
        self.stages = nn.Sequential(*layers)
        self.head_norm = nn.BatchNorm1d(cfg.widths[-1])
        self.head = nn.Linear(cfg.widths[-1], cfg.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(self.stem(x)).mean(dim=(2, 3))
        return self.head(self.head_norm(x))


SMALL, LARGE = (1, 2, 2), (2, 3, 2)


def mobilemamba_t2() -> MobileMamba:
    return MobileMamba(MobileMambaConfig(widths=(144, 272, 368), depths=SMALL))


def mobilemamba_t4() -> MobileMamba:
    return MobileMamba(MobileMambaConfig(widths=(176, 368, 448), depths=SMALL))


def mobilemamba_s6() -> MobileMamba:
    return MobileMamba(MobileMambaConfig(widths=(192, 384, 448), depths=SMALL))


def mobilemamba_b() -> MobileMamba:
    """B1, B2 and B4 are one network at 256, 384 and 512 pixels."""
    return MobileMamba(MobileMambaConfig(widths=(200, 376, 448), depths=LARGE))
