"""The parquet results cache: atomic writes, a lock, upserts (no torch import).

* Writes go to a temporary file in the same folder, then ``os.replace``: a reader sees
  the old file or the new one, never half of one; a killed writer leaves the old file.
* Every read-merge-write holds an exclusive ``fcntl`` lock on ``<cache>.lock``, so two
  refreshes running at once both land their rows and cannot corrupt the file.
* A file that is not parquet, or a parquet without our schema marker, raises
  :class:`CacheError` naming the file; it is never overwritten. :func:`quarantine` moves it aside
  (timestamped) so that a new cache can start.
* A failure never replaces a success: an error row whose key holds a good row leaves the good row
  in place and is noted in its ``failed_*`` columns (:func:`upsert`), unless forced.
* :func:`check_writable` proves, before any work, that the cache's folder takes a lock, a
  temporary file and the next write; temporary files of a writer that was killed mid-write are
  removed by the next writer (:func:`remove_stale_temps`, under the lock).
* Rows that could not be merged are kept in a side file (:func:`save_unmerged`) that
  :func:`merge_file` merges later.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from efficiency import paths
import pyarrow as pa
import pyarrow.parquet as pq

from efficiency.store import noisy, schema, upgrade

DEFAULT_PATH = paths.RESULTS
_MARKER = b"efficiency.schema_version"

_INT_COLUMNS = {"batch_size", "macs", "flops", "macs_fvcore", "macs_torch", "params",
                "param_bytes_fp32", "n_samples", "num_threads", "mem_gpu_max_allocated_bytes",
                "mem_gpu_max_reserved_bytes", "mem_cpu_rss_growth_bytes", "params_active", "params_embedding",
                "weight_bytes_bf16", "kv_cache_bytes_per_token_bf16", "prefill_flops_512",
                "decode_flops_per_token_512", "decode_flops_per_token_4096", "macs_formula",
                "prompt_len", "new_tokens", "energy_window_calls", "warmup_calls", "warmup_iters",
                "min_iters"}
_BOOL_COLUMNS = {"channels_last", "macs_mismatch", "noisy", "energy_noisy"}
_STR_COLUMNS = set(schema.ID_COLUMNS + ["kind", "device", "device_name", "hardware", "hardware_name",
                                        "dtype", "mode", "macs_by_op", "uncovered_ops", "ignored_ops", "count_notes",
                                        "attention_backends", "transformers_version", "latency_notes"]
                   + [c for c in schema.ENV_COLUMNS if c != "duration_s"]) - {"user_accuracy"}


class CacheError(RuntimeError):
    """The cache file is unreadable or not ours."""


class NewerCacheError(CacheError):
    """The cache was written by newer code: readable there, never to be moved aside here."""


def empty_frame() -> pd.DataFrame:
    return normalise(pd.DataFrame(columns=schema.ALL_COLUMNS))


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """All schema columns present, in order, with stable dtypes (extra columns kept last), and the
    noisy rule a row's own columns can judge applied (efficiency.store.noisy: energy measured at
    another speed than p50), so rows older than the rule are flagged on load."""
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
    df = noisy.flag(df)
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
        raise NewerCacheError(f"{path} has schema version {version}, newer than this code "
                         f"({schema.SCHEMA_VERSION}); update the code.")
    try:
        # pages written with a checksum are verified: bytes overwritten inside a data page were read as
        # numbers (a latency std of 1.4e53) and merged back as good rows (CLICHECK F8); older caches, written
        # without one, read as before
        df = pq.read_table(path, page_checksum_verification=True).to_pandas()
    except Exception as exc:  # noqa: BLE001
        raise CacheError(f"{path} could not be read ({exc}). It was left as it is.") from exc
    df = upgrade.upgrade(df, version)   # an older cache, in memory: the next merge writes it anew
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
        pq.write_table(table, tmp, compression="zstd", write_page_checksum=True)
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


FAILED_COLUMNS = schema.FAILED_COLUMNS
MIN_FREE_BYTES = 64 * 2 ** 20     # below this a write may fail half-way: refuse before any work


def _is_error(df: pd.DataFrame) -> pd.Series:
    return df["error"].fillna("").astype(str) != ""


def upsert(existing: pd.DataFrame, rows: pd.DataFrame, force: bool = False) -> pd.DataFrame:
    """Rows replace existing rows with the same key (schema.KEY_COLUMNS), except that an error row
    never replaces a good row unless ``force``: the good row stays, and the failure is noted in its
    ``failed_key`` / ``failed_error`` / ``failed_at`` columns (see :func:`kept_apart`)."""
    old, new = normalise(existing), normalise(rows)
    if new.empty:
        return old
    if not force and not old.empty:
        kept = kept_apart(old, new)
        if len(kept):
            old = _note_failures(old, kept)
            new = new.drop(index=kept.index)
    both = pd.concat([old, new], ignore_index=True)
    both = both.drop_duplicates(subset=schema.KEY_COLUMNS, keep="last")
    return normalise(both)


def _keys(df: pd.DataFrame) -> pd.Series:
    return pd.Series(list(zip(*(df[c] for c in schema.KEY_COLUMNS))), index=df.index, dtype=object)


def kept_apart(existing: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The error rows of ``rows`` whose key holds a good row in ``existing`` (both normalised)."""
    good = set(_keys(existing[~_is_error(existing)]))
    bad = rows[_is_error(rows)]
    return bad[_keys(bad).isin(good)] if len(bad) and good else bad.iloc[0:0]


