"""Model-specific checks of the seed zoo's EfficientVMamba, MobileMamba and VSViG: the selective
scan against a naive element-by-element loop, its multiply-add formula against a hand count in
both counters, the atrous and wavelet re-arrangements, and output shapes (small inputs only)."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from efficiency.measure.counting import count_model
from efficiency.zoo.seed import efficientvmamba, mobilemamba, vsvig
from efficiency.zoo.seed.selective_scan import selective_scan, selective_scan_macs


def naive_scan(u, delta, A, B, C, D, delta_bias):
    """Mamba's recurrence written out one scalar at a time."""
    batch, channels, length = u.shape
    groups, state = B.shape[1], A.shape[1]
    y = torch.zeros_like(u)
    for b in range(batch):
        for d in range(channels):
            g = d // (channels // groups)
            h = [0.0] * state
            for t in range(length):
                dt = math.log1p(math.exp(float(delta[b, d, t] + delta_bias[d])))   # softplus
                out = 0.0
                for n in range(state):
                    h[n] = math.exp(dt * float(A[d, n])) * h[n] + dt * float(u[b, d, t]) * float(B[b, g, n, t])
                    out += float(C[b, g, n, t]) * h[n]
                y[b, d, t] = out + float(D[d]) * float(u[b, d, t])
    return y


def scan_inputs(batch=2, groups=2, per_group=3, state=4, length=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    channels = groups * per_group
    return (torch.randn(batch, channels, length, generator=g),
            torch.randn(batch, channels, length, generator=g),
            -torch.rand(channels, state, generator=g) - 0.1,
            torch.randn(batch, groups, state, length, generator=g),
            torch.randn(batch, groups, state, length, generator=g),
            torch.randn(channels, generator=g),
            torch.randn(channels, generator=g))


def test_scan_matches_the_naive_loop():
    args = scan_inputs()
    torch.testing.assert_close(selective_scan(*args), naive_scan(*args), rtol=1e-4, atol=1e-5)


def test_scan_is_causal():
    args = list(scan_inputs(seed=1))
    before = selective_scan(*args)
    args[0] = args[0].clone()
    args[0][:, :, 5] += 1.0                       # change step 5: steps 0-4 must not move
    after = selective_scan(*args)
    torch.testing.assert_close(after[..., :5], before[..., :5])
    assert not torch.allclose(after[..., 5:], before[..., 5:])


class _ScanOnly(nn.Module):
    def __init__(self, groups, per_group, state, length):
        super().__init__()
        channels = groups * per_group
        self.shape = (groups, state, length)
        self.A = nn.Parameter(-torch.rand(channels, state))
        self.D = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, u):
        groups, state, length = self.shape
        bc = u[:, :groups * state].reshape(u.shape[0], groups, state, length)
        return selective_scan(u, u, self.A, bc, bc, self.D, self.bias)


def test_scan_macs_by_hand_and_in_both_counters():
    # batch 1, 6 channels, 5 steps, state 3: per (channel, step) 3 state updates + 3 read-out
    # products + 1 skip = 7 multiply-adds -> 6 * 5 * 7 = 210
    assert selective_scan_macs((1, 6, 5), (6, 3)) == 210
    assert selective_scan_macs((2, 6, 5), (6, 3)) == 420
    result = count_model(_ScanOnly(2, 3, 3, 5), (torch.randn(1, 6, 5),))
    assert result.uncovered_ops == {}
    assert result.macs_fvcore == result.macs_torch == 210


def test_atrous_split_and_merge_are_inverse():
    x = torch.arange(2 * 3 * 6 * 8, dtype=torch.float32).reshape(2, 3, 6, 8)
    xs = efficientvmamba.atrous_split(x)
    assert xs.shape == (2, 4, 3, 12)
    # every pixel lands in exactly one sub-grid
    assert torch.equal(xs.flatten().sort().values, x.flatten().sort().values)
    torch.testing.assert_close(efficientvmamba.atrous_merge(xs, 3, 4), x)


def test_haar_analysis_then_synthesis_is_identity():
    x = torch.randn(1, 5, 8, 6)
    f = mobilemamba.haar_filters(5)
    bands = torch.nn.functional.conv2d(x, f, stride=2, groups=5)
    torch.testing.assert_close(torch.nn.functional.conv_transpose2d(bands, f, stride=2, groups=5), x)


def test_vsvig_partitions():
    inter, intra = vsvig.neighbour_masks()
    assert torch.equal((inter == 0), (intra != 0))          # complementary neighbourhoods
    assert int((intra == 0).sum(dim=1).unique()) == vsvig.JOINTS // vsvig.PARTS


@pytest.mark.parametrize("build, shape", [
    (efficientvmamba.efficientvmamba_t, (1, 3, 64, 64)),
    (efficientvmamba.efficientvmamba_t, (1, 3, 72, 72)),    # odd 9x9 grid in stage 2: padded scan
    (mobilemamba.mobilemamba_t2, (1, 3, 64, 64)),
    (mobilemamba.mobilemamba_t2, (1, 3, 80, 80)),           # odd 5x5 grid: padded wavelet
])
def test_classifier_output_shapes(build, shape):
    torch.manual_seed(0)
    with torch.no_grad():
        out = build().eval()(torch.randn(*shape))
    assert out.shape == (1, 1000) and torch.isfinite(out).all()


def test_vsvig_outputs_a_probability_per_clip():
    torch.manual_seed(0)
    with torch.no_grad():
        out = vsvig.vsvig_light().eval()(torch.randn(2, 8, vsvig.JOINTS, 3, 32, 32))
    assert out.shape == (2, 1) and ((out > 0) & (out < 1)).all()
