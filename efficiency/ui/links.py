"""Links out of the dashboard for one zoo entry, built only from the entry's own row (no torch, no
Streamlit, nothing fetched): the Hugging Face card of timm weights, torchvision's documentation page
of the builder, the arXiv page of the seed paper, and the source file where the row names it.

Where each URL pattern comes from (checked, not guessed):

* timm publishes every pretrained tag as the hub repo ``timm/<arch>.<tag>``, the id of timm's
  results table (the card of ``resnet50.a1_in1k`` is https://huggingface.co/timm/resnet50.a1_in1k).
* torchvision's docs are built by Sphinx autosummary into ``models/generated/<qualified name>.html``,
  e.g. ``torchvision.models.resnet50.html`` and ``torchvision.models.detection.fasterrcnn_resnet50_fpn
  _v2.html`` (pytorch.org/vision/{stable,0.13}/models/generated/...; the docs now live under
  docs.pytorch.org/vision). The qualified name is the builder in its ``torchvision.models``
  subpackage, which the row's task determines (the zoo lists builders per subpackage).
* arXiv ids of the seed papers: :data:`efficiency.reference.papers.PAPER_ARXIV`, the only papers a
  zoo row names.
* Source files: the rows carry no module name (timm's ``resnet50`` lives in ``resnet.py`` but
  ``vit_base_patch16_224`` in ``vision_transformer.py``; no rule maps one to the other), so a source
  link is made only from a fully qualified ``module`` field (``timm.models.resnet``, what the zoo
  would record as the builder's ``__module__``) when a row has one, and is otherwise left out.

* Language models (source ``hf``): the Hub card of the repo their spec names (``data/llm/<name>.json``
  ``hf_repo``, e.g. https://huggingface.co/meta-llama/Llama-3.1-8B) and their paper's arXiv page
  (the spec's ``paper``). Seed architectures: their paper's arXiv page (our implementation has no
  public page of its own).

Custom models get no links: their code is the user's own.
"""
from __future__ import annotations

import functools
import math
import re
from typing import Mapping
from urllib.parse import quote

from efficiency.reference.papers import PAPER_ARXIV
from efficiency.vocab import TORCHVISION_SUBPACKAGES

__all__ = ["model_links", "LABELS"]

HUB = "https://huggingface.co/"
HF_CARD = HUB + "timm/{repo}"
TV_DOCS = "https://docs.pytorch.org/vision/main/models/generated/torchvision.models.{name}.html"
ARXIV = "https://arxiv.org/abs/{id}"
TIMM_SOURCE = "https://github.com/huggingface/pytorch-image-models/blob/main/timm/models/{path}.py"
TV_SOURCE = "https://github.com/pytorch/vision/blob/main/torchvision/models/{path}.py"

# link kinds in display order; model_links' keys are these labels
LABELS = {"card": "Model card", "docs": "Documentation", "paper": "Paper (arXiv)", "source": "Source"}

# zoo task -> torchvision.models subpackage of its builders (the zoo lists builders by subpackage)
TV_SUBPACKAGE = {task: sub for sub, task in TORCHVISION_SUBPACKAGES.items()}


_ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")
# a module path as Python writes it (dotted identifiers), never a URL or a path with ".."
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _text(row: Mapping, key: str) -> str:
    """``row[key]`` as stripped text; missing, None and NaN are "" (rows come from parquet)."""
    v = row.get(key) if hasattr(row, "get") else None
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v).strip()


def _segment(text: str) -> str:
    """``text`` percent-escaped as one URL path segment (a ``/`` or space cannot split or break it)."""
    return quote(text, safe="")


def _source_path(module: str, package: str) -> str | None:
    """A fully qualified ``module`` of ``package`` ("timm.models.resnet") as the file path below the
    package ("resnet", "detection/faster_rcnn"); None for anything else (a bare or foreign name would
    be a guess about where the file is)."""
    prefix = package + "."
    if not _MODULE.match(module) or not module.startswith(prefix):
        return None
    return module[len(prefix):].replace(".", "/")


def _timm_links(arch: str, weights: str, module: str) -> dict[str, str]:
    out = {}
    if weights:   # the hub repo is per pretrained tag; without one there is no card to point at
        out[LABELS["card"]] = HF_CARD.format(repo=_segment(f"{arch}.{weights}"))
    path = _source_path(module, "timm.models")
    if path:
        out[LABELS["source"]] = TIMM_SOURCE.format(path=quote(path, safe="/"))
    return out


def _torchvision_links(arch: str, task: str, module: str) -> dict[str, str]:
    out = {}
    sub = TV_SUBPACKAGE.get(task)
    if sub is not None:
        name = f"{sub}.{arch}" if sub else arch
        out[LABELS["docs"]] = TV_DOCS.format(name=_segment(name))
    path = _source_path(module, "torchvision.models")
    if path:
        out[LABELS["source"]] = TV_SOURCE.format(path=quote(path, safe="/"))
    return out


def _hf_links(name: str) -> tuple[dict[str, str], str]:
    """(card link, arXiv id) of a language model, from its shipped spec; none for an unknown name."""
    from efficiency.reference.llm_specs import LLMSpecError, load_spec

    try:
        spec = load_spec(name)
    except LLMSpecError:
        return {}, ""
    out = {LABELS["card"]: HUB + "/".join(quote(part, safe="") for part in spec.hf_repo.split("/"))}
    return out, spec.paper.removeprefix("https://arxiv.org/abs/")


@functools.lru_cache(maxsize=None)   # the tables are read once per process, not once per point
def _seed_arxiv(title: str) -> str:
    """The arXiv id a seed table (data/seed/<paper>.csv) gives for the paper ``title``."""
    from efficiency.reference import seed_tables

    for path in seed_tables.table_paths():
        for r in seed_tables.read_table(path):
            if r["paper_title"] == title:
                return r["arxiv"]
    return ""


def model_links(row: Mapping) -> dict[str, str]:
    """Label -> URL for one zoo row (a results/points row or any mapping with ``source``, ``arch``,
    ``weights``, ``task``, ``paper`` and optionally ``module``). Custom models and rows without an
    arch get ``{}``; a link whose parts the row lacks is left out rather than guessed."""
    source, arch = _text(row, "source"), _text(row, "arch")
    if source not in ("timm", "torchvision", "seed", "hf") or not arch:
        return {}
    module = _text(row, "module")
    arxiv_id = PAPER_ARXIV.get(_text(row, "paper"), "")
    if source == "timm":
        out = _timm_links(arch, _text(row, "weights"), module)
    elif source == "torchvision":
        out = _torchvision_links(arch, _text(row, "task"), module)
    elif source == "hf":
        out, arxiv_id = _hf_links(arch)
    else:
        out = {}
        arxiv_id = arxiv_id or _seed_arxiv(_text(row, "paper"))
    if _ARXIV_ID.match(arxiv_id):
        out[LABELS["paper"]] = ARXIV.format(id=arxiv_id)
    return {label: out[label] for label in LABELS.values() if label in out}
