"""The parquet results cache: atomic writes, a lock, upserts (no torch import).

* Writes go to a temporary file in the same folder, then ``os.replace``: a reader sees
  the old file or the new one, never half of one; a killed writer leaves the old file.
* Every read-merge-write holds an exclusive ``fcntl`` lock on ``<cache>.lock``, so two
  refreshes running at once both land their rows and cannot corrupt the file.
* A file that is not parquet, or a parquet without our schema marker, raises
  :class:`CacheError` naming the file; it is never overwritten.
"""
from __future__ import annotations

import fcntl
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from efficiency import paths
import pyarrow as pa
import pyarrow.parquet as pq

from efficiency.store import schema

DEFAULT_PATH = paths.RESULTS
_MARKER = b"efficiency.schema_version"

_INT_COLUMNS = {"batch_size", "macs", "flops", "macs_fvcore", "macs_torch", "params",
                "param_bytes_fp32", "n_samples", "num_threads", "mem_gpu_max_allocated_bytes",
                "mem_gpu_max_reserved_bytes", "mem_cpu_rss_growth_bytes"}
_BOOL_COLUMNS = {"channels_last", "macs_mismatch", "noisy"}
_STR_COLUMNS = set(schema.ID_COLUMNS + ["kind", "device", "device_name", "dtype", "mode",
                                        "macs_by_op", "uncovered_ops", "ignored_ops", "count_notes"]
                   + [c for c in schema.ENV_COLUMNS if c != "duration_s"]) - {"user_accuracy"}


class CacheError(RuntimeError):
    """The cache file is unreadable or not ours."""


def empty_frame() -> pd.DataFrame:
    return normalise(pd.DataFrame(columns=schema.ALL_COLUMNS))


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """All schema columns present, in order, with stable dtypes (extra columns kept last)."""
    df = df.copy()
    for col in schema.ALL_COLUMNS:
        if col not in df.columns:
            df[col] = pd.NA
    for col in df.columns:
        if col in _INT_COLUMNS:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
        elif col in _BOOL_COLUMNS:
            df[col] = df[col].astype("boolean")
        elif col in _STR_COLUMNS:
            df[col] = df[col].astype("string").fillna("")
        elif col in schema.ALL_COLUMNS:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    extra = [c for c in df.columns if c not in schema.ALL_COLUMNS]
    return df[schema.ALL_COLUMNS + extra].reset_index(drop=True)


def read(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The cache as a DataFrame; an absent file is an empty cache."""
    path = Path(path) if path is not None else DEFAULT_PATH
    if not path.exists():
        return empty_frame()
    try:
        meta = pq.read_metadata(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types
        raise CacheError(f"{path} is not a readable parquet file ({exc}). It was left as it is; "
                         f"move it away or pass --cache with another path.") from exc
    kv = meta.metadata or {}
    if _MARKER not in kv:
        raise CacheError(f"{path} is a parquet file but not an efficiency results cache "
                         f"(no {_MARKER.decode()} marker). It was left as it is.")
    version = int(kv[_MARKER])
    if version > schema.SCHEMA_VERSION:
        raise CacheError(f"{path} has schema version {version}, newer than this code "
                         f"({schema.SCHEMA_VERSION}); update the code.")
    try:
        df = pq.read_table(path).to_pandas()
    except Exception as exc:  # noqa: BLE001
        raise CacheError(f"{path} could not be read ({exc}). It was left as it is.") from exc
    missing = [c for c in schema.KEY_COLUMNS if c not in df.columns]
    if missing:
        raise CacheError(f"{path} lacks key columns {missing}. It was left as it is.")
    return normalise(df)


def write_atomic(df: pd.DataFrame, path: str | os.PathLike | None = None) -> None:
    """Write via a temporary file and rename; the old file stays until the rename."""
    path = Path(path) if path is not None else DEFAULT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(normalise(df), preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           _MARKER: str(schema.SCHEMA_VERSION).encode()})
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the cache is for every reader
    try:
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def locked(path: str | os.PathLike | None = None, timeout_s: float = 600.0):
    """Exclusive lock on ``<cache>.lock`` for a read-merge-write."""
    path = Path(path) if path is not None else DEFAULT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as fh:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CacheError(f"timed out waiting for the lock {lock_path}") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def upsert(existing: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows replace existing rows with the same key (schema.KEY_COLUMNS)."""
    if rows.empty:
        return normalise(existing)
    both = pd.concat([normalise(existing), normalise(rows)], ignore_index=True)
    both = both.drop_duplicates(subset=schema.KEY_COLUMNS, keep="last")
    return normalise(both)


def merge_rows(rows: list[dict] | pd.DataFrame, path: str | os.PathLike | None = None) -> int:
    """Lock, read, upsert ``rows``, write atomically. Returns the number of rows written."""
    new = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    if new.empty:
        return 0
    with locked(path):
        current = read(path)
        write_atomic(upsert(current, new), path)
    return len(new)