def _note_failures(old: pd.DataFrame, failures: pd.DataFrame) -> pd.DataFrame:
    last = failures.drop_duplicates(subset=schema.KEY_COLUMNS, keep="last")
    info = {k: (r.input_key, r.error, r.measured_at)
            for k, r in zip(_keys(last), last.itertuples(index=False))}
    keys = _keys(old)
    hit = keys.isin(info) & ~_is_error(old)
    for col, i in zip(FAILED_COLUMNS, range(3)):
        old.loc[hit, col] = [info[k][i] for k in keys[hit]]
    return old


@dataclass(frozen=True)
class MergeReport:
    written: int      # rows that reached the file
    kept_apart: int   # error rows not written over a good row (noted in its failed_* columns)


def merge_rows(rows: list[dict] | pd.DataFrame, path: str | os.PathLike | None = None,
               force: bool = False) -> MergeReport:
    """Lock, read, upsert ``rows``, write atomically."""
    new = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    if new.empty:
        return MergeReport(0, 0)
    with locked(path):
        remove_stale_temps(path)
        current = read(path)
        kept = 0 if force or current.empty else len(kept_apart(current, normalise(new)))
        write_atomic(upsert(current, new, force=force), path)
    return MergeReport(len(new) - kept, kept)


# --------------------------------------------------------------------------- safety around the file

def _path(path) -> Path:
    return Path(path) if path is not None else DEFAULT_PATH


def remove_stale_temps(path: str | os.PathLike | None = None) -> list[Path]:
    """Delete the temporary files a killed writer left beside the cache. Call it holding the lock:
    every writer holds it while its temporary file exists, so any one found then is stale."""
    path = _path(path)
    gone = []
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            tmp.unlink()
            gone.append(tmp)
        except FileNotFoundError:
            pass
    return gone


def check_writable(path: str | os.PathLike | None = None, min_free_bytes: int = MIN_FREE_BYTES) -> None:
    """Raise :class:`CacheError` unless ``path``'s folder exists, takes the lock file and a
    temporary file, and has room for the next write (twice the current file, at least
    ``min_free_bytes``). Nothing is created but the lock file."""
    path = _path(path)
    folder = path.parent
    if not folder.is_dir():
        raise CacheError(f"the cache's folder {folder} does not exist; create it, or pass --cache "
                         "with a path in an existing folder")
    try:
        with locked(path, timeout_s=600.0):
            remove_stale_temps(path)
            fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
            os.close(fd)
            os.unlink(probe)
    except PermissionError as exc:
        raise CacheError(f"the cache's folder {folder} is not writable ({exc.strerror}); "
                         "pass --cache with a writable path") from None
    except OSError as exc:
        raise CacheError(f"cannot write in the cache's folder {folder} ({exc}); "
                         "pass --cache with another path") from None
    need = max(min_free_bytes, 2 * (path.stat().st_size if path.exists() else 0))
    free = shutil.disk_usage(folder).free
    if free < need:
        raise CacheError(f"only {free / 2**20:.0f} MiB free in {folder}, the next write of the cache "
                         f"needs about {need / 2**20:.0f} MiB; free some space or pass --cache")


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def quarantine(path: str | os.PathLike | None = None) -> Path | None:
    """Move an unreadable or foreign cache file aside as ``<name>.corrupt-<UTC time>`` (nothing
    is deleted) so that a new cache starts at ``path``; returns the new name, or None when the
    file is absent or readable (a good cache is never moved)."""
    path = _path(path)
    with locked(path):
        if not path.exists():
            return None
        try:
            read(path)
            return None
        except NewerCacheError:
            raise
        except CacheError:
            pass
        aside = path.with_name(f"{path.name}.corrupt-{_stamp()}")
        os.replace(path, aside)
        return aside


def save_unmerged(rows: list[dict] | pd.DataFrame, path: str | os.PathLike | None = None) -> Path:
    """Write rows that could not be merged into ``path`` to a side file, trying the cache's folder,
    then the user's cache directory, then the temporary folder; returns where they went. Raises
    OSError only when none of them takes the file."""
    from efficiency import paths

    path = _path(path)
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    name = f"{path.stem}.unmerged-{_stamp()}-{os.getpid()}.parquet"
    errors = []
    for folder in (path.parent, paths.user_cache_dir(), Path(tempfile.gettempdir())):
        target = folder / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(df, target)
            return target
        except OSError as exc:
            errors.append(f"{folder}: {exc}")
    raise OSError("could not save the unmerged rows anywhere: " + "; ".join(errors))


def merge_file(side: str | os.PathLike, path: str | os.PathLike | None = None,
               force: bool = False) -> MergeReport:
    """Merge the rows of a side file (or another cache) into ``path``; the side file is left as it
    is (delete it once the merge is confirmed)."""
    try:
        rows = read(side)
    except CacheError as exc:      # read()'s advice is about the cache; here the bad file is the one to merge
        raise CacheError(f"cannot merge {side}: " + str(exc).replace(
            "move it away or pass --cache with another path.", "nothing was merged; the cache was not touched.")) from None
    return merge_rows(rows, path, force=force)
