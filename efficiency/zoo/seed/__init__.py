"""The seed source: our own implementations of the seed papers' architectures that no library has.

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
paper_params_m         parameters in millions, as the paper's table prints it
paper_compute          compute as the paper's table prints it (a number, "" when none)
paper_compute_unit     ``GFLOPs`` | ``MFLOPs`` | ``GMACs`` | ``MMACs`` (the unit word printed)
paper_convention       a ``efficiency.reference.papers.COMPUTE_CONVENTIONS`` value: what the
                       printed number counts (``macs_called_flops`` when "FLOPs" are multiply-adds)
paper_top1             claimed ImageNet-1k top-1 (%) or the task's headline metric, "" if none
paper_metric           ``top1`` | ``box_ap`` | ``map50_95`` | ... (what ``paper_top1`` is)
source_url             canonical address the numbers were read at (the arXiv abstract/HTML page)
table                  where in the paper (``Table 2``) or the quote
compute_gap_reason     why our count differs from ``paper_compute`` by more than 5 % in the
                       paper's convention (convention, what the paper leaves out, input size);
                       "" when it agrees (``tests/test_seed.py`` checks both ways)
note                   anything a reader must know (a size the paper leaves ambiguous, ...)
=====================  =====================================================================

Ids are ``seed/<paper>.<variant>@<input size>`` (:func:`efficiency.zoo.ids.seed_id`).
"""
from __future__ import annotations

import csv
import importlib
from pathlib import Path

from efficiency import paths
from efficiency.zoo import ids
from efficiency.zoo.registry import ZooEntry

TABLES = paths.DATA / "seed"

TABLE_COLUMNS = [
    "variant", "builder", "task", "input_size", "paper_title", "arxiv", "paper_params_m",
    "paper_compute", "paper_compute_unit", "paper_convention", "paper_top1", "paper_metric",
    "source_url", "table", "compute_gap_reason", "note",
]

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
        try:
            ids.parse_input_size(row["input_size"])
        except ValueError as exc:
            raise SeedTableError(f"{path}:{n}: {exc}") from None
        if not row["variant"] or not row["builder"]:
            raise SeedTableError(f"{path}:{n}: variant and builder are required")
        if row["paper_compute"] and row["paper_compute_unit"] not in UNITS:
            raise SeedTableError(f"{path}:{n}: paper_compute_unit {row['paper_compute_unit']!r} "
                                 f"is not one of {sorted(UNITS)}")
    return rows


def entries(folder: Path = TABLES) -> list[ZooEntry]:
    """One entry per row of every paper's table."""
    out = []
    for path in table_paths(folder):
        paper = path.stem
        for row in read_table(path):
            shape = ids.parse_input_size(row["input_size"])
            out.append(ZooEntry(
                id=ids.seed_id(paper, row["variant"], shape), source="seed",
                name=f"{paper}.{row['variant']}", arch=row["variant"], weights="",
                task=row["task"] or "classification", family=paper, input_size=shape,
                paper=row["paper_title"],
            ))
    return out


def create(entry: ZooEntry):
    """Build the variant: ``efficiency.zoo.seed.<paper>.<builder>()`` (random init, no weights)."""
    paper, _, variant = entry.name.partition(".")
    rows = {r["variant"]: r for r in read_table(TABLES / f"{paper}.csv")}
    if variant not in rows:
        raise LookupError(f"seed table data/seed/{paper}.csv has no variant {variant!r}")
    module = importlib.import_module(f"efficiency.zoo.seed.{paper}")
    return getattr(module, rows[variant]["builder"])()
