"""The one MCUNetV2 ImageNet network whose layers the authors published: TinyEngine's example model
``assets/mcunetv2_large.tflite`` (https://github.com/mit-han-lab/tinyengine/blob/main/assets/mcunetv2_large.tflite,
added in "Test for SE module (#56)", 2023-02-15; compiled by ``examples/mcunetv2_se_large.py``, whose
comment calls it "The model with SE blocks for testing purpose", with ``n_patches = 4`` and
``split_index = 8``). It is **not** a model of the paper's Table 2: the paper (Lin et al., "MCUNetV2:
Memory-Efficient Patch-based Inference for Tiny Deep Learning", https://arxiv.org/abs/2110.15352)
prints no per-layer configuration for MCUNetV2-M4 or -H7, and the authors' model zoo
(github.com/mit-han-lab/mcunet, ``mcunet/model_zoo.py``) lists only MCUNet (v1) networks. This file
has 216.8 M MACs at 224 x 224; MCUNetV2-H7 has 256M (Table 2), so it is not H7 either.

Written from the file's tensors, read with the TFLite schema (not from any code of the authors):

* a 3x3 stride-2 convolution to 16 channels (ReLU6), then a 1x1 convolution 16 -> 16 with no
  activation and no residual (the file has no depthwise convolution between them);
* 16 inverted residual blocks: 1x1 expansion (ReLU6), k x k depthwise (ReLU6), optional
  squeeze-and-excitation, 1x1 linear projection, a residual where the file adds one (exactly where
  stride is 1 and the widths match); the file pads stride-2 depthwise inputs by k // 2 on each side;
* SE: global average pool, 1x1 convolution with bias (ReLU6), 1x1 convolution with bias, then the
  file's ADD 3.0 with a fused ReLU6 and MUL 1/6 (quantised constants 127 x 0.0236 and 127 x 0.00131),
  i.e. a hard sigmoid, multiplying the depthwise output;
* a 1x1 convolution 240 -> 384 (ReLU6), global average pool and a 384 -> 1000 fully connected layer.

The file folds BatchNorm into each convolution's bias (1,799,208 weights and biases in all); we build
the trained form, convolution without bias + BatchNorm, which adds one parameter per such channel.
"""
from __future__ import annotations

import torch
from torch import nn

from efficiency.zoo.seed import layers

STEM = 16           # 3x3 stride-2 convolution, BN, ReLU6
FIRST = 16          # 1x1 convolution, BN, no activation
# one inverted residual block per row: (kernel, expanded width, out channels, stride, SE width; 0 = no SE)
BLOCKS: tuple[tuple[int, int, int, int, int], ...] = (
    (3, 96, 24, 2, 0),
    (3, 96, 40, 2, 0),
    (5, 240, 40, 1, 10), (5, 240, 40, 1, 10), (3, 120, 40, 1, 10),
    (5, 240, 64, 2, 10), (5, 256, 64, 1, 16), (3, 192, 64, 1, 16), (7, 256, 64, 1, 16),
    (5, 384, 96, 1, 16), (5, 384, 96, 1, 24), (5, 288, 96, 1, 24),
    (7, 384, 144, 2, 24), (3, 576, 144, 1, 36), (3, 576, 144, 1, 36),
    (5, 576, 240, 1, 0),
)
HEAD = 384
# the schedule examples/mcunetv2_se_large.py compiles it with: 4 x 4 patches over its first 8
# convolutions (stem, first 1x1 and the two stride-2 blocks: 3 + 3 layers)
N_PATCHES = 4
PATCH_LAYERS = 8
FILE_WEIGHTS = 1_799_208      # weights + biases of every convolution and the classifier in the file
FILE_MACS = 216_815_264       # multiply-adds of those layers at 224 x 224 (kernel x output elements)


def conv_bn(c_in: int, c_out: int, k: int = 1, stride: int = 1, groups: int = 1,
            relu6: bool = True) -> nn.Sequential:
    return layers.conv_bn(c_in, c_out, k, stride, groups, nn.ReLU6 if relu6 else None)


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int, mid: int):
        super().__init__()
        self.reduce = nn.Conv2d(channels, mid, 1)
        self.expand = nn.Conv2d(mid, channels, 1)
        self.act = nn.ReLU6(inplace=True)
        self.gate = nn.Hardsigmoid()          # relu6(x + 3) / 6, the file's ADD 3 / ReLU6 / MUL 1/6

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)
        return x * self.gate(self.expand(self.act(self.reduce(s))))


class InvertedResidual(nn.Module):
    def __init__(self, c_in: int, k: int, mid: int, c_out: int, stride: int, se: int):
        super().__init__()
        layers: list[nn.Module] = [conv_bn(c_in, mid), conv_bn(mid, mid, k, stride, groups=mid)]
        if se:
            layers.append(SqueezeExcite(mid, se))
        layers.append(conv_bn(mid, c_out, relu6=False))
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y if self.residual else y


class MCUNetV2Net(nn.Module):
    def __init__(self, blocks=BLOCKS, stem: int = STEM, first: int = FIRST, head: int = HEAD,
                 num_classes: int = 1000):
        super().__init__()
        layers: list[nn.Module] = [conv_bn(3, stem, 3, 2), conv_bn(stem, first, relu6=False)]
        c = first
        for k, mid, c_out, stride, se in blocks:
            layers.append(InvertedResidual(c, k, mid, c_out, stride, se))
            c = c_out
        layers.append(conv_bn(c, head))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(head, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean((2, 3)))


def tinyengine_large() -> MCUNetV2Net:
    return MCUNetV2Net()
