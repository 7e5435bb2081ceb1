"""VSViG (Xu et al., "VSViG: Real-time Video-based Seizure Detection via Skeleton-based
Spatiotemporal ViG", https://arxiv.org/abs/2311.14775), written from the paper's description.

Input: one clip of T = 30 frames; per frame, P = 15 joint-centred 32x32 RGB patches (a 128-pixel
Gaussian-weighted window round each of the patient's joints, scaled by 1/4), and the joints'
coordinates for the positional embedding. Per sample ``(30, 15, 3, 32, 32)``.

* **Patch embedding**: a 32x32 stride-32 conv + BN turns each patch into one node feature; a
  1x1 conv + BN of the joint coordinates is added (positional embedding).
* **Spatial graph (Grapher)**: ViG max-relative graph convolutions over the 15 joints grouped
  into 5 body partitions of 3: an inter-partition one (each joint's neighbours are the joints of
  the other partitions) and an intra-partition one (the joints of its own partition), each as
  fc (1x1 conv-BN), max-relative aggregation, concatenation with the node, grouped 1x1 conv
  (4 groups)-BN-ReLU, fc back, with residuals.
* **Temporal module (Part_3DCNN)**: a bottleneck of 1x1, a 3 (time) x 3 (joints) conv and a 1x1
  expansion (x2) with a 1x1 shortcut, joints permuted into a fixed random partition order first
  (dynamic partitioning); the first block of stages 2-4 halves time.
* **Stages** of (Grapher, Part_3DCNN) pairs, depths 2, 2, 6, 2 (+1 strided pair in stages 2-4),
  then mean over time and joints and a 1x1 conv head (256, BN, ReLU, 1) with a sigmoid: the
  probability of seizure.

Widths (base 24-48-96-192, light 12-24-48-96), depths, expansion 2 and T = 30 were read in the
authors' ``VSViG.py`` (``VSViG_base``, ``VSViG_light``) of github.com/xuyankun/VSViG. Their code
pads the temporal conv's trailing singleton axis to 3 and keeps the middle column (3x the
conv's work for one column kept); we convolve over (time, joints) only, as the paper describes.
Their Grapher also holds two modules that forward never calls; we leave them out.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

FRAMES, JOINTS, PATCH = 30, 15, 32
PARTS = 5                                    # body partitions of JOINTS // PARTS joints
NEG = -1e4                                   # masks non-neighbours out of the max


@dataclass(frozen=True)
class VSViGConfig:
    widths: tuple[int, int, int, int]
    depths: tuple[int, int, int, int] = (2, 2, 6, 2)
    expansion: int = 2
    seed: int = 0                            # of the fixed random joint orders


def neighbour_masks() -> tuple[torch.Tensor, torch.Tensor]:
    """(inter, intra) additive masks (P, P): 0 where joint j is a neighbour of joint i."""
    part = torch.arange(JOINTS) // (JOINTS // PARTS)
    same = part[:, None] == part[None, :]
    return (torch.where(same, NEG, 0.0), torch.where(same, 0.0, NEG))


def conv_bn(cin: int, cout: int, groups: int = 1, relu: bool = False) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, 1, groups=groups), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU()) if relu else nn.Sequential(*layers)


class MaxRelative(nn.Module):
    """max_j in N(i) (x_j - x_i), concatenated with x_i, then a grouped 1x1 conv (x: N, C, P, 1)."""

    def __init__(self, dim: int, mask: torch.Tensor):
        super().__init__()
        self.register_buffer("mask", mask, persistent=False)
        self.nn = conv_bn(2 * dim, 2 * dim, groups=4, relu=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = x.squeeze(-1)                                          # (N, C, P)
        rel = v.unsqueeze(-2) - v.unsqueeze(-1) + self.mask        # [.., i, j] = x_j - x_i
        agg = rel.amax(dim=-1, keepdim=True)                       # (N, C, P, 1)
        return self.nn(torch.cat([x, agg], dim=1))


class Grapher(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        inter, intra = neighbour_masks()
        self.fc1, self.fc2 = conv_bn(dim, hidden), conv_bn(2 * hidden, dim)
        self.fc3, self.fc4 = conv_bn(dim, hidden), conv_bn(2 * hidden, dim)
        self.inter, self.intra = MaxRelative(hidden, inter), MaxRelative(hidden, intra)

    def forward(self, x: torch.Tensor) -> torch.Tensor:           # (N, C, P, 1), N = B*T
        y = F.relu(self.fc2(self.inter(self.fc1(x))) + x)
        return F.relu(self.fc4(self.intra(self.fc3(y))) + x)


class Part3DCNN(nn.Module):
    """Temporal bottleneck over (B, C, T, P); joints first put in a fixed random order."""

    def __init__(self, cin: int, hidden: int, expansion: int, stride: int, order: torch.Tensor):
        super().__init__()
        out = hidden * expansion
        self.register_buffer("order", order, persistent=False)
        self.conv1 = nn.Sequential(nn.Conv2d(cin, hidden, 1), nn.BatchNorm2d(hidden), nn.ReLU())
        self.conv2 = nn.Sequential(nn.Conv2d(hidden, hidden, 3, stride=(stride, 1)),
                                   nn.BatchNorm2d(hidden), nn.ReLU())
        self.conv3 = nn.Sequential(nn.Conv2d(hidden, out, 1), nn.BatchNorm2d(out), nn.ReLU())
        self.shortcut = nn.Sequential(nn.Conv2d(cin, out, 1, stride=(stride, 1)), nn.BatchNorm2d(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.index_select(3, self.order)
        y = self.conv2(F.pad(self.conv1(x), (1, 1, 1, 1), mode="replicate"))
        return F.relu(self.shortcut(x) + self.conv3(y))


class Block(nn.Module):
    """Grapher on every frame, then the temporal module; stream (B, C, T, P)."""

    def __init__(self, cin: int, hidden: int, expansion: int, stride: int, order: torch.Tensor):
        super().__init__()
        self.grapher = Grapher(cin, hidden)
        self.temporal = Part3DCNN(cin, hidden, expansion, stride, order)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t, p = x.shape
        frames = x.permute(0, 2, 1, 3).reshape(b * t, c, p, 1)
        x = self.grapher(frames).reshape(b, t, c, p).permute(0, 2, 1, 3)
        return self.temporal(x)


class VSViG(nn.Module):
    def __init__(self, cfg: VSViGConfig):
        super().__init__()
        w0 = cfg.widths[0]
        self.patch_embed = nn.Sequential(nn.Conv2d(3, w0, PATCH, stride=PATCH), nn.BatchNorm2d(w0))
        self.pos_embed = nn.Sequential(nn.Conv2d(3, w0, 1), nn.BatchNorm2d(w0))
        gen = torch.Generator().manual_seed(cfg.seed)
        blocks, cin = [], w0
        for stage, (hidden, depth) in enumerate(zip(cfg.widths, cfg.depths)):
            strides = ([2] if stage > 0 else []) + [1] * depth
            for stride in strides:
                order = torch.randperm(JOINTS, generator=gen)
                blocks.append(Block(cin, hidden, cfg.expansion, stride, order))
                cin = hidden * cfg.expansion
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(conv_bn(cin, 256, relu=True), nn.Conv2d(256, 1, 1))

    def forward(self, patches: torch.Tensor, joints: torch.Tensor | None = None) -> torch.Tensor:
        """patches (B, T, P, 3, 32, 32); joints (B, T, P, 3): x, y, confidence. The zoo builds one
        input tensor, so the joints default to zeros (the same computation)."""
        b, t, p = patches.shape[:3]
        if joints is None:
            joints = patches.new_zeros(b, t, p, 3)
        x = self.patch_embed(patches.reshape(b * t * p, 3, PATCH, PATCH))
        x = x + self.pos_embed(joints.reshape(b * t * p, 3, 1, 1))
        x = x.reshape(b, t, p, -1).permute(0, 3, 1, 2)             # (B, C, T, P)
        x = self.blocks(x).mean(dim=(2, 3), keepdim=True)
        return torch.sigmoid(self.head(x).flatten(1))


def vsvig_base() -> VSViG:
    return VSViG(VSViGConfig(widths=(24, 48, 96, 192)))


def vsvig_light() -> VSViG:
    return VSViG(VSViGConfig(widths=(12, 24, 48, 96)))
