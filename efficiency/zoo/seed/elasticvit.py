"""ElasticViT's searched subnets as fixed architectures (Tang et al., "ElasticViT: Conflict-aware
Supernet Training for Deploying Fast Vision Transformer on Diverse Mobile Devices",
https://arxiv.org/abs/2303.09730, ICCV 2023).

ElasticViT trains one weight-shared supernet and searches subnets in it; a subnet is deployed with
the supernet's weights, so each one is a plain network of fixed shape. The paper's tables could not
be read with our tools (only page openings are stored); the block design and the nine searched
subnets were read in the authors' release, github.com/microsoft/Moonlit, folder ``ElasticViT``:
``models/model.py``, ``models/cnn.py``, ``models/transformer.py``, ``models/common_ops.py`` and the
subnet list ``configs/final_3min_space_eval.yaml`` (``elastic_T1`` ... ``elastic_L3``). Written
here as we understood them:

* **stem**: 3x3 stride-2 convolution, BN, Hardswish, then 1 or 2 residual depthwise blocks (k x k
  depthwise conv, BN, Hardswish, 1x1 conv, BN; no expansion).
* **two convolution stages** (stride 2 each) of inverted-residual blocks: 1x1 expansion (ratio r of
  the block's *input* width), BN, Hardswish; k x k depthwise (stride on the first block), BN,
  Hardswish; squeeze-excitation in the second stage (1/4, ReLU, hard sigmoid); 1x1 projection, BN.
  Every block is residual: when the shape changes the shortcut is a 2x2 average pool (stride 2)
  and/or a bias-free 1x1 convolution.
* **four transformer stages** at strides 16, 16, 32, 64. Each starts with the same inverted-residual
  block (expansion 6, 3x3, squeeze-excitation) that changes the width and, in all but the second
  stage, halves the resolution; then ``depth`` layers of attention and FFN, both pre-norm and
  residual. Attention is global over the stage's tokens with C/16 heads, q and k of 16 channels per
  head and v of 16 x v_scale; V passes a 3x3 depthwise convolution before it is used; a learned
  relative-position bias per head is added to the logits; the heads' output goes through Hardswish,
  then the projection back to C. The FFN is Linear (ratio m), Hardswish, Linear.
* **norm**: the authors' transformer norm (``LNSuper``) normalises each sample over tokens *and*
  channels together, with a per-channel scale and shift; kept so.
* **head** (MobileNetV3-like): per-token Linear to 6C, BN, Hardswish, mean over tokens, Linear to
  1984, Hardswish, the 1000-way classifier.

Choices where the release is a supernet, not a fixed network: a subnet's relative-position table
holds (2s-1)^2 entries per head for its own token grid s x s (the supernet keeps one table sized
for its largest resolution and slices it); the per-layer head counts in the yaml are overridden by
C/16 in the authors' code, as here; window size and qk scale are 1 in every released subnet
(global attention, q/k of 16 channels per head). Attention uses ``F.scaled_dot_product_attention``
with the bias as its additive mask (both counters count its two matrix products).

Zoo entries (``data/seed/elasticvit.csv``): T1 and L3, the smallest and largest released subnets,
taken as the abstract's 60M and 800M FLOPs models (inferred, not read: the paper's table that says
so, and gives the parameter counts, could not be read), and S1, which the abstract names.
``tests/test_seed_models_d.py`` checks our count against the authors' own FLOPs formula.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from efficiency.zoo.seed import layers

HEAD_DIM = 16          # q/k channels per head; heads = C / 16 (the authors' head_dims)
HEAD_MUL = 6           # classifier_mul: the per-token head layer widens C to 6C
HEAD_WIDTH = 1984      # classifer_head_dim[1]
REDUCTION_RATIO = 6    # expansion of the block that opens each transformer stage
CONV_SE = (False, True)            # squeeze-excitation in the first / second convolution stage
TRANSFORMER_STRIDES = (2, 1, 2, 2)


@dataclass(frozen=True)
class Subnet:
    """One searched subnet: input side, widths and depths of (stem, 2 conv, 4 transformer) stages,
    then per layer: the expansion ratio and kernel of each conv-stem/stage block (stem blocks
    first), and the FFN ratio and v scale of each transformer layer."""

    resolution: int
    widths: tuple[int, ...]
    depths: tuple[int, ...]
    conv_ratios: tuple[int, ...]
    kernels: tuple[int, ...]
    mlp_ratios: tuple[int, ...]
    v_scales: tuple[int, ...]
    num_classes: int = 1000

    def __post_init__(self):
        n_conv, n_attn = sum(self.depths[:3]), sum(self.depths[3:])
        if (len(self.widths), len(self.depths)) != (7, 7) or \
                (len(self.conv_ratios), len(self.kernels)) != (n_conv, n_conv) or \
                (len(self.mlp_ratios), len(self.v_scales)) != (n_attn, n_attn) or \
                any(w % HEAD_DIM for w in self.widths[3:]):
            raise ValueError(f"inconsistent ElasticViT subnet {self}")


def conv_bn(c_in: int, c_out: int, k: int = 1, stride: int = 1, groups: int = 1,
            act: bool = True) -> nn.Sequential:
    return layers.conv_bn(c_in, c_out, k, stride, groups, nn.Hardswish if act else None)


class SqueezeExcite(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(dim, dim // 4, 1), nn.Conv2d(dim // 4, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = F.hardsigmoid(self.fc2(F.relu(self.fc1(x.mean(dim=(2, 3), keepdim=True)))))
        return x * s


class MobileBlock(nn.Module):
    """Inverted residual: [1x1 expand] -> k x k depthwise -> [SE] -> 1x1 project, always residual
    (average-pool and/or 1x1-convolution shortcut when the shape changes)."""

    def __init__(self, c_in: int, c_out: int, ratio: int, kernel: int, stride: int, se: bool):
        super().__init__()
        mid = c_in * ratio
        self.expand = conv_bn(c_in, mid) if ratio > 1 else nn.Identity()
        self.dw = conv_bn(mid, mid, kernel, stride, groups=mid)
        self.se = SqueezeExcite(mid) if se else nn.Identity()
        self.project = conv_bn(mid, c_out, act=False)
        self.stride = stride
        self.shortcut = nn.Conv2d(c_in, c_out, 1, bias=False) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.project(self.se(self.dw(self.expand(x))))
        if self.stride > 1:   # an odd side is padded, as the strided 3x3 convolution pads it
            x = F.avg_pool2d(x, self.stride, padding=x.shape[-1] % 2)
        return y + self.shortcut(x)


class TokenChannelNorm(nn.Module):
    """Normalises each sample over all its tokens and channels together (the authors' LNSuper),
    then scales and shifts per channel; input (B, N, C)."""

    def __init__(self, dim: int):
        super().__init__()
        self.weight, self.bias = nn.Parameter(torch.ones(dim)), nn.Parameter(torch.zeros(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, x.shape[1:]) * self.weight + self.bias


def relative_index(side: int) -> torch.Tensor:
    """(side^2, side^2) index into a (2*side-1)^2 table of the offset between two grid tokens."""
    coords = torch.stack(torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]) + (side - 1)
    return rel[0] * (2 * side - 1) + rel[1]


class Attention(nn.Module):
    """Pre-norm global attention over a side x side token grid (B, N, C), residual outside."""

    def __init__(self, dim: int, side: int, v_scale: int):
        super().__init__()
        self.heads, self.v_dim, self.side = dim // HEAD_DIM, HEAD_DIM * v_scale, side
        self.norm = TokenChannelNorm(dim)
        self.qkv = nn.Linear(dim, self.heads * (2 * HEAD_DIM + self.v_dim), bias=False)
        v_total = self.heads * self.v_dim
        self.v_conv = nn.Conv2d(v_total, v_total, 3, padding=1, groups=v_total, bias=False)
        self.pos_bias = nn.Parameter(torch.zeros((2 * side - 1) ** 2, self.heads))
        nn.init.trunc_normal_(self.pos_bias, std=0.02)
        self.register_buffer("pos_index", relative_index(side), persistent=False)
        self.proj = nn.Linear(v_total, dim)

    def bias(self) -> torch.Tensor:
        """(1, heads, N, N) additive logit bias."""
        n = self.side ** 2
        return self.pos_bias[self.pos_index.reshape(-1)].reshape(n, n, self.heads).permute(2, 0, 1)[None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        qk_total = self.heads * HEAD_DIM
        q, k, v = self.qkv(self.norm(x)).split([qk_total, qk_total, self.heads * self.v_dim], dim=-1)
        v = self.v_conv(v.transpose(1, 2).reshape(b, -1, self.side, self.side)).flatten(2).transpose(1, 2)

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(b, n, self.heads, -1).transpose(1, 2)

        out = F.scaled_dot_product_attention(heads(q), heads(k), heads(v), attn_mask=self.bias())
        return self.proj(F.hardswish(out.transpose(1, 2).reshape(b, n, -1)))


class FFN(nn.Module):
    def __init__(self, dim: int, ratio: int):
        super().__init__()
        self.norm = TokenChannelNorm(dim)
        self.fc1, self.fc2 = nn.Linear(dim, ratio * dim), nn.Linear(ratio * dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.hardswish(self.fc1(self.norm(x))))


class TransformerStage(nn.Module):
    """The opening inverted-residual block on the (B, C, H, W) map, then attention + FFN layers on
    its tokens; returns the map (B, C, H, W)."""

    def __init__(self, c_in: int, dim: int, stride: int, side: int, mlp_ratios, v_scales):
        super().__init__()
        self.reduction = MobileBlock(c_in, dim, REDUCTION_RATIO, 3, stride, se=True)
        self.attn = nn.ModuleList(Attention(dim, side, v) for v in v_scales)
        self.ffn = nn.ModuleList(FFN(dim, m) for m in mlp_ratios)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.reduction(x)
        b, c, h, w = x.shape
        t = x.flatten(2).transpose(1, 2)
        for attn, ffn in zip(self.attn, self.ffn):
            t = t + attn(t)
            t = t + ffn(t)
        return t.transpose(1, 2).reshape(b, c, h, w)


def _split(values: tuple[int, ...], depths: tuple[int, ...]) -> list[tuple[int, ...]]:
    bounds = [0, *itertools.accumulate(depths)]
    return [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


class ElasticViT(nn.Module):
    def __init__(self, cfg: Subnet):
        super().__init__()
        w, d = cfg.widths, cfg.depths
        ratios, kernels = _split(cfg.conv_ratios, d[:3]), _split(cfg.kernels, d[:3])
        stem = [conv_bn(3, w[0], 3, 2)]
        stem += [MobileBlock(w[0], w[0], r, k, 1, se=False) for r, k in zip(ratios[0], kernels[0])]
        self.stem = nn.Sequential(*stem)
        convs: list[nn.Module] = []
        for s in (1, 2):
            convs += [MobileBlock(w[s - 1] if i == 0 else w[s], w[s], r, k, 2 if i == 0 else 1, CONV_SE[s - 1])
                      for i, (r, k) in enumerate(zip(ratios[s], kernels[s]))]
        self.convs = nn.Sequential(*convs)
        side = cfg.resolution // 8
        mlps, vs = _split(cfg.mlp_ratios, d[3:]), _split(cfg.v_scales, d[3:])
        stages = []
        for i, stride in enumerate(TRANSFORMER_STRIDES):
            side = math.ceil(side / stride)
            stages.append(TransformerStage(w[2 + i], w[3 + i], stride, side, mlps[i], vs[i]))
        self.stages = nn.Sequential(*stages)
        self.pre_head = nn.Linear(w[-1], HEAD_MUL * w[-1])
        self.pre_head_norm = nn.BatchNorm1d(HEAD_MUL * w[-1])
        self.head = nn.Sequential(nn.Linear(HEAD_MUL * w[-1], HEAD_WIDTH), nn.Hardswish(),
                                  nn.Linear(HEAD_WIDTH, cfg.num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(self.convs(self.stem(x))).flatten(2)               # (B, C, N)
        x = self.pre_head(x.transpose(1, 2)).transpose(1, 2)                # per token, (B, 6C, N)
        x = F.hardswish(self.pre_head_norm(x)).mean(dim=2)
        return self.head(x)


def _subnet(res, widths, depths, ratios, kernels, mlps, v_scales) -> Subnet:
    return Subnet(res, tuple(widths), tuple(depths), tuple(ratios), tuple(kernels), tuple(mlps), tuple(v_scales))


# the authors' searched subnets, configs/final_3min_space_eval.yaml of github.com/microsoft/Moonlit
# (ElasticViT): resolution, the 7 widths and depths, conv ratios and kernels, FFN ratios, v scales
SUBNETS = {
    "t1": _subnet(128, [16, 24, 32, 64, 96, 176, 272], [1, 2, 3, 1, 1, 1, 1], [1, 3, 3, 3, 3, 3], [3] * 6,
                  [2, 2, 3, 4], [2] * 4),
    "t2": _subnet(160, [16, 24, 40, 48, 96, 176, 256], [1, 2, 3, 1, 1, 2, 2], [1, 3, 3, 3, 3, 3], [3] * 6,
                  [3, 4, 3, 3, 2, 2], [2] * 6),
    "s1": _subnet(192, [16, 24, 40, 64, 96, 192, 272], [1, 3, 3, 2, 2, 2, 2], [1] + [3] * 6, [3] * 7,
                  [2, 2, 2, 2, 3, 3, 4, 4], [2] * 8),
    "s2": _subnet(224, [16, 24, 48, 64, 96, 192, 256], [1, 3, 3, 2, 2, 2, 2], [1] + [3] * 6, [3] * 7,
                  [2, 2, 2, 2, 2, 2, 4, 4], [2] * 8),
    "m": _subnet(224, [16, 32, 48, 64, 96, 192, 288], [1, 3, 5, 2, 2, 2, 2], [1] + [3] * 8, [5] + [3] * 8,
                 [2, 2, 4, 4, 4, 4, 5, 5], [2] * 8),
    "l1": _subnet(256, [16, 24, 40, 64, 96, 192, 320], [1, 3, 3, 2, 2, 2, 2], [1, 3, 3, 3, 6, 6, 6], [5] * 7,
                  [4, 4, 3, 3, 4, 4, 4, 4], [2] * 8),
    "l1_5": _subnet(256, [16, 24, 48, 64, 96, 256, 320], [2, 4, 4, 2, 2, 2, 2], [1, 1] + [3] * 4 + [4] * 4,
                    [3] * 6 + [5] * 4, [4, 4, 5, 5, 3, 3, 5, 5], [2] * 8),
    "l2": _subnet(256, [16, 24, 40, 80, 128, 256, 304], [1, 3, 4, 2, 2, 2, 2], [1] + [6] * 7, [3] * 8,
                  [3, 3, 2, 2, 3, 3, 5, 5], [2] * 6 + [3, 3]),
    "l3": _subnet(256, [16, 32, 48, 80, 128, 256, 320], [1, 3, 4, 2, 2, 2, 2], [1] + [5] * 7,
                  [5, 3, 3, 3, 5, 5, 5, 5], [4, 4, 4, 4, 3, 3, 5, 5], [2] * 8),
}


def build(name: str) -> ElasticViT:
    return ElasticViT(SUBNETS[name])


def elasticvit_t1() -> ElasticViT:
    return build("t1")


def elasticvit_s1() -> ElasticViT:
    return build("s1")


def elasticvit_l3() -> ElasticViT:
    return build("l3")
