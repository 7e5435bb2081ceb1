"""Counted compute of a language model of the zoo (source ``hf``): torch's ``FlopCounterMode`` on the
**meta device**, cross-checked against the closed form :mod:`efficiency.measure.llm_formula`.

What is counted, at batch 1 (FLOPs = 2 per multiply-add, as everywhere):

* **prefill** of :data:`PROMPT_TOKENS` tokens: a causal LM as generation runs it (an empty
  ``DynamicCache`` to fill, ``logits_to_keep=1``: logits of the last position only); a masked LM
  (BERT) with its MLM head at every position;
* one **decode step** at context 512 and 4096: the model's own code first fills its KV cache with
  ``context - 1`` tokens on meta (a prefill that is not counted; sliding-window layers keep only their
  window, as they would on a GPU), then the step of the ``context``-th token is counted. A context
  past the model's positions (GPT-2: 1024) is not counted (null, and ``count_notes`` says why);
  encoders (BERT) do not decode.

Meta tensors carry shapes and no data: nothing is allocated, so Llama 3.1 405B counts in seconds.
fvcore is not used here (see :data:`FVCORE_NOTE`). Every operator that ran is classified: counted
by the counter, a known zero-MAC operator, or *uncovered* (listed in ``uncovered_ops``, never
dropped). A counted figure that differs from the formula sets ``macs_mismatch`` and is named in
``count_notes``: for these architectures the two agree exactly, so any difference is a bug.
"""
from __future__ import annotations

import collections
import json
from dataclasses import dataclass

from typing import Any

from efficiency.measure import llm_formula
from efficiency.measure.handles import ZERO_MAC_OPS

# the prompt length language entries are counted at: efficiency.zoo.hf.PROMPT_TOKENS (a test checks
# they agree; this package may not import the zoo, which builds on it)
PROMPT_TOKENS = 512
DECODE_CONTEXTS = (512, 4096)

# operators as the dispatcher names them that do no multiply-add but are not in handles.ZERO_MAC_OPS
# (that table names TorchScript's traced operators; these are the kernels SDPA's math path and dtype
# casts reach under dispatch, seen on the 34 models of data/llm)
DISPATCH_ZERO_OPS = frozenset({"aten::_safe_softmax", "aten::_softmax", "aten::_to_copy"})

FVCORE_NOTE = ("fvcore is not used for language models: it traces on the CPU with real weights "
               "(tens of GB for the large ones), and its trace calls model(input_ids) without a KV "
               "cache or logits_to_keep, so it counts the unembedding at every position and cannot "
               "count a decode step; llm_formula's closed form is the independent cross-check")
# why the Mixtral count is the k-of-E active figure (read in transformers/integrations/moe.py, 5.17).
# The other implementations do not count on meta at all: the default (grouped_mm) refuses fp32 and
# eager's loop over the experts that received tokens calls nonzero(), which meta cannot run
MOE_NOTE = ("mixture of experts: batched_mm gathers the weights of each token's {k} routed experts "
            "(gate_up_proj[expert_ids], S = tokens x {k} pairs) and multiplies only those, so "
            "FlopCounterMode counts {k} of {n} experts per token; on meta the router's choice has no "
            "values, but the shapes, and so the count, are the same whichever experts it picks")
TRAINING_NOTE = "training_flops = 6 x params_active (embeddings included) x training_tokens"


@dataclass(frozen=True)
class Counted:
    """One counted forward: FLOPs in total and by operator, and every operator that ran."""

    flops: int
    flops_by_op: dict[str, int]
    ran: dict[str, int]        # operator -> occurrences, as it reached a kernel
    uncovered: dict[str, int]  # those of ``ran`` whose MACs nobody counted (:func:`uncovered_ops`)


def _op_name(packet) -> str:
    """``aten.mm`` (a dispatcher overload packet) -> ``aten::mm``, the name handles.py uses."""
    namespace, _, name = str(packet).partition(".")
    return f"{namespace}::{name}"


def _op_log():
    """A dispatch mode that records each operator that reaches a kernel. Entered *outside* the
    FlopCounterMode, it sees what the counter executes after its own decompositions."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class OpLog(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.ran: collections.Counter = collections.Counter()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.ran[_op_name(func._overloadpacket)] += 1
            return func(*args, **(kwargs or {}))

    return OpLog()


def run_counted(model, **inputs) -> Counted:
    """``model(**inputs)`` under FlopCounterMode (no gradients)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    log = _op_log()
    with torch.no_grad(), log, counter:
        model(**inputs)
    by_op = {_op_name(k): int(v) for k, v in counter.get_flop_counts().get("Global", {}).items() if v}
    known = {_op_name(k) for k in counter.flop_registry}
    return Counted(int(counter.get_total_flops()), by_op, dict(log.ran), uncovered_ops(log.ran, known))


def uncovered_ops(ran: dict[str, int], counted: set[str]) -> dict[str, int]:
    """Operators of ``ran`` with no formula in ``counted`` (the counter's) and no zero-MAC rule:
    their MACs are unknown."""
    known = counted | ZERO_MAC_OPS | DISPATCH_ZERO_OPS
    out = {}
    for op, n in sorted(ran.items()):
        base = op[:-1] if op.endswith("_") and not op.endswith("__") else op   # in-place variants
        if not {op, base} & known:
            out[op] = n
    return out


def _ids(tokens: int):
    import torch

    return torch.zeros(1, tokens, dtype=torch.long, device="meta")


