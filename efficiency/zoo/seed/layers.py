"""Building blocks several seed architectures share (imports torch; no table of its own).

Each paper's module keeps what is particular to it; the convolution + BatchNorm (+ activation) unit
that MobileNet-style papers all use lives here once, with the two choices they differ on: the
activation after it and whether the convolution has a bias.
"""
from __future__ import annotations

from torch import nn


def conv_bn(c_in: int, c_out: int, k: int = 1, stride: int = 1, groups: int = 1,
            act: type[nn.Module] | None = None, bias: bool = False) -> nn.Sequential:
    """A k x k convolution ("same" padding for odd k), BatchNorm, then ``act`` when given."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, k, stride, k // 2, groups=groups, bias=bias),
                               nn.BatchNorm2d(c_out)]
    if act is not None:
        layers.append(act(inplace=True) if act in (nn.ReLU, nn.ReLU6) else act())
    return nn.Sequential(*layers)
