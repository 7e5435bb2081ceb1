"""Language models of the zoo counted for the refresh: build the spec on the meta device
(:mod:`efficiency.zoo.hf`) and count it (:mod:`efficiency.measure.llm_count`, FlopCounterMode cross-checked
against :mod:`efficiency.measure.llm_formula`). The glue lives here because the measuring package may
not import the zoo that builds on it."""
from __future__ import annotations

import collections

from efficiency.measure import llm_formula
from efficiency.measure.llm_count import (DECODE_CONTEXTS, FVCORE_NOTE, MOE_NOTE, PROMPT_TOKENS, TRAINING_NOTE,
                                          LLMCount, count_decodes, formula_figures, count_prefill)
from efficiency.zoo import hf
from efficiency.zoo.registry import ZooEntry


def count_spec(spec: hf.LLMSpec, prompt_len: int = PROMPT_TOKENS, contexts=DECODE_CONTEXTS) -> LLMCount:
    """Build ``spec`` on meta and count it (see the module docstring). An architecture the closed
    form does not know raises before anything is built."""
    # the formula reads the built config (defaults resolved as transformers resolves them), but it
    # must know the model_type: checked on the spec first, so a bad spec fails before the build
    llm_formula.shape_from_config(spec.config, head=spec.kind)
    model = hf.build_spec(spec, device="meta")
    shape = llm_formula.shape_from_config(model.config.to_dict(), head=spec.kind)
    prefill = count_prefill(model, spec.kind, prompt_len)
    decode, kv, notes = count_decodes(model, shape, contexts)
    uncovered = collections.Counter(prefill.uncovered)
    for d in decode.values():
        uncovered.update(d.uncovered if d is not None else {})
    notes = [f"FlopCounterMode on the meta device: prefill of {prompt_len} tokens at batch 1"
             + ("" if spec.kind == "masked_lm" else " (logits of the last position only)")
             + ", decode steps after the model's own meta prefill fills its KV cache", FVCORE_NOTE, *notes]
    if spec.is_moe:
        notes.append(MOE_NOTE.format(k=shape.experts_per_token, n=shape.experts))
    notes.append(TRAINING_NOTE if spec.training_tokens is not None
                 else "training_flops: the spec has no training_tokens")
    return LLMCount(prefill=prefill, decode=decode, formula=formula_figures(shape, prompt_len, contexts),
                    kv_bytes_per_token=kv, uncovered=dict(sorted(uncovered.items())),
                    breakdown=hf.param_breakdown(model, spec), training_tokens=spec.training_tokens,
                    notes=tuple(notes))


def count_entry(entry: ZooEntry) -> dict:
    """The count-row columns of a zoo entry of source ``hf`` (its spec read from data/llm)."""
    if entry.source != hf.SOURCE:
        raise ValueError(f"{entry.id} is not a language model of the zoo (source {entry.source!r})")
    if tuple(entry.input_size) != (PROMPT_TOKENS,):
        raise ValueError(f"{entry.id}: language models are counted at a {PROMPT_TOKENS}-token prompt, "
                         f"not input_size {entry.input_size}")
    require_transformers()
    return count_spec(hf.load_spec(entry.name)).to_row()


MISSING_TRANSFORMERS = ("language models are built with the transformers package, which is not installed "
                        "here: pip install transformers==5.17.0 (as requirements.txt pins it); vision models "
                        "do not need it")


def require_transformers() -> None:
    """Raise a clear error (the model's error row) where transformers is missing: the rest of a refresh
    (every vision model) runs on."""
    import importlib.util

    if importlib.util.find_spec("transformers") is None:
        raise ModuleNotFoundError(MISSING_TRANSFORMERS)
