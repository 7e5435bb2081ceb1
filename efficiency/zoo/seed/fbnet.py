"""FBNet-B (Wu et al., "FBNet: Hardware-Aware Efficient ConvNet Design via Differentiable Neural
Architecture Search", https://arxiv.org/abs/1812.03443), written from the paper.

The paper's search space (its Figure 3 / Table 2) has one block type: a 1x1 (group) convolution
expanding by ``e``, BN + ReLU, a k x k depthwise convolution (stride s), BN + ReLU, a 1x1
projection with BN and no activation, and a residual when input and output shapes match; a
"skip" candidate drops the layer. The macro-architecture (Table 1) is a 3x3 stride-2 stem of 16
channels, 22 searched layers in stages of 16/24/32/64/112/184/352 channels, a 1x1 convolution
to 1984 channels, global average pooling and the 1000-way classifier. FBNet-B's choice per
layer is the paper's Figure 4, which our tools could not open; the list below was read from the
authors' model definition ``fbnet_b`` (github.com/facebookresearch/mobile-vision,
``mobile_cv/arch/fbnet_v2/fbnet_modeldef_cls_fbnet.py``, whose block 1x1 convolutions carry a
bias) and its released Caffe2 graph (``FBNet/models/FBNet-B``: kernels, strides, group widths).
"""
from __future__ import annotations

from torch import nn
import torch

from efficiency.zoo.seed import layers

# (kernel, expansion, out channels, stride); None = the "skip" candidate
FBNET_B: tuple[tuple[int, int, int, int] | None, ...] = (
    (3, 1, 16, 1),
    (3, 6, 24, 2), (5, 1, 24, 1), (3, 1, 24, 1), (3, 1, 24, 1),
    (5, 6, 32, 2), (5, 3, 32, 1), (3, 6, 32, 1), (5, 6, 32, 1),
    (5, 6, 64, 2), (5, 6, 64, 1), None, (5, 3, 64, 1),
    (5, 6, 112, 1), (3, 1, 112, 1), (5, 1, 112, 1), (5, 3, 112, 1),
    (5, 6, 184, 2), (5, 1, 184, 1), (5, 6, 184, 1), (5, 6, 184, 1),
    (3, 6, 352, 1),
)


def conv_bn(c_in: int, c_out: int, k: int = 1, stride: int = 1, groups: int = 1,
            relu: bool = True, bias: bool = True) -> nn.Sequential:
    # the blocks' convolutions keep a bias (the paper's count includes it), the stem and head do not
    return layers.conv_bn(c_in, c_out, k, stride, groups, nn.ReLU if relu else None, bias)


class FBNetBlock(nn.Module):
    """Expansion 1x1 -> depthwise k x k -> linear 1x1, residual when shapes match. The
    expansion convolution is kept at e = 1 too (the search space's k*_e1 candidates)."""

    def __init__(self, c_in: int, c_out: int, k: int, e: int, stride: int):
        super().__init__()
        mid = c_in * e
        self.body = nn.Sequential(conv_bn(c_in, mid),
                                  conv_bn(mid, mid, k, stride, groups=mid),
                                  conv_bn(mid, c_out, relu=False))
        self.residual = c_in == c_out and stride == 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y if self.residual else y


class FBNet(nn.Module):
    def __init__(self, layers=FBNET_B, stem: int = 16, head: int = 1984, num_classes: int = 1000):
        super().__init__()
        blocks: list[nn.Module] = [conv_bn(3, stem, 3, 2, bias=False)]
        c = stem
        for spec in layers:
            if spec is None:          # "skip": the layer is absent (shapes already match)
                continue
            k, e, c_out, stride = spec
            blocks.append(FBNetBlock(c, c_out, k, e, stride))
            c = c_out
        blocks.append(conv_bn(c, head, bias=False))
        self.features = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(head, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


def fbnet_b() -> FBNet:
    return FBNet(FBNET_B)
