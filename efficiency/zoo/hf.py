"""The hf source: language models built with ``transformers`` from hyperparameters shipped in
``data/llm/<name>.json`` (nothing is downloaded; the hub is never contacted).

One JSON file per model holds the published ``config.json`` fields that build it, the address they
were read at, the published parameter total with its source and quote (the test suite builds every
model on the meta device and checks its total against it: a wrong hyperparameter shows up there),
and the training tokens with their source. ``data/llm/README.md`` describes the format.

Listing (:func:`entries`, :func:`load_spec`) reads JSON only: no torch, no transformers. Building
(:func:`create`) and counting (:func:`param_breakdown`) import both. Ids are ``hf/<name>``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# the specs are reference data (torch-free, also read by the dashboard): efficiency.reference.llm_specs
from efficiency.reference.llm_specs import (EXPERTS_IMPLEMENTATION, KINDS, PROMPT_TOKENS, SCOPES, SOURCE,
                                            SPECS, TASK, LLMSpec, LLMSpecError, hf_id, load_spec, load_specs,
                                            read_spec, spec_paths)
from efficiency.zoo.registry import ZooEntry

__all__ = ["EXPERTS_IMPLEMENTATION", "KINDS", "PROMPT_TOKENS", "SCOPES", "SOURCE", "SPECS", "TASK", "LLMSpec",
           "LLMSpecError", "hf_id", "load_spec", "load_specs", "read_spec", "spec_paths", "entries", "build_kwargs",
           "build_spec", "create", "ParamBreakdown", "param_breakdown", "published_comparable"]


def entries(folder: Path = SPECS) -> list[ZooEntry]:
    """One zoo entry per spec file, at the prompt length :data:`PROMPT_TOKENS` (no torch)."""
    return [ZooEntry(id=hf_id(s.name), source=SOURCE, name=s.name, arch=s.name, weights="", task=TASK,
                     family=s.family, input_size=(PROMPT_TOKENS,), paper=s.seed_paper)
            for s in load_specs(folder)]


# --------------------------------------------------------------------------- building (torch)


def build_kwargs(spec: LLMSpec) -> dict[str, str]:
    """from_config options: SDPA attention, and for mixture-of-experts an implementation whose
    expert matmuls run (and are counted) on the meta device."""
    kwargs = {"attn_implementation": "sdpa"}
    if spec.is_moe:
        kwargs["experts_implementation"] = EXPERTS_IMPLEMENTATION
    return kwargs


def build_spec(spec: LLMSpec, device: str = "meta"):
    """The model of ``spec`` with random (on meta: no) weights, in eval mode."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM

    config = AutoConfig.for_model(**dict(spec.config))
    auto = AutoModelForMaskedLM if spec.kind == "masked_lm" else AutoModelForCausalLM
    with torch.device(device):
        model = auto.from_config(config, **build_kwargs(spec))
    return model.eval()


def create(entry: ZooEntry, device: str = "meta"):
    """The architecture of a zoo entry of this source (meta device by default: nothing allocated)."""
    return build_spec(load_spec(entry.name), device=device)


@dataclass(frozen=True)
class ParamBreakdown:
    params: int            # every distinct parameter (tied embeddings once)
    params_embedding: int  # nn.Embedding tables (tokens, positions, token types) + untied unembedding
    params_active: int     # used per token: MoE experts at experts_per_tok / num_local_experts


def _expert_params(model, spec: LLMSpec) -> int:
    """Parameters of the routed experts: tensors of an ``*Experts`` module whose leading dimension
    is the expert count. A MoE spec whose model shows none raises (never a silent zero)."""
    n_experts = int(spec.config["num_local_experts"])
    total = 0
    for module in model.modules():
        if type(module).__name__.endswith("Experts"):
            for p in module.parameters(recurse=False):
                if p.dim() >= 1 and p.shape[0] == n_experts:
                    total += p.numel()
    if total == 0:
        raise ValueError(f"{spec.path}: a mixture-of-experts config but no expert tensors were found")
    return total


def param_breakdown(model, spec: LLMSpec) -> ParamBreakdown:
    """Total, embedding and per-token active parameters of a model built by :func:`build_spec`."""
    from torch import nn

    params = sum(p.numel() for p in model.parameters())   # parameters() yields a tied tensor once
    seen: set[int] = set()
    embedding = 0
    for module in model.modules():
        if isinstance(module, nn.Embedding) and id(module.weight) not in seen:
            seen.add(id(module.weight))
            embedding += module.weight.numel()
    head = model.get_output_embeddings()
    if head is not None:
        for p in head.parameters():
            if id(p) not in seen:       # an untied unembedding (and its bias, where it has one)
                seen.add(id(p))
                embedding += p.numel()
    active = params
    if spec.is_moe:
        experts = _expert_params(model, spec)
        k, n = int(spec.config["num_experts_per_tok"]), int(spec.config["num_local_experts"])
        active = params - experts + experts * k // n
    return ParamBreakdown(params=params, params_embedding=embedding, params_active=active)


def published_comparable(breakdown: ParamBreakdown, spec: LLMSpec) -> int:
    """Our count in the scope the published figure counts (total or non-embedding)."""
    if spec.published_params_scope == "non_embedding":
        return breakdown.params - breakdown.params_embedding
    if spec.published_params_scope == "checkpoint_gpt2":
        # GPT-2 checkpoints store each layer's causal mask ("attn.bias", n_positions x n_positions)
        # and the Hub counts it; transformers no longer keeps it, so add it back to compare
        return breakdown.params + spec.config["n_layer"] * spec.config["n_positions"] ** 2
    return breakdown.params