def count_prefill(model, kind: str, prompt_len: int) -> Counted:
    """The prefill of ``prompt_len`` tokens of a ``kind`` ("causal_lm" | "masked_lm") model (see the
    module docstring)."""
    if kind == "masked_lm":
        return run_counted(model, input_ids=_ids(prompt_len))
    from transformers import DynamicCache

    # a cache to fill, as generation passes one (it also spares transformers' packed-sequence check,
    # which reads position values: impossible on meta)
    return run_counted(model, input_ids=_ids(prompt_len), use_cache=True, logits_to_keep=1,
                       past_key_values=DynamicCache(config=model.config))


def count_decode(model, context: int) -> tuple[Counted, int]:
    """One decode step at ``context`` (the ``context``-th token over ``context - 1`` cached), and the
    bf16 bytes a token adds to the cache that the model's own prefill filled."""
    import torch
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    with torch.no_grad():
        model(input_ids=_ids(context - 1), use_cache=True, logits_to_keep=1, past_key_values=cache)
    counted = run_counted(model, input_ids=_ids(1), use_cache=True, logits_to_keep=1, past_key_values=cache)
    # per layer: K and V elements over the tokens the layer keeps (a sliding layer keeps its window)
    per_token = sum((layer.keys.numel() + layer.values.numel()) // layer.keys.shape[-2]
                    for layer in cache.layers)
    return counted, 2 * per_token


@dataclass(frozen=True)
class LLMCount:
    """A language model's counted compute and the formula's, with its parameters (see the module
    docstring). FLOPs figures are the counted ones; ``formula`` holds the closed form's, by name."""

    prefill: Counted
    decode: dict[int, Counted | None]      # context -> one decode step (None: not counted)
    formula: dict[str, int | None]         # "prefill", "decode_<context>", "kv_bytes" -> closed form
    kv_bytes_per_token: int | None         # bf16, from the cache the model's own code filled
    uncovered: dict[str, int]              # over every counted forward
    breakdown: Any                          # params, params_embedding, params_active (zoo.hf.ParamBreakdown)
    training_tokens: int | None
    notes: tuple[str, ...]

    def mismatches(self) -> list[str]:
        """The figures that differ from the closed form."""
        counted = {"prefill": self.prefill.flops, "kv_bytes": self.kv_bytes_per_token,
                   **{f"decode_{c}": None if d is None else d.flops for c, d in self.decode.items()}}
        return [k for k, v in counted.items() if v != self.formula[k]]

    def to_row(self) -> dict:
        """The count row's columns (schema.COUNT_COLUMNS and schema.LLM_COUNT_COLUMNS)."""
        macs, macs_formula = self.prefill.flops // 2, self.formula["prefill"] // 2
        bad = self.mismatches()
        notes = list(self.notes) + ([f"differs from llm_formula: {', '.join(bad)}"] if bad else [])
        tokens, active = self.training_tokens, self.breakdown.params_active
        ignored = {op: n for op, n in sorted(self.prefill.ran.items())
                   if op not in self.prefill.flops_by_op and op not in self.prefill.uncovered}
        return {
            "macs": macs, "flops": 2 * macs, "macs_fvcore": None, "macs_torch": macs,
            "macs_rel_diff": abs(macs - macs_formula) / max(macs, macs_formula, 1),
            "macs_mismatch": bool(bad),
            "macs_by_op": json.dumps({k: v // 2 for k, v in self.prefill.flops_by_op.items()}, sort_keys=True),
            "uncovered_ops": json.dumps(self.uncovered, sort_keys=True),
            "ignored_ops": json.dumps(ignored, sort_keys=True),
            "params": self.breakdown.params, "param_bytes_fp32": 4 * self.breakdown.params,
            "count_notes": "; ".join(notes),
            "params_active": active, "params_embedding": self.breakdown.params_embedding,
            "weight_bytes_bf16": llm_formula.weight_bytes(self.breakdown.params, 2),
            "kv_cache_bytes_per_token_bf16": self.kv_bytes_per_token,
            f"prefill_flops_{PROMPT_TOKENS}": self.prefill.flops,
            **{f"decode_flops_per_token_{c}": None if d is None else d.flops for c, d in self.decode.items()},
            "macs_formula": macs_formula,
            "training_tokens": None if tokens is None else float(tokens),
            "training_flops": None if tokens is None else float(llm_formula.training_flops(active, tokens)),
        }


def count_decodes(model, shape: llm_formula.LMShape, contexts) -> tuple[dict, int | None, list[str]]:
    """The decode step at each context the model can reach, the bf16 KV bytes a token adds, notes."""
    if shape.is_encoder:
        return ({c: None for c in contexts}, None,
                ["an encoder (masked LM): no decode step and no KV cache; its MLM head runs at every position"])
    decode, kv, notes = {}, None, []
    for c in contexts:
        if c > shape.max_positions:
            decode[c] = None
            notes.append(f"decode at context {c}: not counted, the model has {shape.max_positions} positions")
            continue
        decode[c], kv_bytes = count_decode(model, c)
        kv = kv if kv is not None else kv_bytes
    return decode, kv, notes


def formula_figures(shape: llm_formula.LMShape, prompt_len: int, contexts) -> dict[str, int | None]:
    reach = {c: not shape.is_encoder and c <= shape.max_positions for c in contexts}
    return {"prefill": llm_formula.prefill_flops(shape, prompt_len),
            "kv_bytes": None if shape.is_encoder else llm_formula.kv_cache_bytes_per_token(shape, 2),
            **{f"decode_{c}": llm_formula.decode_flops_per_token(shape, c) if ok else None
               for c, ok in reach.items()}}
