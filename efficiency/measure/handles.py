"""fvcore's operator handle table: which traced operator costs how many MACs (imports fvcore lazily).

Every operator of a trace is either counted by a handle in :data:`MAC_HANDLES` (formulas in
:mod:`efficiency.measure.formulas`), explicitly zero (:data:`ZERO_MAC_OPS`: element-wise,
normalisation, pooling, data movement; their occurrences go to ``ignored_ops``), or *uncovered*
(stored with its occurrences in ``uncovered_ops``), so that nothing is silently dropped.
fvcore ships no handle for ``aten::scaled_dot_product_attention`` nor
``aten::_native_multi_head_attention`` (the no-grad fast path of ``nn.MultiheadAttention``), which
makes vit_b_16 36 % low; ours does.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from efficiency.measure import formulas

# --------------------------------------------------------------------------- fvcore handles


def _shape(value) -> list[int] | None:
    from fvcore.nn.jit_handles import get_shape
    return get_shape(value)


def _ivalue(value):
    return value.toIValue()


def _conv_handle(inputs, outputs) -> int:
    x, w = _shape(inputs[0]), _shape(inputs[1])
    out = _shape(outputs[0])
    transposed = False
    # aten::_convolution / aten::convolution: (input, weight, bias, stride, padding, dilation,
    # transposed, output_padding, groups, ...); aten::convNd has no "transposed" argument.
    if len(inputs) >= 9:
        t = _ivalue(inputs[6])
        transposed = bool(t) if isinstance(t, bool) else False
    return formulas.conv_macs(out, w, transposed=transposed, in_shape=x)


def _conv_transpose_handle(inputs, outputs) -> int:
    return formulas.conv_macs(_shape(outputs[0]), _shape(inputs[1]), transposed=True,
                              in_shape=_shape(inputs[0]))


def _linear_handle(inputs, outputs) -> int:
    return formulas.linear_macs(_shape(inputs[0]), _shape(inputs[1]))


def _addmm_handle(inputs, outputs) -> int:  # (bias, mat1, mat2)
    return formulas.matmul_macs(_shape(inputs[1]), _shape(inputs[2]))


def _matmul_handle(inputs, outputs) -> int:  # mm, matmul, bmm, mv, dot: (a, b)
    return formulas.matmul_macs(_shape(inputs[0]), _shape(inputs[1]))


def _baddbmm_handle(inputs, outputs) -> int:  # (input, batch1, batch2) and addmv (input, mat, vec)
    return formulas.matmul_macs(_shape(inputs[1]), _shape(inputs[2]))


def _einsum_handle(inputs, outputs) -> int:
    equation = _ivalue(inputs[0])
    operands = list(inputs[1].node().inputs())
    return formulas.einsum_macs(equation, [_shape(v) for v in operands])


def _sdpa_handle(inputs, outputs) -> int:  # (q, k, v, attn_mask, dropout_p, is_causal, ...)
    return formulas.attention_macs(_shape(inputs[0]), _shape(inputs[1]), _shape(inputs[2]))


def _native_mha_handle(inputs, outputs) -> int:
    # (query, key, value, embed_dim, num_head, qkv_weight, qkv_bias, proj_weight, ...)
    return formulas.native_mha_macs(_shape(inputs[0]), _shape(inputs[1]), int(_ivalue(inputs[3])))


def _lstm_handle(inputs, outputs) -> int:
    # aten::lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
    # batch_first): every time step multiplies the input and the hidden state by each
    # layer's and direction's W_ih (4H x in) and W_hh (4H x H): T * B * sum(numel(W)).
    x = _shape(inputs[0])
    batch_first = bool(_ivalue(inputs[8]))
    steps, batch = (x[1], x[0]) if batch_first else (x[0], x[1])
    weights = [_shape(v) for v in inputs[2].node().inputs()]
    return int(steps * batch * sum(w[0] * w[1] for w in weights if w is not None and len(w) == 2))


def _selective_scan_handle(inputs, outputs) -> int:
    # efficiency::selective_scan(u, delta, A, B, C, D, delta_bias): the seed zoo's Mamba scan as one operator
    return formulas.selective_scan_macs(_shape(inputs[0]), _shape(inputs[2]))


MAC_HANDLES: dict[str, Callable[[Any, Any], int]] = {
    "aten::_convolution": _conv_handle,
    "aten::convolution": _conv_handle,
    "aten::_convolution_mode": _conv_handle,  # padding="same"/"valid" given as a string
    "aten::conv1d": _conv_handle,
    "aten::conv2d": _conv_handle,
    "aten::conv3d": _conv_handle,
    "aten::conv_transpose1d": _conv_transpose_handle,
    "aten::conv_transpose2d": _conv_transpose_handle,
    "aten::conv_transpose3d": _conv_transpose_handle,
    "aten::linear": _linear_handle,
    "aten::addmm": _addmm_handle,
    "aten::mm": _matmul_handle,
    "aten::matmul": _matmul_handle,
    "aten::bmm": _matmul_handle,
    "aten::mv": _matmul_handle,
    "aten::dot": _matmul_handle,
    "aten::baddbmm": _baddbmm_handle,
    "aten::addmv": _baddbmm_handle,
    "aten::einsum": _einsum_handle,
    "aten::scaled_dot_product_attention": _sdpa_handle,
    "aten::_native_multi_head_attention": _native_mha_handle,
    "aten::lstm": _lstm_handle,
    "efficiency::selective_scan": _selective_scan_handle,
}

# Operators that do no multiply-accumulate by this project's convention (element-wise,
# activations, normalisation, pooling, resampling, reductions, data movement). They are
# counted as zero on purpose, and their occurrences are stored in ``ignored_ops``.
# In-place variants ("aten::add_") match their base name.
ZERO_MAC_OPS: frozenset[str] = frozenset(
    "aten::" + name for name in """
    Int ScalarImplicit Bool Float __and__ __or__ __not__ __getitem__ __is__ __isnot__ abs add addcmul addcdiv
    adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d
    adaptive_max_pool3d affine_grid_generator alias all amax amin any arange argmax argmin as_strided
    avg_pool1d avg_pool2d avg_pool3d batch_norm bernoulli bitwise_and bitwise_not bitwise_or broadcast_tensors
    bucketize cat ceil celu channel_shuffle chunk clamp clamp_max clamp_min clip clone constant_pad_nd contiguous
    copy cos cumprod cumsum detach diag diagonal div dropout elu embedding empty empty_like eq erf erfinv exp expand
    expand_as exponential feature_dropout fill fill_diagonal flatten flip floor floor_divide fmod frac full full_like
    gather ge gelu glu grid_sampler group_norm gt hardsigmoid hardswish hardtanh index index_put index_select
    instance_norm isnan layer_norm le leaky_relu lerp lift_fresh linspace log log1p log2 log_sigmoid log_softmax
    logical_and logical_not logical_or logsumexp lt masked_fill masked_scatter max max_pool1d max_pool2d max_pool3d
    max_pool2d_with_indices maximum mean meshgrid min minimum mish mul narrow ne neg new_empty new_full new_ones
    new_zeros nonzero norm normal numel numpy_T ones ones_like pad permute pixel_shuffle pixel_unshuffle pow prelu
    quantize_per_tensor rand rand_like randn randn_like reciprocal reflection_pad1d reflection_pad2d relu relu6
    remainder repeat repeat_interleave replication_pad1d replication_pad2d reshape resize roll round rrelu rsqrt
    rsub scalar_tensor scatter scatter_add select selu sigmoid sign silu sin size slice softmax softplus
    split split_with_sizes sqrt square squeeze stack std sub sum t tanh tensor_split tile to topk transpose tril
    triu true_divide type_as unbind unflatten uniform unique_dim unsafe_chunk unsafe_split unsqueeze
    upsample_bicubic2d upsample_bilinear2d upsample_linear1d upsample_nearest1d upsample_nearest2d
    upsample_nearest3d upsample_trilinear3d var view view_as where zero zeros zeros_like sort argsort cosine_similarity
    unfold _upsample_bicubic2d_aa _upsample_bilinear2d_aa eye reshape_as expand_copy view_as_real view_as_complex movedim moveaxis swapaxes einops
    normalize frobenius_norm linalg_vector_norm linalg_norm clamp_min_ _assert_async dim list len
    sym_size floordiv sym_numel _shape_as_tensor _unsafe_view _reshape_from_tensor
    group_norm_ native_layer_norm native_batch_norm rms_norm softmax_ lt_ instance_norm_ im2col col2im
    __range_length __derive_index _set_item append item full_like_ stft
    """.split()
) | frozenset(
    # torchvision detection ops: bilinear sampling and box suppression, no MACs
    "torchvision::" + name for name in """
    roi_align roi_pool ps_roi_align ps_roi_pool nms
    """.split()
)


def _base_op(name: str) -> str:
    # "aten::add_" -> "aten::add"; keep dunder names intact
    return name[:-1] if name.endswith("_") and not name.endswith("__") else name


def classify_ops(occurrences: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """Split operators with no MAC handle into (ignored, uncovered) by the zero-MAC policy."""
    ignored: dict[str, int] = {}
    uncovered: dict[str, int] = {}
    for op, n in sorted(occurrences.items()):
        if op in MAC_HANDLES:
            continue
        # fvcore itself drops prim:: plumbing; the prim::PythonOp (autograd Functions) and
        # prim::CallFunction it reports may hide arithmetic, so they stay uncovered
        if op in ZERO_MAC_OPS or _base_op(op) in ZERO_MAC_OPS:
            ignored[op] = n
        else:
            uncovered[op] = n
    return ignored, uncovered


class ZeroOps:
    """fvcore handles for the zero-MAC operators: each returns 0 and counts the node's occurrence
    under the operator's traced name (in-place variants such as ``aten::add_`` keep their name)."""

    def __init__(self) -> None:
        self.occurrences: dict[str, int] = {}

    def handles(self) -> dict[str, Callable[[Any, Any], int]]:
        names = set(ZERO_MAC_OPS)
        names |= {n + "_" for n in ZERO_MAC_OPS if n.startswith("aten::") and not n.endswith("_")}
        return {n: functools.partial(self._count, n) for n in names if n not in MAC_HANDLES}

    def _count(self, name: str, inputs, outputs) -> int:
        self.occurrences[name] = self.occurrences.get(name, 0) + 1
        return 0
