"""Published benchmark scores of the zoo's language models, ``data/llm_accuracy.csv`` (no torch import).

One CSV row per (model, benchmark, protocol), each with the address it was read at and the table
cell or sentence quoted there. Language-model scores move by several points with the shot count,
the prompt format, the metric (``acc`` vs ``acc_char``) and the evaluation harness, so every row
names a ``protocol_group``: one benchmark, metric, shot count, variant and harness, from one
source family. Rows are comparable only within their group; :func:`read_llm_accuracy` refuses a
group that mixes any of those.

:func:`to_accuracy_rows` turns the rows into the long format of
:data:`efficiency.reference.accuracy.ACCURACY_COLUMNS` with ``dataset`` set to the protocol group,
so a (dataset, metric) pair never mixes protocols, plus the columns in :data:`EXTRA_COLUMNS`.
``efficiency.store.query.load_accuracy`` appends them to the vision rows.
"""
from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pandas as pd

from efficiency import paths
from efficiency.reference import llm_specs as hf   # the specs, torch-free (never the zoo)

DEFAULT_PATH = paths.DATA / "llm_accuracy.csv"
FILE_NAME = DEFAULT_PATH.name

CSV_COLUMNS = [
    "model",           # zoo id hf/<name> (data/llm/<name>.json must exist)
    "benchmark",       # mmlu, arc_challenge, hellaswag, gsm8k, glue, ...
    "metric",          # as the source names it (macro_avg/acc_char, acc, ...); "score" when it names none
    "value",           # percent as published
    "shots",           # "" when the source does not say
    "harness",         # who ran the evaluation, as the source says
    "average",         # "macro" | "micro" | "" (not an average, or not said)
    "variant",         # see VARIANTS
    "protocol_group",  # rows are comparable only within one group
    "source_url",      # canonical https address: the model's card, repository, blog or arXiv page
    "source_quote",    # the table and cell, or the sentence, the value was read in
    "read_at",         # where it was actually read (commit, or the copy of the card)
    "note",
]
REQUIRED = ("model", "benchmark", "metric", "value", "harness", "variant", "protocol_group", "source_url",
            "source_quote", "read_at")
VARIANTS = ("base", "instruct", "finetuned")
AVERAGES = ("macro", "micro", "")
# what must be the same on every row of one protocol group
GROUP_KEYS = ("benchmark", "metric", "shots", "harness", "variant", "average")
EXTRA_COLUMNS = ["protocol_group", "benchmark", "shots", "harness", "average", "variant", "source_url",
                 "source_quote", "read_at", "note"]
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class LLMAccuracyError(ValueError):
    """``data/llm_accuracy.csv`` is malformed; the message names the file and the line."""


def _check_row(row: dict, where: str, known: set[str]) -> float:
    """The row's value; raises naming ``where`` (file:line) for the first problem found."""
    def bad(msg: str) -> LLMAccuracyError:
        return LLMAccuracyError(f"{where}: {msg}")

    for key in REQUIRED:
        if not (row.get(key) or "").strip():
            raise bad(f"{key} is empty")
    model = row["model"]
    if not model.startswith(f"{hf.SOURCE}/") or model.split("/", 1)[1] not in known:
        raise bad(f"unknown model id {model!r}: not hf/<name> with a data/llm/<name>.json")
    try:
        value = float(row["value"])
    except ValueError:
        raise bad(f"value {row['value']!r} is not a number") from None
    if not (math.isfinite(value) and 0 <= value <= 100):
        raise bad(f"value {value} is not a percentage in [0, 100]")
    if not row["source_url"].startswith("https://"):
        raise bad(f"source_url {row['source_url']!r} is not an https:// address")
    if row["shots"] and not row["shots"].isdigit():
        raise bad(f"shots {row['shots']!r} is neither empty nor a whole number")
    if row["variant"] not in VARIANTS:
        raise bad(f"variant {row['variant']!r} is not one of {VARIANTS}")
    if row["average"] not in AVERAGES:
        raise bad(f"average {row['average']!r} is not one of {AVERAGES}")
    for key in ("benchmark", "protocol_group"):
        if not _SLUG.match(row[key]):
            raise bad(f"{key} {row[key]!r} is not a lower-case id (letters, digits, . _ -)")
    return value


