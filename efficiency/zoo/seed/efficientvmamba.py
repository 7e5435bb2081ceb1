"""EfficientVMamba (Pei, Huang & Xu, "EfficientVMamba: Atrous Selective Scan for Light Weight
Visual Mamba", https://arxiv.org/abs/2403.09977), written from the paper's description.

* **ES2D, atrous selective scan**: the feature map is skip-sampled with step p = 2 into four
  (H/2 x W/2) sub-grids, two read row by row and two column by column; each is one scan direction
  of an S6 selective scan with its own projections, and the four outputs are put back at their
  pixels. The scan therefore runs over N/p^2 tokens instead of VMamba's four scans over N.
* **EVSS block**: LayerNorm, then a global branch (the ES2D state-space operator, VMamba's SS2D
  with the atrous scan) and a local branch (3x3 depthwise conv, BN, GELU, 1x1 conv), each gated
  by the same channel-attention (squeeze-excitation) module and summed, with a residual.
* **Inverted insertion**: EVSS blocks in the first two (high-resolution) stages, MobileNetV2
  inverted-residual blocks (expansion 4, squeeze-excitation 1/8) in the last two.

Sizes (embedding width, depths) and the details the paper leaves to its code (d_state 16, SSM
expansion 2, dt rank ceil(C/16), no MLP after the block, patch-merging downsampling, patch size 4)
were read in the authors' configs ``classification/configs/vssm/vssm_efficient_{tiny,small,base}
.yaml`` and ``classification/models/vmamba_efficient.py`` of github.com/TerryPei/EfficientVMamba.
The scan is :mod:`efficiency.zoo.seed.selective_scan` (plain PyTorch, counted by formula).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from efficiency.zoo.seed.selective_scan import selective_scan

STEP = 2        # atrous step p of ES2D
GROUPS = 4      # scan directions: 4 sub-grids of the skip sampling


@dataclass(frozen=True)
class EfficientVMambaConfig:
    dim: int                              # stage-1 width; widths double per stage
    depths: tuple[int, int, int, int]
    d_state: int = 16
    ssm_ratio: float = 2.0
    num_classes: int = 1000


def atrous_split(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) with even H, W -> (B, 4, C, H/2 * W/2): the four skip-sampled sub-grids,
    (even rows, even cols) and (even, odd) read row-major, (odd, even) and (odd, odd) read
    column-major."""
    t = x.transpose(2, 3)
    parts = [x[:, :, 0::STEP, 0::STEP], t[:, :, 0::STEP, 1::STEP],
             x[:, :, 0::STEP, 1::STEP], t[:, :, 1::STEP, 1::STEP]]
    return torch.stack([p.flatten(2) for p in parts], dim=1)


