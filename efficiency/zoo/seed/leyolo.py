"""LeYOLO (Hollard et al., "LeYOLO, New Scalable and Efficient CNN Architecture for Object
Detection", https://arxiv.org/abs/2406.14239, v1), written from the paper's description.

The network, in the paper's words: an inverted-bottleneck backbone (MobileNetV3-like blocks
without squeeze-excitation, SiLU everywhere), an SPPF, the Fast Pyramidal Architecture Network
(FPAN: top-down then bottom-up path, each level a short stack of inverted bottlenecks, joined by
nearest upsampling / strided 3x3 convolutions and concatenation) and the Decoupled
Network-in-Network head (DNiN: per level and per task, pointwise -> two depthwise 3x3 ->
pointwise predictor). The exact channel/kernel/expansion lists of the four sizes were read
from the authors' v1 configuration files (github.com/LilianHollard/LeYOLO at 872841b,
``ultralytics/cfg/cfg/leyolo{nano,small,medium,large}.yaml``) to resolve what the paper's
figures leave open; width scaling follows the Ultralytics rule the paper trains with
(``ceil(c * width / 8) * 8``, width 1.0 for Nano, 1.33 for Small/Medium/Large).

``forward`` returns the head's raw per-level maps (box distributions 4x16 + 80 class logits);
anchor decoding, DFL and NMS are post-processing and are not part of the counted network.
The six detectors of the paper are four architectures at the paper's input sizes (Nano 320 and
480, Small 480 and 640, Medium 640, Large 768), see ``data/seed/leyolo.csv``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

NUM_CLASSES = 80   # COCO
REG_MAX = 16       # distribution bins per box side (YOLOv8-style head the paper builds on)


def scaled(channels: int, width: float) -> int:
    """Ultralytics width scaling: round ``channels * width`` up to a multiple of 8."""
    return int(math.ceil(channels * width / 8) * 8)


class ConvBNAct(nn.Module):
    """Convolution, batch norm, SiLU. ``bias`` is True in LeYOLO's own layers (the authors'
    ``mn_conv``) and False in the SPPF / head layers inherited from YOLOv8."""

    def __init__(self, c_in: int, c_out: int, k: int = 1, stride: int = 1, groups: int = 1,
                 bias: bool = True):
        super().__init__()
        pad = 0 if k == stride else k // 2
        self.conv = nn.Conv2d(c_in, c_out, k, stride, pad, groups=groups, bias=bias)
        self.bn = nn.BatchNorm2d(c_out)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


class InvertedBottleneck(nn.Module):
    """Pointwise expansion (optional), depthwise k x k (stride), linear pointwise projection;
    residual when the shape is kept. Without the expansion the depthwise runs on the input."""

    def __init__(self, c_in: int, c_out: int, k: int, mid: int | None, stride: int = 1,
                 expand: bool = True):
        super().__init__()
        mid = c_in if mid is None else mid
        if not expand and mid != c_in:
            raise ValueError(f"without expansion the depthwise width {mid} must equal c_in {c_in}")
        layers: list[nn.Module] = [ConvBNAct(c_in, mid)] if expand else []
        layers += [ConvBNAct(mid, mid, k, stride, groups=mid),
                   nn.Conv2d(mid, c_out, 1), nn.BatchNorm2d(c_out)]
        self.layers = nn.Sequential(*layers)
        self.residual = c_in == c_out and stride == 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.layers(x)
        return x + y if self.residual else y


class SPPF(nn.Module):
    """Spatial pyramid pooling, fast: three chained 5x5 max pools on a halved projection."""

    def __init__(self, c_in: int, c_out: int, k: int = 5):
        super().__init__()
        hidden = c_in // 2
        self.cv1 = ConvBNAct(c_in, hidden, bias=False)
        self.cv2 = ConvBNAct(4 * hidden, c_out, bias=False)
        self.pool = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.cv1(x)
        y1 = self.pool(x)
        y2 = self.pool(y1)
        return self.cv2(torch.cat((x, y1, y2, self.pool(y2)), 1))


class DNiNHead(nn.Module):
    """Decoupled Network-in-Network head: per level, a box branch and a class branch, each
    pointwise -> depthwise 3x3 -> depthwise 3x3 -> pointwise predictor."""

    def __init__(self, channels: tuple[int, ...], num_classes: int = NUM_CLASSES):
        super().__init__()
        box_w = max(16, channels[0] // 4, 4 * REG_MAX)
        cls_w = max(channels[0], min(num_classes, 100))
        self.box = nn.ModuleList(self._branch(c, box_w, 4 * REG_MAX) for c in channels)
        self.cls = nn.ModuleList(self._branch(c, cls_w, num_classes) for c in channels)

    @staticmethod
    def _branch(c_in: int, width: int, c_out: int) -> nn.Sequential:
        return nn.Sequential(ConvBNAct(c_in, width, bias=False),
                             ConvBNAct(width, width, 3, groups=width, bias=False),
                             ConvBNAct(width, width, 3, groups=width, bias=False),
                             nn.Conv2d(width, c_out, 1))

    def forward(self, feats: list[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        return tuple(torch.cat((b(f), c(f)), 1) for f, b, c in zip(feats, self.box, self.cls))


# one inverted bottleneck: (out channels, kernel, expansion width or None = input width,
# stride, with pointwise expansion)
Block = tuple[int, int, "int | None", int, bool]


@dataclass(frozen=True)
class LeYOLOConfig:
    """Unscaled block lists of one LeYOLO size (channels before width scaling)."""

    width: float
    p3: tuple[Block, ...]        # stride-8 stage (after the stem and the stride-4 block)
    p4: tuple[Block, ...]        # stride-16 stage
    p5: tuple[Block, ...]        # stride-32 stage (followed by SPPF)
    top_p4: tuple[Block, ...]    # FPAN top-down, stride 16
    top_p3: tuple[Block, ...]    # FPAN top-down, stride 8 (detection output P3)
    down_p4: tuple[Block, ...]   # FPAN bottom-up, stride 16 (output P4)
    down_p5: tuple[Block, ...]   # FPAN bottom-up, stride 32 (output P5)


def _rep(block: Block, n: int) -> tuple[Block, ...]:
    return (block,) * n


_B64 = (64, 5, 128, 1, True)
_SHALLOW = dict(   # Nano and Small: one 32-wide and four 64-wide / four 96-wide backbone blocks
    p3=((32, 3, 96, 2, True), (32, 3, 96, 1, True)),
    p4=((64, 5, 96, 2, True),) + _rep((64, 5, 192, 1, True), 4),
    p5=((96, 5, 576, 2, True),) + _rep((96, 5, 576, 1, True), 3),
    top_p4=_rep(_B64, 3),
    down_p4=_rep(_B64, 3),
    down_p5=_rep((96, 5, 192, 1, True), 3),
)
_DEEP = dict(      # Medium and Large: deeper backbone and FPAN, 64-wide P3 and P5 outputs
    p3=((32, 3, 96, 2, True),) + _rep((32, 3, 96, 1, True), 2),
    p4=((64, 5, 96, 2, True),) + _rep((64, 5, 192, 1, True), 5),
    p5=((96, 5, 576, 2, True),) + _rep((96, 5, 576, 1, True), 4),
    top_p4=_rep(_B64, 4),
    top_p3=((32, 3, None, 1, False),) + _rep((32, 3, 64, 1, True), 2) + (_B64,),
    down_p4=_rep(_B64, 4),
    down_p5=_rep((96, 5, 192, 1, True), 3) + (_B64,),
)
CONFIGS = {
    "nano": LeYOLOConfig(width=1.0, top_p3=((32, 3, 96, 1, False),) + _rep((32, 3, 64, 1, True), 2),
                         **_SHALLOW),
    "small": LeYOLOConfig(width=1.33, top_p3=((32, 3, None, 1, False),) + _rep((32, 3, 64, 1, True), 2),
                          **_SHALLOW),
    "medium": LeYOLOConfig(width=1.33, **_DEEP),
    "large": LeYOLOConfig(width=1.33, **_DEEP),   # the paper's Large is Medium's network at 768
}


def _stage(c_in: int, blocks: tuple[Block, ...], width: float) -> tuple[nn.Sequential, int]:
    layers = []
    for c_out, k, mid, stride, expand in blocks:
        c_out = scaled(c_out, width)
        layers.append(InvertedBottleneck(c_in, c_out, k, None if mid is None else scaled(mid, width),
                                         stride, expand))
        c_in = c_out
    return nn.Sequential(*layers), c_in


class LeYOLO(nn.Module):
    def __init__(self, cfg: LeYOLOConfig, num_classes: int = NUM_CLASSES):
        super().__init__()
        w = cfg.width
        s16 = scaled(16, w)
        self.stem = nn.Sequential(ConvBNAct(3, s16, 3, 2), ConvBNAct(s16, s16, 1),
                                  InvertedBottleneck(s16, s16, 3, s16, 2, expand=False))
        self.p3, c3 = _stage(s16, cfg.p3, w)
        self.p4, c4 = _stage(c3, cfg.p4, w)
        self.p5, c5 = _stage(c4, cfg.p5, w)
        self.sppf = SPPF(c5, scaled(96, w))
        self.up = nn.Upsample(scale_factor=2.0, mode="nearest")
        self.top_p4, t4 = _stage(scaled(96, w) + c4, cfg.top_p4, w)
        self.top_p3, o3 = _stage(t4 + c3, cfg.top_p3, w)
        self.down3 = ConvBNAct(o3, scaled(64, w), 3, 2)
        self.down_p4, o4 = _stage(scaled(64, w) + t4, cfg.down_p4, w)
        self.down4 = ConvBNAct(o4, scaled(96, w), 3, 2)
        self.down_p5, o5 = _stage(scaled(96, w) + scaled(96, w), cfg.down_p5, w)
        self.head = DNiNHead((o3, o4, o5), num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        p3 = self.p3(self.stem(x))
        p4 = self.p4(p3)
        p5 = self.sppf(self.p5(p4))
        t4 = self.top_p4(torch.cat((self.up(p5), p4), 1))
        o3 = self.top_p3(torch.cat((self.up(t4), p3), 1))
        o4 = self.down_p4(torch.cat((self.down3(o3), t4), 1))
        o5 = self.down_p5(torch.cat((self.down4(o4), p5), 1))
        return self.head([o3, o4, o5])


def leyolo_nano() -> LeYOLO:
    return LeYOLO(CONFIGS["nano"])


def leyolo_small() -> LeYOLO:
    return LeYOLO(CONFIGS["small"])


def leyolo_medium() -> LeYOLO:
    return LeYOLO(CONFIGS["medium"])


def leyolo_large() -> LeYOLO:
    return LeYOLO(CONFIGS["large"])
