"""The seed source: our own implementations of the seed papers' architectures that no library has.

One module per paper (``efficiency/zoo/seed/<paper>.py``, imports torch) holds the architecture, written
from the paper, with one builder function per variant. One table per paper (``data/seed/<paper>.csv``,
its columns described in :mod:`efficiency.reference.seed_tables`) lists the variants the paper's tables
give and what the paper says of each, with the URL and the table every number comes from.

Ids are ``seed/<paper>.<variant>@<input size>`` (:func:`efficiency.zoo.ids.seed_id`).
"""
from __future__ import annotations

import importlib
from pathlib import Path

# the tables are reference data (torch-free, also read by the claims page): efficiency.reference.seed_tables
from efficiency.reference.seed_tables import (PARAMS_SCOPES, TABLE_COLUMNS, TABLES, UNITS, SeedTableError,
                                              paper_macs, params_tolerance, table_paths)
from efficiency.reference.seed_tables import read_table as _read_rows
from efficiency.zoo import ids
from efficiency.zoo.registry import ZooEntry

__all__ = ["PARAMS_SCOPES", "TABLE_COLUMNS", "TABLES", "UNITS", "SeedTableError", "paper_macs", "params_tolerance",
           "table_paths", "read_table", "entries", "create"]


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of one paper's table (:func:`efficiency.reference.seed_tables.read_table`), with each
    row's input size checked as the zoo parses it."""
    rows = _read_rows(path)
    for n, row in enumerate(rows, start=2):
        try:
            ids.parse_input_size(row["input_size"])
        except ValueError as exc:
            raise SeedTableError(f"{path}:{n}: {exc}") from None
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
