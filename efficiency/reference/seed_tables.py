"""The seed papers' tables, ``data/seed/<paper>.csv`` (csv only, no torch): what each paper says of each
variant of its architecture, read and checked. Reference data: the zoo builds the variants from them
(:mod:`efficiency.zoo.seed`, which also checks the input sizes) and the claims page reads them without
reaching the zoo.

One module per paper (``efficiency/zoo/seed/<paper>.py``, imports torch) holds the architecture,
written from the paper, with one builder function per variant. One table per paper
(``data/seed/<paper>.csv``, read here without torch) lists the variants the paper's tables give and
what the paper says of each, with the URL and the table every number comes from:

=====================  =====================================================================
column                 meaning
=====================  =====================================================================
variant                our name of the variant, unique within the paper (``cswin_t``)
builder                function in ``efficiency.zoo.seed.<paper>`` returning the ``nn.Module``
task                   ``classification`` | ``detection`` | ``video`` | ...
input_size             per sample, ``3x224x224`` (the paper's input size for its figures)
paper_title            the exact title as in ``data/paper_claims.csv``
arxiv                  arXiv id of the paper (``2107.00652``)
paper_params_m         parameters in millions, as the paper's table prints it; "" only where
                       ``params_gap_reason`` says why the paper's count is missing (its table
                       could not be read): the check is then not measurable, never "holds"
paper_compute          compute as the paper's table prints it (a number, "" when none)
paper_compute_unit     ``GFLOPs`` | ``MFLOPs`` | ``GMACs`` | ``MMACs`` (the unit word printed)
paper_convention       a ``efficiency.reference.papers.COMPUTE_CONVENTIONS`` value: what the
                       printed number counts (``macs_called_flops`` when "FLOPs" are multiply-adds)
paper_top1             claimed ImageNet-1k top-1 (%) or the task's headline metric, "" if none
paper_metric           ``top1`` | ``box_ap`` | ``map50_95`` | ... (what ``paper_top1`` is)
source_url             the address a reader follows to see the row's figures: where its claimed
                       compute and accuracy (or, with neither, its parameter count) were read: the
                       arXiv abstract, or the authors' README / model card / file the ``table``
                       text names first (:func:`figure_address`); the paper's own page is ``arxiv``
table                  where in the paper (``Table 2``) or the quote; a parameter count or layer
                       list read elsewhere is named in a ``; params:`` / ``; layers:`` clause
paper_params_scope     what ``paper_params_m`` counts: ``parameters`` (trainable tensors, as
                       ``model.parameters()``) or ``state_dict`` (every stored tensor, buffers such
                       as BatchNorm running statistics included: a Hub card's "model size")
params_gap_reason      why our count, in that scope, differs from ``paper_params_m`` by more than
                       2 % plus the printed rounding; "" when it agrees (checked both ways): a
                       disagreement found and explained, shown beside the claim, never tuned away;
                       where ``paper_params_m`` is "", why the paper gives no figure to check
compute_gap_reason     why our count differs from ``paper_compute`` by more than 5 % in the
                       paper's convention (convention, what the paper leaves out, input size);
                       "" when it agrees (``tests/test_seed.py`` checks both ways)
note                   anything a reader must know (a size the paper leaves ambiguous, ...)
=====================  =====================================================================

Ids are ``seed/<paper>.<variant>@<input size>`` (:func:`efficiency.zoo.ids.seed_id`).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from efficiency import paths

TABLES = paths.DATA / "seed"

TABLE_COLUMNS = [
    "variant", "builder", "task", "input_size", "paper_title", "arxiv", "paper_params_m",
    "paper_compute", "paper_compute_unit", "paper_convention", "paper_top1", "paper_metric",
    "source_url", "table", "paper_params_scope", "params_gap_reason", "compute_gap_reason", "note",
]
PARAMS_SCOPES = ("parameters", "state_dict")

# the unit words a paper prints -> (scale, what is counted); the convention column says whether
# the paper's "FLOPs" are multiply-adds
UNITS = {"GFLOPs": 1e9, "MFLOPs": 1e6, "GMACs": 1e9, "MMACs": 1e6}


def paper_macs(row: dict[str, str]) -> float | None:
    """The paper's compute figure as multiply-adds per sample, or None when the paper gives none
    or its convention cannot be decided."""
    if not row["paper_compute"]:
        return None
    value = float(row["paper_compute"]) * UNITS[row["paper_compute_unit"]]
    if row["paper_compute_unit"].endswith("MACs") or row["paper_convention"] == "macs_called_flops":
        return value
    if row["paper_convention"] == "true_flops":
        return value / 2
    return None


def params_tolerance(printed: str, relative: float = 0.02) -> float:
    """The largest difference (in the printed unit) a count may have from a printed figure: 2 % of it,
    or half a unit of its last printed digit when that is wider ("1.4" stands for 1.35 to 1.45)."""
    decimals = len(printed.partition(".")[2])
    return max(relative * float(printed), 0.5 * 10 ** -decimals)


_ADDRESS = re.compile(r"(?:https?://)?(?:github\.com|huggingface\.co|arxiv\.org)/[^\s,;()'\"]+")
# the clauses of a ``table`` text that name where the parameter count or the layer list was read,
# not the row's claimed figures
_SIDE_CLAUSE = re.compile(r";\s*(?:params|layers)\b[^:;]*:")


def figure_address(table: str) -> str:
    """The first address the ``table`` text names for the row's claimed figures (``https://`` added,
    trailing punctuation dropped), read before any ``; params:`` or ``; layers:`` clause; "" when
    it names none there (the figures are then in the arXiv abstract)."""
    head = _SIDE_CLAUSE.split(table, maxsplit=1)[0]
    match = _ADDRESS.search(head)
    if not match:
        return ""
    url = match.group(0).rstrip(":.")
    return url if url.startswith("http") else "https://" + url


def paper_params(row: dict[str, str]) -> float | None:
    """The paper's parameter count in millions, or None where the table leaves it empty (allowed
    only with a ``params_gap_reason`` saying why: :func:`read_table` refuses it otherwise)."""
    return float(row["paper_params_m"]) if row["paper_params_m"].strip() else None


def _params_problem(row: dict[str, str]) -> str:
    """Why a row's ``paper_params_m`` is not acceptable, or "" when it is: a positive number, or
    empty with a ``params_gap_reason`` saying why the paper gives none."""
    printed = row["paper_params_m"].strip()
    if not printed:
        return "" if row["params_gap_reason"].strip() else \
            "paper_params_m is empty: give the paper's count, or say why there is none in params_gap_reason"
    try:
        return "" if float(printed) > 0 else f"paper_params_m {printed!r} is not a positive number"
    except ValueError:
        return f"paper_params_m {printed!r} is not a number"


class SeedTableError(ValueError):
    """A ``data/seed/<paper>.csv`` table is malformed; the message names the file and row."""


def table_paths(folder: Path = TABLES) -> list[Path]:
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of one paper's table, checked for the columns and the input size."""
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in TABLE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SeedTableError(f"{path}: missing columns {missing}")
        rows = list(reader)
    for n, row in enumerate(rows, start=2):
        if row["paper_params_scope"] not in PARAMS_SCOPES:
            raise SeedTableError(f"{path}:{n}: paper_params_scope {row['paper_params_scope']!r} "
                                 f"is not one of {PARAMS_SCOPES}")
        if not row["variant"] or not row["builder"]:
            raise SeedTableError(f"{path}:{n}: variant and builder are required")
        problem = _params_problem(row)
        if problem:
            raise SeedTableError(f"{path}:{n}: {problem}")
        if row["paper_compute"] and row["paper_compute_unit"] not in UNITS:
            raise SeedTableError(f"{path}:{n}: paper_compute_unit {row['paper_compute_unit']!r} "
                                 f"is not one of {sorted(UNITS)}")
    return rows


def model_id(paper: str, row: dict[str, str]) -> str:
    """The zoo id of a table row, ``seed/<paper>.<variant>@<input size>``, without importing the zoo (the
    dashboard may not): the rule of :func:`efficiency.zoo.ids.seed_id`, which tests/test_seed.py checks
    gives the same id for every shipped row."""
    dims = row["input_size"].replace(",", "x").split("x")
    return f"seed/{paper}.{row['variant']}@{'x'.join(str(int(d)) for d in dims)}"
