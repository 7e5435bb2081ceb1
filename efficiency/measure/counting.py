"""MAC counting with two independent counters.

Convention (fvcore, timm, torchvision): one multiply-add counts as one MAC; the cache
stores ``macs`` and derives ``flops = 2 * macs``.

1. **fvcore** ``JitModelAnalysis`` (TorchScript trace on real CPU tensors) with *our*
   handle table (:mod:`efficiency.measure.handles`): every traced operator is counted by a
   handle, explicitly zero (its occurrences stored in ``ignored_ops``), or *uncovered* (stored
   with its occurrences in ``uncovered_ops``), so nothing is silently dropped.
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
from typing import Sequence

import torch
from torch import nn

from efficiency.measure.handles import MAC_HANDLES, ZeroOps, classify_ops
from efficiency.measure.errors import error_text
from efficiency.store import schema

COUNTER_VERSION = schema.COUNTER_VERSION   # see there
MISMATCH_TOLERANCE = 0.01
ERROR_NOTE_LIMIT = 320   # a counter's failure in count_notes: type plus the first 300 characters

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
    # fvcore skips its own list of "ignored" operators without reporting them; we want every
    # occurrence recorded. A handle wins over fvcore's ignore list (both are looked up per node,
    # handles first), so every zero-MAC operator gets a handle that counts its occurrences and
    # returns 0. fvcore's list is a subset of ZERO_MAC_OPS (tests/test_counting.py checks it).
    zero = ZeroOps()
    analysis.set_op_handle(**zero.handles())
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings("none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        total = int(analysis.total())
        by_op = {k: int(v) for k, v in analysis.by_operator().items() if v}
        unsupported = dict(analysis.unsupported_ops())
    ignored, uncovered = classify_ops(unsupported)
    for op, n in zero.occurrences.items():
        ignored[op] = ignored.get(op, 0) + n
    return total, by_op, dict(sorted(ignored.items())), uncovered


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
            notes.append(f"FlopCounterMode ({torch_device}) failed: {error_text(exc, first_line=True, limit=ERROR_NOTE_LIMIT)}")

    if torch_counter and torch_device != "meta":
        run_torch()
    if fvcore:
        try:
            with torch.no_grad():
                macs_fv, by_op, ignored, uncovered = count_fvcore(model, inputs, list_input)
        except Exception as exc:  # noqa: BLE001 - any tracing failure becomes data
            errors.append(exc)
            notes.append(f"fvcore failed: {error_text(exc, first_line=True, limit=ERROR_NOTE_LIMIT)}")
    if torch_counter and torch_device == "meta":
        run_torch()  # last: it moves the model to meta
    if macs_fv is None and macs_t is None:
        raise errors[0] if errors else RuntimeError("no counter ran")
    return CountResult(macs_fvcore=macs_fv, macs_torch=macs_t, macs_by_op=by_op or by_op_t,
                       ignored_ops=ignored, uncovered_ops=uncovered, params=params,
                       notes="; ".join(notes), duration_s=time.perf_counter() - t0)
