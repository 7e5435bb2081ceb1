"""Mamba's selective scan (S6) as one custom operator, ``efficiency::selective_scan``, in plain
PyTorch (a loop over the sequence: correct rather than fast), with its multiply-add formula
registered for both counters, so that a model's count covers the scan.

The operator (Gu & Dao, "Mamba", eq. 2a-2b and Algorithm 2; the discretisation is zero-order hold
for A and Euler for B, as Mamba's reference code does)::

    delta_t = softplus(delta_t + delta_bias)                     per channel d, step t
    h_t     = exp(delta_t * A) * h_{t-1} + (delta_t * u_t) * B_t  state, N entries per channel
    y_t     = <C_t, h_t> + D * u_t

Shapes: ``u``, ``delta``: (batch, G*D, L); ``A``: (G*D, N); ``B``, ``C``: (batch, G, N, L), one
B_t and C_t per group of D channels (the scan directions of a visual Mamba); ``D``,
``delta_bias``: (G*D,). Output: (batch, G*D, L).

Why one operator: traced op by op, the scan is element-wise multiplies, adds and an exp that this
project counts as zero (``handles.ZERO_MAC_OPS``) plus a loop that TorchScript unrolls L times;
as one node it is counted by :func:`selective_scan_macs` in fvcore (``handles.py``) and in torch's
``FlopCounterMode`` (registered below).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import register_flop_formula

from efficiency.measure.formulas import selective_scan_macs

OP_NAME = "efficiency::selective_scan"


def _expand_groups(m: torch.Tensor, channels: int) -> torch.Tensor:
    # (batch, G, N, L) -> (batch, G*D, N, L): every channel of a group sees its group's B_t / C_t
    batch, groups, state, length = m.shape
    per_group = channels // groups
    return m.unsqueeze(2).expand(batch, groups, per_group, state, length).reshape(
        batch, channels, state, length)


def scan_loop(u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
              C: torch.Tensor, D: torch.Tensor, delta_bias: torch.Tensor) -> torch.Tensor:
    """The recurrence, step by step over L (float32 state whatever the input dtype)."""
    dtype = u.dtype
    u, delta, A, B, C = (t.float() for t in (u, delta, A, B, C))
    delta = F.softplus(delta + delta_bias.float()[None, :, None])
    channels, length = u.shape[1], u.shape[2]
    Bx, Cx = _expand_groups(B, channels), _expand_groups(C, channels)
    h = u.new_zeros(u.shape[0], channels, A.shape[1])
    ys = []
    for t in range(length):
        d_t = delta[:, :, t, None]
        h = torch.exp(d_t * A) * h + (d_t * u[:, :, t, None]) * Bx[:, :, :, t]
        ys.append((h * Cx[:, :, :, t]).sum(-1))
    y = torch.stack(ys, dim=-1) + D.float()[None, :, None] * u
    return y.to(dtype)


@torch.library.custom_op(OP_NAME, mutates_args=())
def _selective_scan_op(u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
                       C: torch.Tensor, D: torch.Tensor, delta_bias: torch.Tensor) -> torch.Tensor:
    return scan_loop(u, delta, A, B, C, D, delta_bias)


@_selective_scan_op.register_fake
def _(u, delta, A, B, C, D, delta_bias):
    # shape only: what the meta device and FakeTensor runs see
    return torch.empty_like(u)


@register_flop_formula(torch.ops.efficiency.selective_scan)
def _selective_scan_flops(u_shape, delta_shape, a_shape, *args, out_shape=None, **kwargs) -> int:
    # FlopCounterMode counts 2 FLOPs per multiply-add
    return 2 * selective_scan_macs(u_shape, a_shape)


def selective_scan(u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
                   C: torch.Tensor, D: torch.Tensor, delta_bias: torch.Tensor) -> torch.Tensor:
    """Run the scan as the single operator ``efficiency::selective_scan`` (see module doc)."""
    return torch.ops.efficiency.selective_scan(u, delta, A, B, C, D, delta_bias)
