"""The MAC formulas against hand computation and brute force."""
from math import prod

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from efficiency.measure import formulas


def test_conv_hand_computed():
    # 3->8 channels, 3x3 kernel, 10x10 output: each of 8*10*10 outputs sums 3*3*3 products
    assert formulas.conv_macs((1, 8, 10, 10), (8, 3, 3, 3)) == 8 * 10 * 10 * 27


def test_grouped_and_depthwise_conv():
    # groups=2: weight (8, 4/2=2, 3, 3); each output sums 2*9 products
    assert formulas.conv_macs((1, 8, 5, 5), (8, 2, 3, 3)) == 8 * 25 * 18
    # depthwise 16 channels: weight (16, 1, 3, 3)
    assert formulas.conv_macs((2, 16, 7, 7), (16, 1, 3, 3)) == 2 * 16 * 49 * 9


def test_transposed_conv_counts_per_input_element():
    # weight (C_in=4, C_out=6, 2, 2); input 1x4x5x5: each input element feeds 6*2*2 outputs
    assert formulas.conv_macs((1, 6, 10, 10), (4, 6, 2, 2), transposed=True, in_shape=(1, 4, 5, 5)) == 100 * 24
    with pytest.raises(ValueError):
        formulas.conv_macs((1, 6, 10, 10), (4, 6, 2, 2), transposed=True)


def test_linear():
    assert formulas.linear_macs((2, 197, 768), (3072, 768)) == 2 * 197 * 768 * 3072


@given(st.lists(st.integers(1, 4), min_size=0, max_size=2), st.integers(1, 5), st.integers(1, 5),
       st.integers(1, 5))
@settings(max_examples=60, deadline=None)
def test_matmul_matches_numpy_brute_force(batch, n, k, m):
    a = np.ones(tuple(batch) + (n, k))
    b = np.ones((k, m))
    # every output element of a @ b is a sum of k products
    expected = prod(np.matmul(a, b).shape) * k
    assert formulas.matmul_macs(a.shape, b.shape) == expected


def test_matmul_broadcast_and_vectors():
    assert formulas.matmul_macs((3, 1, 4, 5), (2, 5, 6)) == 3 * 2 * 4 * 5 * 6
    assert formulas.matmul_macs((5,), (5,)) == 5
    assert formulas.matmul_macs((4, 5), (5,)) == 20
    with pytest.raises(ValueError):
        formulas.matmul_macs((4, 5), (6, 7))


def test_attention():
    # q, k, v (B=2, H=3, L=10, E=8): QK^T 2*3*10*10*8 and AV the same
    assert formulas.attention_macs((2, 3, 10, 8), (2, 3, 10, 8), (2, 3, 10, 8)) == 2 * 2 * 3 * 10 * 10 * 8
    # cross-attention with different lengths and value width
    assert formulas.attention_macs((1, 1, 4, 8), (1, 1, 6, 8), (1, 1, 6, 2)) == 4 * 6 * 8 + 4 * 6 * 2


def test_native_mha():
    b, length, e = 2, 7, 16
    projections = 4 * b * length * e * e
    attention = 2 * b * length * length * e
    assert formulas.native_mha_macs((b, length, e), (b, length, e), e) == projections + attention


def test_einsum():
    # batched matmul written as einsum
    assert formulas.einsum_macs("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]) == 2 * 3 * 4 * 5
    assert formulas.einsum_macs("ij->ji", [(3, 4)]) == 0
    with pytest.raises(ValueError):
        formulas.einsum_macs("ij,jk->ik", [(3, 4)])
