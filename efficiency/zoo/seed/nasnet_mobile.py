"""NASNet-A Mobile, "NASNet-A (4 @ 1056)" (Zoph et al., "Learning Transferable Architectures for
Scalable Image Recognition", https://arxiv.org/abs/1707.07012), written from the paper.

The paper's Figure 4 gives the two NASNet-A cells; its ImageNet architecture (Figure 2) is a
3x3 stride-2 stem convolution, two reduction cells as stem, then N = 4 normal cells, a reduction
cell, 4 normal cells, a reduction cell, 4 normal cells, ReLU, global pooling and the classifier.
"4 @ 1056" means N = 4 and 1056 penultimate filters: 6 concatenated branches of 176 = 4 x 44
filters, so the first stack's cells use 44 filters, doubled at each reduction; the stem
reduction cells use 44/4 and 44/2. Details the figures leave open (VALID stem padding, the
factorized reduction of a stride-mismatched previous input, which states each cell receives)
follow the authors' TF-slim release (``research/slim/nets/nasnet`` in tensorflow/models,
``mobile_imagenet_config``). The auxiliary head is a training device and is not built.

Each cell sees the two previous cell outputs: ``h`` (the latest, 1x1-projected) and ``p`` (the
one before, projected or factorized-reduced to the same shape). Every separable operation is
applied twice (ReLU -> depthwise -> pointwise -> BN, two times) as in the paper's appendix.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class SepConv(nn.Module):
    """Two stacked ReLU -> separable k x k -> BN; only the first one strides."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int):
        super().__init__()
        layers: list[nn.Module] = []
        for i in range(2):
            ch = c_in if i == 0 else c_out
            layers += [nn.ReLU(), nn.Conv2d(ch, ch, k, stride if i == 0 else 1, k // 2, groups=ch,
                                            bias=False),
                       nn.Conv2d(ch, c_out, 1, bias=False), nn.BatchNorm2d(c_out, eps=1e-3)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def relu_conv_bn(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.ReLU(), nn.Conv2d(c_in, c_out, 1, bias=False),
                         nn.BatchNorm2d(c_out, eps=1e-3))


class FactorizedReduce(nn.Module):
    """Halve the resolution without dropping pixels: two 1x1 convolutions on the stride-2
    grid and on the grid shifted by one pixel, concatenated."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.path1 = nn.Conv2d(c_in, c_out // 2, 1, bias=False)
        self.path2 = nn.Conv2d(c_in, c_out - c_out // 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(x)
        a = self.path1(x[:, :, ::2, ::2])
        b = self.path2(F.pad(x, (0, 1, 0, 1))[:, :, 1::2, 1::2])
        return self.bn(torch.cat((a, b), 1))


def _pool(kind: str, stride: int) -> nn.Module:
    if kind == "max":
        return nn.MaxPool2d(3, stride, 1)
    return nn.AvgPool2d(3, stride, 1, count_include_pad=False)


class Cell(nn.Module):
    """Shared plumbing: project ``h`` by 1x1 and bring ``p`` to the same shape."""

    def __init__(self, c_h: int, c_p: int | None, filters: int, p_needs_reduce: bool):
        super().__init__()
        self.h_proj = relu_conv_bn(c_h, filters)
        if c_p is None:                      # first stem cell: p is the raw stem output h
            self.p_proj: nn.Module = nn.Identity()
        elif p_needs_reduce:
            self.p_proj = FactorizedReduce(c_p, filters)
        elif c_p != filters:
            self.p_proj = relu_conv_bn(c_p, filters)
        else:
            self.p_proj = nn.Identity()


class NormalCell(Cell):
    """NASNet-A normal cell (paper Figure 4, left); output: p and the five sums, 6 x filters."""

    def __init__(self, c_h: int, c_p: int, filters: int, p_needs_reduce: bool = False):
        super().__init__(c_h, c_p, filters, p_needs_reduce)
        self.b0_h, self.b0_p = SepConv(filters, filters, 5, 1), SepConv(filters, filters, 3, 1)
        self.b1_p5, self.b1_p3 = SepConv(filters, filters, 5, 1), SepConv(filters, filters, 3, 1)
        self.b2_h = _pool("avg", 1)
        self.b3_p1, self.b3_p2 = _pool("avg", 1), _pool("avg", 1)
        self.b4_h = SepConv(filters, filters, 3, 1)

    def forward(self, h: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        x, q = self.h_proj(h), self.p_proj(p)
        s0 = self.b0_h(x) + self.b0_p(q)
        s1 = self.b1_p5(q) + self.b1_p3(q)
        s2 = self.b2_h(x) + q
        s3 = self.b3_p1(q) + self.b3_p2(q)
        s4 = self.b4_h(x) + x
        return torch.cat((q, s0, s1, s2, s3, s4), 1)


class ReductionCell(Cell):
    """NASNet-A reduction cell (paper Figure 4, right), stride 2; output 4 x filters."""

    def __init__(self, c_h: int, c_p: int | None, filters: int, p_needs_reduce: bool = False):
        super().__init__(c_h, c_p, filters, p_needs_reduce)
        c_q = c_h if c_p is None else filters
        self.b0_h, self.b0_p = SepConv(filters, filters, 5, 2), SepConv(c_q, filters, 7, 2)
        self.b1_h, self.b1_p = _pool("max", 2), SepConv(c_q, filters, 7, 2)
        self.b2_h, self.b2_p = _pool("avg", 2), SepConv(c_q, filters, 5, 2)
        self.b3_s1 = _pool("avg", 1)
        self.b4_s0, self.b4_h = SepConv(filters, filters, 3, 1), _pool("max", 2)

    def forward(self, h: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        x, q = self.h_proj(h), self.p_proj(p)
        s0 = self.b0_h(x) + self.b0_p(q)
        s1 = self.b1_h(x) + self.b1_p(q)
        s2 = self.b2_h(x) + self.b2_p(q)
        s3 = s1 + self.b3_s1(s0)
        s4 = self.b4_s0(s0) + self.b4_h(x)
        return torch.cat((s1, s2, s3, s4), 1)


class NASNetAMobile(nn.Module):
    def __init__(self, cells_per_stack: int = 4, filters: int = 44, stem: int = 32,
                 num_classes: int = 1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, stem, 3, 2, 0, bias=False),
                                  nn.BatchNorm2d(stem, eps=1e-3))
        f0, f1 = filters // 4, filters // 2
        cells: list[nn.Module] = [ReductionCell(stem, None, f0),
                                  ReductionCell(4 * f0, stem, f1, p_needs_reduce=True)]
        # (channels of the latest output, channels of the one before, whether its size differs)
        c_h, c_p, p_big = 4 * f1, 4 * f0, True
        f = filters
        for stack in range(3):
            if stack > 0:
                f *= 2
                cells.append(ReductionCell(c_h, c_p, f))
                c_h, c_p, p_big = 4 * f, c_h, True
            for _ in range(cells_per_stack):
                cells.append(NormalCell(c_h, c_p, f, p_needs_reduce=p_big))
                c_h, c_p, p_big = 6 * f, c_h, False
        self.cells = nn.ModuleList(cells)
        self.classifier = nn.Linear(c_h, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = h = self.stem(x)
        for cell in self.cells:
            h, p = cell(h, p), h
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(F.relu(h), 1), 1))


def nasnet_a_mobile() -> NASNetAMobile:
    return NASNetAMobile()