def atrous_merge(ys: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Inverse of :func:`atrous_split`: (B, 4, C, h*w) -> (B, C, 2h, 2w)."""
    b, _, c, _ = ys.shape
    y00 = ys[:, 0].reshape(b, c, h, w)
    y10 = ys[:, 1].reshape(b, c, w, h).transpose(2, 3)
    y01 = ys[:, 2].reshape(b, c, h, w)
    y11 = ys[:, 3].reshape(b, c, w, h).transpose(2, 3)
    even = torch.stack([y00, y01], dim=-1).reshape(b, c, h, 2 * w)
    odd = torch.stack([y10, y11], dim=-1).reshape(b, c, h, 2 * w)
    return torch.stack([even, odd], dim=3).reshape(b, c, 2 * h, 2 * w)


class ES2D(nn.Module):
    """The state-space operator of the EVSS block (on channels-last (B, H, W, C) input)."""

    def __init__(self, dim: int, d_state: int, ssm_ratio: float):
        super().__init__()
        inner = int(ssm_ratio * dim)
        self.rank = math.ceil(dim / 16)
        self.d_state = d_state
        self.in_proj = nn.Linear(dim, 2 * inner, bias=False)
        self.dwconv = nn.Conv2d(inner, inner, 3, padding=1, groups=inner)
        # per scan direction: x -> (dt rank, B, C) and the dt up-projection
        self.x_proj = nn.Parameter(torch.randn(GROUPS, self.rank + 2 * d_state, inner) * inner ** -0.5)
        self.dt_proj = nn.Parameter(torch.randn(GROUPS, inner, self.rank) * self.rank ** -0.5)
        self.dt_bias = nn.Parameter(torch.full((GROUPS * inner,), math.log(math.expm1(0.01))))
        a = torch.arange(1, d_state + 1, dtype=torch.float32).repeat(GROUPS * inner, 1)
        self.A_log = nn.Parameter(torch.log(a))   # S4D-real initialisation, A = -exp(A_log)
        self.D = nn.Parameter(torch.ones(GROUPS * inner))
        self.out_norm = nn.LayerNorm(inner)
        self.out_proj = nn.Linear(inner, dim, bias=False)

    def scan(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        ph, pw = h % STEP, w % STEP               # odd sizes: pad to the step, crop after
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph))
        hh, ww = x.shape[2] // STEP, x.shape[3] // STEP
        xs = atrous_split(x)                                       # (B, K, C, L)
        x_dbl = torch.einsum("bkdl,kcd->bkcl", xs, self.x_proj)
        dts, bs, cs = torch.split(x_dbl, [self.rank, self.d_state, self.d_state], dim=2)
        dts = torch.einsum("bkrl,kdr->bkdl", dts, self.dt_proj)
        length = hh * ww
        ys = selective_scan(xs.reshape(b, -1, length), dts.reshape(b, -1, length),
                            -torch.exp(self.A_log), bs, cs, self.D, self.dt_bias)
        y = atrous_merge(ys.reshape(b, GROUPS, c, length), hh, ww)[:, :, :h, :w]
        return self.out_norm(y.permute(0, 2, 3, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, z = self.in_proj(x).chunk(2, dim=-1)
        x = F.silu(self.dwconv(x.permute(0, 3, 1, 2)))
        return self.out_proj(self.scan(x) * F.silu(z))


class ChannelGate(nn.Module):
    """Squeeze-excitation on channels-last input: LayerNorm, global mean, C -> C/8 -> C, sigmoid."""

    def __init__(self, dim: int, ratio: float = 0.125):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.reduce = nn.Linear(dim, int(dim * ratio))
        self.expand = nn.Linear(int(dim * ratio), dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = self.norm(x).mean(dim=(1, 2), keepdim=True)
        return x * torch.sigmoid(self.expand(F.gelu(self.reduce(g))))


class EVSSBlock(nn.Module):
    def __init__(self, dim: int, d_state: int, ssm_ratio: float):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.ssm = ES2D(dim, d_state, ssm_ratio)
        self.local = nn.Sequential(
            nn.Conv2d(dim, dim, 3, padding=1, groups=dim), nn.BatchNorm2d(dim), nn.GELU(),
            nn.Conv2d(dim, dim, 1))
        self.gate = ChannelGate(dim)   # one gate, applied to both branches

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm(x)
        local = self.local(y.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return x + self.gate(self.ssm(y)) + self.gate(local)


class InvertedResidual(nn.Module):
    """MobileNetV2 block on channels-first input: 1x1 expand (x4), 3x3 depthwise, SE (1/8 of
    the expanded width), 1x1 project; BN after each conv, ReLU after the first two."""

    def __init__(self, dim: int, expand: int = 4, se_ratio: float = 0.125):
        super().__init__()
        mid = dim * expand
        se = max(1, int(mid * se_ratio))
        self.pw = nn.Sequential(nn.Conv2d(dim, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU())
        self.dw = nn.Sequential(nn.Conv2d(mid, mid, 3, padding=1, groups=mid, bias=False),
                                nn.BatchNorm2d(mid), nn.ReLU())
        self.se_reduce = nn.Conv2d(mid, se, 1)
        self.se_expand = nn.Conv2d(se, mid, 1)
        self.pw2 = nn.Sequential(nn.Conv2d(mid, dim, 1, bias=False), nn.BatchNorm2d(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dw(self.pw(x))
        s = self.se_expand(F.relu(self.se_reduce(y.mean(dim=(2, 3), keepdim=True))))
        return x + self.pw2(y * torch.sigmoid(s))


class PatchMerging(nn.Module):
    """2x2 neighbours concatenated (4C), LayerNorm, linear to the next width (channels-last)."""

    def __init__(self, dim: int, out_dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, out_dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (0, 0, 0, x.shape[2] % 2, 0, x.shape[1] % 2))   # odd sizes: pad to even
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x))


class ConvStage(nn.Module):
    """Inverted-residual blocks on a channels-last stream."""

    def __init__(self, dim: int, depth: int):
        super().__init__()
        self.blocks = nn.Sequential(*[InvertedResidual(dim) for _ in range(depth)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class EfficientVMamba(nn.Module):
    def __init__(self, cfg: EfficientVMambaConfig):
        super().__init__()
        dims = [cfg.dim * 2 ** i for i in range(4)]
        self.stem = nn.Conv2d(3, dims[0], 4, stride=4)
        self.stem_norm = nn.LayerNorm(dims[0])
        stages: list[nn.Module] = []
        for i, depth in enumerate(cfg.depths):
            if i < 2:
                stages.append(nn.Sequential(*[EVSSBlock(dims[i], cfg.d_state, cfg.ssm_ratio)
                                              for _ in range(depth)]))
            else:
                stages.append(ConvStage(dims[i], depth))
            if i < 3:
                stages.append(PatchMerging(dims[i], dims[i + 1]))
        self.stages = nn.Sequential(*stages)
        self.norm = nn.LayerNorm(dims[-1])
        self.head = nn.Linear(dims[-1], cfg.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem_norm(self.stem(x).permute(0, 2, 3, 1))
        x = self.norm(self.stages(x))
        return self.head(x.mean(dim=(1, 2)))


def efficientvmamba_t() -> EfficientVMamba:
    return EfficientVMamba(EfficientVMambaConfig(dim=48, depths=(2, 2, 4, 2)))


def efficientvmamba_s() -> EfficientVMamba:
    return EfficientVMamba(EfficientVMambaConfig(dim=64, depths=(2, 2, 4, 2)))


def efficientvmamba_b() -> EfficientVMamba:
    return EfficientVMamba(EfficientVMambaConfig(dim=96, depths=(2, 2, 9, 2)))
