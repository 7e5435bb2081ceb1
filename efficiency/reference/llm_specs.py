"""The shipped hyperparameters of the zoo's language models, ``data/llm/<name>.json`` (JSON only: no torch,
no transformers), read and checked. Reference data: the zoo builds from it (:mod:`efficiency.zoo.hf`) and
the dashboard reads it (cards, papers) without reaching the zoo. ``data/llm/README.md`` describes the format.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from efficiency import paths

SPECS = paths.DATA / "llm"
SOURCE = "hf"
TASK = "language"
KINDS = ("causal_lm", "masked_lm")
# the prompt length every language entry is counted and timed at: input_size is (PROMPT_TOKENS,)
PROMPT_TOKENS = 512
# transformers' mixture-of-experts default loops over the experts that received tokens, which on the
# meta device is none of them, so it would count zero expert FLOPs; batched_mm runs every routed
# expert as a batched matmul and is counted (transformers/integrations/moe.py, 5.x)
EXPERTS_IMPLEMENTATION = "batched_mm"


class LLMSpecError(ValueError):
    """A ``data/llm/<name>.json`` file is malformed; the message names the file."""


@dataclass(frozen=True)
class LLMSpec:
    """One language model: the published config that builds it and the published numbers it must
    reproduce, each with the address it was read at."""

    name: str
    hf_repo: str
    kind: str                         # a KINDS value
    family: str
    config: Mapping[str, Any] = field(hash=False)
    config_source: str
    published_params: int
    published_params_source: str
    published_params_quote: str
    params_tolerance: float           # relative
    training_tokens: int | None
    training_tokens_source: str
    training_tokens_quote: str
    paper: str                        # arXiv abstract URL of the model's paper, "" if none
    notes: str
    seed_paper: str = ""              # exact data/paper_claims.csv title when a seed paper is about it
    # what published_params counts: "total"; "non_embedding" where the source (Gemma 2's paper)
    # splits the count and the non-embedding part is the exact figure; "checkpoint_gpt2" where the
    # Hub's safetensors count also holds GPT-2's stored causal masks (one n_positions^2 buffer a layer)
    published_params_scope: str = "total"
    # where a source above is not the canonical address (the model's own card, its paper, the vendor's
    # page): which copy was read and which canonical address could not be (AUDIT2 D7)
    source_note: str = ""
    path: Path = field(default=Path(), compare=False)

    @property
    def is_moe(self) -> bool:
        return int(self.config.get("num_local_experts") or 0) > 1


# key -> accepted JSON types (bool is not an int here: a "true" count is a typo, not a number)
_REQUIRED: dict[str, tuple[type, ...]] = {
    "name": (str,), "hf_repo": (str,), "kind": (str,), "family": (str,), "config": (dict,),
    "config_source": (str,), "published_params": (int,), "published_params_source": (str,),
    "published_params_quote": (str,), "params_tolerance": (float, int),
    "training_tokens": (int, type(None)), "training_tokens_source": (str,),
    "training_tokens_quote": (str,), "paper": (str,), "notes": (str,),
}
_OPTIONAL: dict[str, tuple[type, ...]] = {"seed_paper": (str,), "published_params_scope": (str,),
                                          "source_note": (str,)}
SCOPES = ("total", "non_embedding", "checkpoint_gpt2")


def spec_paths(folder: Path = SPECS) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _check_types(doc: dict, path: Path) -> None:
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise LLMSpecError(f"{path}: missing key(s) {', '.join(missing)}")
    unknown = sorted(set(doc) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise LLMSpecError(f"{path}: unknown key(s) {', '.join(unknown)}")
    for key, types in {**_REQUIRED, **_OPTIONAL}.items():
        if key not in doc:
            continue
        value = doc[key]
        if isinstance(value, bool) or not isinstance(value, types):
            want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise LLMSpecError(f"{path}: {key!r} must be {want}, not {type(value).__name__} ({value!r})")


def _check_values(doc: dict, path: Path) -> None:
    def bad(msg: str) -> LLMSpecError:
        return LLMSpecError(f"{path}: {msg}")

    if doc["name"] != path.stem:
        raise bad(f"name {doc['name']!r} differs from the file name {path.stem!r}")
    if doc["kind"] not in KINDS:
        raise bad(f"kind {doc['kind']!r} is not one of {KINDS}")
    if not isinstance(doc["config"].get("model_type"), str):
        raise bad("config has no model_type")
    if doc.get("published_params_scope", "total") not in SCOPES:
        raise bad(f"published_params_scope {doc['published_params_scope']!r} is not one of {SCOPES}")
    if doc["published_params"] <= 0:
        raise bad("published_params must be positive")
    tol = float(doc["params_tolerance"])
    if not (math.isfinite(tol) and 0 < tol < 1):
        raise bad(f"params_tolerance {tol} is not a fraction in (0, 1)")
    for key in ("config_source", "published_params_source"):
        if not doc[key].startswith("https://"):
            raise bad(f"{key} {doc[key]!r} is not an https:// address")
    if not doc["published_params_quote"].strip():
        raise bad("published_params_quote is empty: quote what the source says")
    if doc["training_tokens"] is not None:
        if doc["training_tokens"] <= 0 or not doc["training_tokens_source"].startswith("https://"):
            raise bad("training_tokens needs a positive value and an https:// training_tokens_source")
    if doc["paper"] and not doc["paper"].startswith("https://arxiv.org/abs/"):
        raise bad(f"paper {doc['paper']!r} is not an arXiv abstract address")


def read_spec(path: Path) -> LLMSpec:
    """One model's spec, checked; a malformed file raises :class:`LLMSpecError` naming it."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise LLMSpecError(f"{path}: cannot read it as JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise LLMSpecError(f"{path}: the top level must be a JSON object")
    _check_types(doc, path)
    _check_values(doc, path)
    return LLMSpec(**{**doc, "params_tolerance": float(doc["params_tolerance"])}, path=Path(path))


def load_spec(name: str, folder: Path = SPECS) -> LLMSpec:
    """The spec of ``name`` (``llama-3.1-8b`` or the zoo id ``hf/llama-3.1-8b``)."""
    stem = name.removeprefix(f"{SOURCE}/")
    path = folder / f"{stem}.json"
    if not path.exists():
        known = ", ".join(p.stem for p in spec_paths(folder)) or "none"
        raise LLMSpecError(f"no language model {stem!r}: {path} does not exist (known: {known})")
    return read_spec(path)


def load_specs(folder: Path = SPECS) -> list[LLMSpec]:
    return [read_spec(p) for p in spec_paths(folder)]


def hf_id(name: str) -> str:
    return f"{SOURCE}/{name}"