def _rows(path: Path) -> list[tuple[int, dict]]:
    """(line number, row) for every record; a missing file or a wrong header raises naming the file."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            if header != CSV_COLUMNS:
                raise LLMAccuracyError(f"{path}:1: header must be {','.join(CSV_COLUMNS)}, not {','.join(header)}")
            out = []
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    raise LLMAccuracyError(f"{path}:{reader.line_num}: expected {len(CSV_COLUMNS)} fields")
                out.append((reader.line_num, row))
            return out
    except OSError as exc:
        raise LLMAccuracyError(f"{path}: cannot be read ({exc})") from None


def read_llm_accuracy(path: str | Path | None = None, specs: Path = hf.SPECS) -> pd.DataFrame:
    """The CSV's rows, checked (``value`` as float); raises :class:`LLMAccuracyError` naming file and line."""
    path = Path(path) if path is not None else DEFAULT_PATH
    known = {p.stem for p in hf.spec_paths(specs)}
    seen: dict[tuple[str, str, str], int] = {}
    groups: dict[str, tuple[int, tuple[str, ...]]] = {}
    records = []
    for line, row in _rows(path):
        where = f"{path}:{line}"
        value = _check_row(row, where, known)
        key = (row["model"], row["protocol_group"], row["metric"])
        if key in seen:
            raise LLMAccuracyError(f"{where}: {key} repeats line {seen[key]}")
        seen[key] = line
        protocol = tuple(row[k] for k in GROUP_KEYS)
        first = groups.setdefault(row["protocol_group"], (line, protocol))
        if first[1] != protocol:
            diff = [k for k, a, b in zip(GROUP_KEYS, first[1], protocol) if a != b]
            raise LLMAccuracyError(f"{where}: protocol group {row['protocol_group']!r} differs from line "
                                   f"{first[0]} in {', '.join(diff)}; rows of one group must be comparable")
        records.append({**row, "value": value})
    return pd.DataFrame(records, columns=CSV_COLUMNS)


def to_accuracy_rows(rows: pd.DataFrame, specs: Path = hf.SPECS) -> pd.DataFrame:
    """``rows`` (from :func:`read_llm_accuracy`) in the long format of ``ACCURACY_COLUMNS`` plus
    :data:`EXTRA_COLUMNS`; ``param_count_m`` is the spec's published total (NaN where the published
    figure has another scope, such as Gemma 2's non-embedding count)."""
    from efficiency.reference.accuracy import ACCURACY_COLUMNS

    totals = {hf.hf_id(s.name): s.published_params / 1e6 for s in hf.load_specs(specs)
              if s.published_params_scope == "total"}
    out = pd.DataFrame({
        "model": rows["model"].astype(str),
        "dataset": rows["protocol_group"].astype(str),
        "metric": rows["metric"].astype(str),
        "value": rows["value"].astype(float),
        "higher_is_better": True,          # every benchmark here is a score, higher is better
        "img_size": pd.array([pd.NA] * len(rows), dtype="Int64"),
        "crop_pct": math.nan,
        "interpolation": "",
        "source": FILE_NAME + ":" + rows["source_url"].astype(str),
        "param_count_m": rows["model"].map(totals).astype(float),
    })
    out = out.reindex(columns=ACCURACY_COLUMNS)
    for col in EXTRA_COLUMNS:
        out[col] = rows[col].astype(str).values
    return out.reset_index(drop=True)


def load_llm_accuracy(path: str | Path | None = None) -> pd.DataFrame:
    """:func:`read_llm_accuracy` then :func:`to_accuracy_rows`."""
    return to_accuracy_rows(read_llm_accuracy(path))
