"""MAC counting with two independent counters.

Convention (fvcore, timm, torchvision): one multiply-add counts as one MAC; the cache
stores ``macs`` and derives ``flops = 2 * macs``.

1. **fvcore** ``JitModelAnalysis`` (TorchScript trace on real CPU tensors) with *our*
   handle table :data:`MAC_HANDLES`. fvcore ships no handle for
   ``aten::scaled_dot_product_attention`` nor ``aten::_native_multi_head_attention`` (the
   no-grad fast path of ``nn.MultiheadAttention``), which makes vit_b_16 36 % low; ours
   does. Every traced operator is either counted by a handle, explicitly zero
   (:data:`ZERO_MAC_OPS`: element-wise, normalisation, pooling, data movement; their
   occurrences are stored in ``ignored_ops``), or *uncovered*: stored with its occurrences
   in ``uncovered_ops`` so nothing is silently dropped.
2. **torch** ``FlopCounterMode`` on the ``meta`` device, total / 2. On real CPU tensors it
   counts CPU fused attention as zero (there is no formula for
   ``_scaled_dot_product_flash_attention_for_cpu``); on meta it dispatches to a kernel
   it knows, and meta runs no arithmetic. ``tests/test_counting.py`` proves both facts.

A row whose two totals differ by more than 1 % is flagged (``macs_mismatch``).
"""
from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
from torch import nn

from efficiency.measure import formulas
from efficiency.store import schema

COUNTER_VERSION = schema.COUNTER_VERSION   # see there
MISMATCH_TOLERANCE = 0.01

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


# --------------------------------------------------------------------------- model plumbing


class _Flatten(nn.Module):
    """Wraps a model so that its output is a flat tuple of tensors (TorchScript tracing
    refuses dicts of lists, which detection models return) and so that list-input
    models (torchvision detection) take one batched tensor."""

    def __init__(self, model: nn.Module, list_input: bool):
        super().__init__()
        self.model = model
        self.list_input = list_input

    def forward(self, *args):
        if self.list_input:
            out = self.model([t for t in args[0]])
        else:
            out = self.model(*args)
        return tuple(_tensors(out))


def _tensors(obj) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        out: list[torch.Tensor] = []
        for o in obj:
            out.extend(_tensors(o))
        return out
    return []


@dataclass(frozen=True)
class CountResult:
    """MACs per sample at batch 1, from both counters, plus params."""

    macs_fvcore: int | None
    macs_torch: int | None
    macs_by_op: dict[str, int]
    ignored_ops: dict[str, int]
    uncovered_ops: dict[str, int]
    params: int
    notes: str = ""
    duration_s: float = 0.0

    @property
    def macs(self) -> int | None:
        return self.macs_fvcore if self.macs_fvcore is not None else self.macs_torch

    @property
    def flops(self) -> int | None:
        return None if self.macs is None else 2 * self.macs

    @property
    def rel_diff(self) -> float | None:
        a, b = self.macs_fvcore, self.macs_torch
        if a is None or b is None:
            return None
        if a == b:
            return 0.0
        return abs(a - b) / max(abs(a), abs(b))

    @property
    def mismatch(self) -> bool:
        d = self.rel_diff
        return d is None or d > MISMATCH_TOLERANCE

    def to_row(self) -> dict:
        return {
            "macs": self.macs,
            "flops": self.flops,
            "macs_fvcore": self.macs_fvcore,
            "macs_torch": self.macs_torch,
            "macs_rel_diff": self.rel_diff,
            "macs_mismatch": self.mismatch,
            "macs_by_op": json.dumps(self.macs_by_op, sort_keys=True),
            "uncovered_ops": json.dumps(self.uncovered_ops, sort_keys=True),
            "ignored_ops": json.dumps(self.ignored_ops, sort_keys=True),
            "params": self.params,
            "param_bytes_fp32": self.params * 4,
            "count_notes": self.notes,
        }


def count_params(model: nn.Module) -> int:
    """Exact parameter count; shared (tied) parameters count once, as torchvision does
    (``parameters()`` already yields a tied tensor once)."""
    return int(sum(p.numel() for p in model.parameters()))


