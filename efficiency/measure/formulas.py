"""Multiply-accumulate formulas: pure functions of tensor shapes (no torch import).

Convention: one multiply-add is one MAC. True FLOPs are ``2 * MACs``. Each formula
returns the MACs of one call for the *whole* input (all batch elements).
"""
from __future__ import annotations

from math import prod
from typing import Sequence

Shape = Sequence[int]


def conv_macs(out_shape: Shape, weight_shape: Shape, transposed: bool = False,
              in_shape: Shape | None = None) -> int:
    """Convolution (1-D/2-D/3-D, grouped and depthwise included).

    Normal: weight is (C_out, C_in/groups, *k); every output element sums
    C_in/groups * prod(k) products, so MACs = prod(out_shape) * prod(weight[1:]).
    Transposed: weight is (C_in, C_out/groups, *k); every *input* element is
    multiplied into C_out/groups * prod(k) outputs, so MACs = prod(in_shape) * prod(weight[1:]).
    """
    per_element = prod(weight_shape[1:])
    if transposed:
        if in_shape is None:
            raise ValueError("transposed convolution needs the input shape")
        return int(prod(in_shape) * per_element)
    return int(prod(out_shape) * per_element)


def linear_macs(in_shape: Shape, weight_shape: Shape) -> int:
    """y = x W^T (+ b): weight is (out_features, in_features); x is (..., in_features)."""
    out_features = weight_shape[0] if len(weight_shape) == 2 else 1
    return int(prod(in_shape) * out_features)


def _broadcast(a: Shape, b: Shape) -> tuple[int, ...]:
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            raise ValueError(f"shapes {tuple(a)} and {tuple(b)} do not broadcast")
        out.append(max(x, y))
    return tuple(reversed(out))


def matmul_macs(a_shape: Shape, b_shape: Shape) -> int:
    """torch.matmul semantics, broadcasting included: (..., n, k) @ (..., k, m) -> n*k*m per batch.

    1-D operands follow torch: a vector on the left is (1, k), on the right (k, 1).
    """
    a = list(a_shape)
    b = list(b_shape)
    if len(a) == 1:
        a = [1] + a
    if len(b) == 1:
        b = b + [1]
    n, k = a[-2], a[-1]
    k2, m = b[-2], b[-1]
    if k != k2:
        raise ValueError(f"matmul inner dimensions differ: {tuple(a_shape)} @ {tuple(b_shape)}")
    batch = _broadcast(a[:-2], b[:-2])
    return int(prod(batch) * n * k * m)


def attention_macs(q_shape: Shape, k_shape: Shape, v_shape: Shape) -> int:
    """scaled_dot_product_attention: softmax(Q K^T) V.

    Q is (..., L, E), K is (..., S, E), V is (..., S, Ev). Q K^T costs L*S*E per batch
    element and the product with V L*S*Ev. The batch is Q's leading dims (grouped-query
    attention repeats K and V over Q's heads). Softmax and scaling are not MACs.
    """
    batch = prod(q_shape[:-2])
    length, e = q_shape[-2], q_shape[-1]
    s = k_shape[-2]
    ev = v_shape[-1]
    return int(batch * length * s * (e + ev))


def native_mha_macs(q_shape: Shape, k_shape: Shape, embed_dim: int) -> int:
    """``aten::_native_multi_head_attention`` (nn.MultiheadAttention's no-grad fast path).

    The fused kernel does the input projections, attention and output projection:
    Q, K, V projections: (L + 2 S) * E * E; attention: 2 * L * S * E (all heads together);
    output projection: L * E * E. Shapes are batch-first (B, L, E), as the fast path requires.
    """
    batch = prod(q_shape[:-2]) if len(q_shape) > 2 else 1
    length = q_shape[-2] if len(q_shape) >= 2 else 1
    s = k_shape[-2] if len(k_shape) >= 2 else 1
    e = embed_dim
    return int(batch * ((length + 2 * s) * e * e + 2 * length * s * e + length * e * e))


def einsum_macs(equation: str, shapes: Sequence[Shape]) -> int:
    """MACs of an einsum evaluated pairwise left to right (what torch does without opt_einsum).

    For each contraction of two operands the cost is the product of the sizes of every
    index present in either operand. A single-operand einsum (a permutation or a sum) has
    no multiplications.
    """
    lhs, _, rhs = equation.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum {equation!r} has {len(terms)} operands, got {len(shapes)} shapes")
    if "." in equation:
        raise ValueError("einsum with ellipsis is not supported by this formula")
    sizes: dict[str, int] = {}
    for term, shape in zip(terms, shapes):
        if len(term) != len(shape):
            raise ValueError(f"einsum term {term!r} does not match shape {tuple(shape)}")
        for ch, d in zip(term, shape):
            sizes[ch] = max(sizes.get(ch, 1), int(d))
    if len(terms) == 1:
        return 0
    if not rhs and "->" not in equation:
        # implicit output: indices that appear exactly once, sorted
        letters = "".join(terms)
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    total = 0
    current = terms[0]
    for i, nxt in enumerate(terms[1:], start=1):
        involved = set(current) | set(nxt)
        total += prod(sizes[c] for c in involved)
        later = set(rhs) | set("".join(terms[i + 1:]))
        current = "".join(c for c in sorted(involved) if c in later)
    return int(total)


def selective_scan_macs(u_shape: Shape, a_shape: Shape) -> int:
    """Mamba's selective scan (``efficiency::selective_scan``, efficiency/zoo/seed/selective_scan.py):
    multiply-adds of one scan call, from the shapes of ``u`` (batch, channels, L) and ``A``
    (channels, N).

    Per batch, channel, step and state entry: the state update ``h = dA * h + dBu`` is one
    multiply-add, and the read-out ``y += C * h`` is one more (a length-N dot product).
    Per batch, channel and step: the skip ``y + D * u`` is one multiply-add.
    Total ``batch * channels * L * (2 N + 1)``. The discretisation (``delta * A``, its exp,
    ``delta * u * B``) is element-wise work that the project counts as zero elsewhere
    (``aten::mul``, ``aten::exp``), so it counts zero here too. Mamba's own FLOP estimate
    (``9 B L D N``, state-spaces/mamba issue 110) counts those element-wise products as well.
    """
    batch, channels, length = (int(s) for s in u_shape)
    state = int(a_shape[1])
    return batch * channels * length * (2 * state + 1)
