"""Where the dashboard's tables live and how it reads them (no torch, no Streamlit).

Paths come from environment variables so tests can point the app at fixtures:

* ``EFFICIENCY_RESULTS``  (default ``data/results.parquet``)
* ``EFFICIENCY_ACCURACY`` (default ``data/accuracy.parquet``)
* ``EFFICIENCY_CLAIMS``   (default ``data/paper_claims.csv``)

Reading goes through :mod:`efficiency.store.query` / :mod:`efficiency.reference.papers` /
:mod:`efficiency.reference.claims` (the backend's torch-free readers). A missing or unreadable
file is not an error here: the loaders return an empty frame with the right columns
plus a message saying how to produce the file, so every page can say what is missing
instead of raising.

Rows of entries the refresh derived at other input sizes (``--resolution``; a ``derived_from`` zoo id)
are no reference models: no accuracy was published at their size. :func:`read_results` keeps them out
of the results every page lists and counts (:attr:`Loaded.df`) and hands them apart
(:attr:`Loaded.sweep`), for the latency-versus-resolution curves (:func:`with_sweep`).
"""
from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from efficiency import paths

from efficiency.reference import claims as claims_mod
from efficiency.reference import papers
from efficiency.reference.accuracy import ACCURACY_COLUMNS
from efficiency.reference.papers import CLAIMS_TABLE_COLUMNS
from efficiency.store.schema import ALL_COLUMNS

DEFAULTS = {
    "results": paths.RESULTS,
    "accuracy": paths.ACCURACY,
    "claims": paths.PAPER_CLAIMS,
}
ENV_VARS = {"results": "EFFICIENCY_RESULTS", "accuracy": "EFFICIENCY_ACCURACY", "claims": "EFFICIENCY_CLAIMS"}

_REFRESH, _EXAMPLE_MODELS = "python -m efficiency.refresh", "--models 'resnet*'"
REFRESH_HINT = {
    "results": f"{_REFRESH} {_EXAMPLE_MODELS}",
    "accuracy": "python -m efficiency.reference.accuracy_build",
    "claims": "data/paper_claims.csv ships with the repository (efficiency.reference.papers)",
}


def quarantine_command(path: Path) -> str:
    """A refresh that moves the unreadable cache at ``path`` aside and starts a new one there (a
    plain refresh refuses such a file, so as to never overwrite it)."""
    return f"{_REFRESH} --cache {shlex.quote(str(path))} --quarantine-corrupt {_EXAMPLE_MODELS}"


def path_for(kind: str) -> Path:
    """The file of table ``kind`` ("results" | "accuracy" | "claims"), env var first."""
    env = os.environ.get(ENV_VARS[kind], "").strip()
    return Path(env) if env else DEFAULTS[kind]


def mtime(path: Path) -> float:
    """Modification time, or 0.0 when the file is absent (the cache key of the loaders)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@dataclass
class Loaded:
    """A table plus what went wrong reading it (empty list when all is well); for the results, the
    rows of derived entries apart in ``sweep`` (module docstring)."""
    df: pd.DataFrame
    path: Path
    problems: list[str] = field(default_factory=list)
    sweep: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ALL_COLUMNS))


def is_derived(df: pd.DataFrame) -> pd.Series:
    """Rows of entries derived at another input size (refresh --resolution), by ``derived_from``."""
    if "derived_from" not in df.columns:
        return pd.Series(False, index=df.index)
    return df["derived_from"].fillna("").astype(str) != ""


def with_sweep(results: pd.DataFrame, sweep: pd.DataFrame) -> pd.DataFrame:
    """The reference rows and the derived ones together: what latency-versus-resolution curves read
    (``efficiency.ui.curves.resolution_curves``), never a model list or count."""
    if sweep is None or sweep.empty:
        return results
    return pd.concat([results, sweep.reindex(columns=results.columns)], ignore_index=True)


def read_results(path: Path) -> Loaded:
    """``efficiency.store.query.load_results`` as a :class:`Loaded` (an absent file is an empty cache)."""
    from efficiency.store import query
    problems = [] if path.exists() else [
        f"No results cache at {path}. Build it with `{REFRESH_HINT['results']}`."]
    try:
        df = query.load_results(path)
    except Exception as exc:  # noqa: BLE001 - a corrupt cache must become a message, not a traceback
        return Loaded(pd.DataFrame(columns=ALL_COLUMNS), path, [_unreadable(path, exc)])
    df = df.reindex(columns=list(dict.fromkeys(list(ALL_COLUMNS) + list(df.columns))))
    derived = is_derived(df)
    return Loaded(df[~derived].reset_index(drop=True), path, problems, sweep=df[derived].reset_index(drop=True))


def _unreadable(path: Path, exc: Exception) -> str:
    """What to say about a results cache that cannot be read, with a command that fixes it."""
    from efficiency.store.cache import NewerCacheError

    text = f"Results cache {path} cannot be read ({type(exc).__name__}: {exc})."
    if isinstance(exc, NewerCacheError):   # readable by newer code: never to be moved aside
        return f"{text} Update this checkout to read it."
    return f"{text} Move it aside and start a new cache with `{quarantine_command(path)}`."


def read_accuracy(path: Path, results: pd.DataFrame | None = None) -> Loaded:
    """``efficiency.store.query.load_accuracy`` (``results`` supplies custom models' user accuracy)."""
    from efficiency.store import query
    try:
        df = query.load_accuracy(path, results=results if results is not None else pd.DataFrame())
    except Exception as exc:  # noqa: BLE001
        return Loaded(pd.DataFrame(columns=ACCURACY_COLUMNS), path,
                      [f"Accuracy table {path} cannot be read ({type(exc).__name__}: {exc}). "
                       f"Rebuild it with `{REFRESH_HINT['accuracy']}`."])
    return Loaded(df.reindex(columns=list(dict.fromkeys(ACCURACY_COLUMNS + list(df.columns)))), path)


def read_claims(path: Path) -> Loaded:
    """``efficiency.reference.papers.load_claims``; a missing or malformed file gives an empty table and a message."""
    try:
        df = papers.load_claims(path)
    except Exception as exc:  # noqa: BLE001
        return Loaded(pd.DataFrame(columns=CLAIMS_TABLE_COLUMNS), path,
                      [f"Paper claims unavailable: {exc}."])
    return Loaded(df, path)


def claimed_vs_measured(claims: pd.DataFrame, results: pd.DataFrame, accuracy: pd.DataFrame) -> pd.DataFrame:
    """The backend's claims comparison (empty, with its columns, when either table is empty)."""
    if claims is None or claims.empty or results is None or results.empty:
        return pd.DataFrame(columns=claims_mod.OUTPUT_COLUMNS)
    return claims_mod.claimed_vs_measured(claims, results, accuracy)