def count_fvcore(model: nn.Module, inputs: tuple, list_input: bool = False
                 ) -> tuple[int, dict[str, int], dict[str, int], dict[str, int]]:
    """Trace on the CPU with fvcore and our handles.

    Returns (total MACs, MACs by operator, ignored op occurrences, uncovered op occurrences).
    """
    from fvcore.nn.jit_analysis import JitModelAnalysis

    wrapped = _Flatten(model, list_input).eval()
    analysis = JitModelAnalysis(wrapped, inputs)
    analysis.set_op_handle(**MAC_HANDLES)
    # fvcore skips its own list of "ignored" operators without counting them; we want
    # every occurrence reported, so clear it and classify them ourselves.
    analysis._ignored_ops = set()
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings("none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        total = int(analysis.total())
        by_op = {k: int(v) for k, v in analysis.by_operator().items() if v}
        unsupported = dict(analysis.unsupported_ops())
    ignored, uncovered = classify_ops(unsupported)
    return total, by_op, ignored, uncovered


def count_torch(model: nn.Module, inputs: tuple, list_input: bool = False,
                device: str = "meta") -> tuple[int, dict[str, int]]:
    """torch FlopCounterMode; returns (MACs = FLOPs / 2, MACs by op).

    On ``meta`` (the default) the model is moved there in place and no arithmetic runs.
    ``cpu`` is for models that meta cannot run (data-dependent shapes: detection's
    ``nonzero``); there, fused CPU attention would count zero, which detection models do
    not use.
    """
    from torch.utils.flop_counter import FlopCounterMode

    model = model.to(device).eval()
    for p in model.parameters():
        # some models fail under FlopCounterMode when parameters require grad
        p.requires_grad_(False)
    dev_inputs = tuple(t.to(device) if isinstance(t, torch.Tensor) else t for t in inputs)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        if list_input:
            model([t for t in dev_inputs[0]])
        else:
            model(*dev_inputs)
    by_op = {str(k): int(v) // 2 for k, v in counter.get_flop_counts().get("Global", {}).items()}
    return int(counter.get_total_flops()) // 2, by_op


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}"


def count_model(model: nn.Module, inputs: Sequence[torch.Tensor], list_input: bool = False,
                fvcore: bool = True, torch_counter: bool = True, torch_device: str | None = None
                ) -> CountResult:
    """Count one built model (on the CPU) with both counters; the model may end up on ``meta``.

    ``inputs`` are CPU tensors with batch 1. Failures of one counter are recorded in
    ``notes`` and the other counter's total is used; both failing raises.
    """
    t0 = time.perf_counter()
    inputs = tuple(inputs)
    # meta cannot run data-dependent shapes (detection's nonzero): count those on the
    # CPU, and before fvcore, while the model still has its CPU weights
    torch_device = torch_device or ("cpu" if list_input else "meta")
    params = count_params(model)
    notes: list[str] = []
    errors: list[BaseException] = []
    macs_fv = macs_t = None
    by_op: dict[str, int] = {}
    by_op_t: dict[str, int] = {}
    ignored: dict[str, int] = {}
    uncovered: dict[str, int] = {}

    def run_torch() -> None:
        nonlocal macs_t, by_op_t
        try:
            macs_t, by_op_t = count_torch(model, inputs, list_input, device=torch_device)
        except Exception as exc:  # noqa: BLE001 - any failure becomes data
            errors.append(exc)
            notes.append(f"FlopCounterMode ({torch_device}) failed: {_first_line(exc)}")

    if torch_counter and torch_device != "meta":
        run_torch()
    if fvcore:
        try:
            with torch.no_grad():
                macs_fv, by_op, ignored, uncovered = count_fvcore(model, inputs, list_input)
        except Exception as exc:  # noqa: BLE001 - any tracing failure becomes data
            errors.append(exc)
            notes.append(f"fvcore failed: {_first_line(exc)}")
    if torch_counter and torch_device == "meta":
        run_torch()  # last: it moves the model to meta
    if macs_fv is None and macs_t is None:
        raise errors[0] if errors else RuntimeError("no counter ran")
    return CountResult(macs_fvcore=macs_fv, macs_torch=macs_t, macs_by_op=by_op or by_op_t,
                       ignored_ops=ignored, uncovered_ops=uncovered, params=params,
                       notes="; ".join(notes), duration_s=time.perf_counter() - t0)
