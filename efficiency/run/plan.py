"""The plan: which rows are stale, grouped into jobs that each build one network (no torch).

Every cache row carries an ``input_key``, a hash of what determines it (the zoo entry, the
configuration, the library versions, the counter version, the revision of a builder outside a
library: :mod:`efficiency.zoo.revision`): a row whose key is unchanged is not recomputed. Zoo
entries that share an architecture and input size (timm's pretrained tags, torchvision's weight
versions) are one network: they form one :class:`Job`, built and measured once, whose rows are
written for each entry. Descriptive labels (family, paper) are not part of what was
measured: :func:`stale_labels` relabels cached rows instead of recomputing them.

A row's identity is ``schema.KEY_COLUMNS``; :func:`configuration` gives its configuration columns
(a count row's for ``spec=None``, a latency row's for a :class:`LatencySpec` on a machine), and every
key here and in :mod:`efficiency.run.rows` is built from them. The machine is part of a latency row's
key and input key (its ``hardware`` identity, :class:`efficiency.measure.environment.Hardware`): a row
measured on another machine is never taken as current, nor replaced, here.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping

from efficiency.measure.environment import Hardware
from efficiency.store import schema
from efficiency.vocab import COUNT_MODE
from efficiency.zoo import ZooEntry
from efficiency.zoo.revision import builder_revision

COUNTER_VERSION = schema.COUNTER_VERSION


@dataclasses.dataclass(frozen=True)
class LatencySpec:
    """One latency configuration. Its fields are hashed into latency rows' input keys (renaming or
    adding one recomputes every latency row)."""

    device: str
    batch_size: int
    dtype: str
    mode: str
    channels_last: bool = False
    num_threads: int | None = None
    min_time_s: float = 1.0
    max_time_s: float = 10.0


@dataclasses.dataclass(frozen=True)
class Job:
    """One group of zoo entries that share an architecture and input size: built and measured once.

    ``count``: write count rows; ``latency``: the configurations to time; ``threads``: CPU threads of
    the worker; ``device_names``: (device, name) pairs, the names latency input keys hash (the CPU
    model, the GPU's name), so that a worker and the parent (crash rows) compute the same keys;
    ``hardware``: (device, identity, readable name) of the machine the plan expects (a worker records
    the machine it really ran on).
    """

    entries: tuple[ZooEntry, ...]
    count: bool
    latency: tuple[LatencySpec, ...]
    threads: int
    device_names: tuple[tuple[str, str], ...]
    hardware: tuple[tuple[str, str, str], ...] = ()

    @property
    def head(self) -> ZooEntry:
        """The entry that is built (every entry of the job is the same network)."""
        return self.entries[0]

    def device_name(self, device: str) -> str:
        return dict(self.device_names)[device]

    def hardware_of(self) -> dict[str, Hardware]:
        """device -> the machine the plan expects for it."""
        return {d: Hardware(i, n) for d, i, n in self.hardware}


# the configuration columns of every count row (a count runs once, on the CPU, at batch 1; MACs and
# params are the network's: the same on every machine, so one count row per model)
COUNT_CONFIGURATION = {"kind": "count", "batch_size": 1, "device": "cpu", "dtype": "fp32",
                       "mode": COUNT_MODE, "channels_last": False, "hardware": schema.ANY_HARDWARE}


def configuration(spec: LatencySpec | None, hardware: str) -> dict:
    """The configuration columns of schema.KEY_COLUMNS (all but ``model``): a count row's for None
    (whatever ``hardware``), else a latency row's for ``spec`` on the machine ``hardware`` (identity)."""
    if spec is None:
        return dict(COUNT_CONFIGURATION)
    return {"kind": "latency", "batch_size": spec.batch_size, "device": spec.device, "dtype": spec.dtype,
            "mode": spec.mode, "channels_last": spec.channels_last, "hardware": hardware}


def row_key(row: Mapping) -> tuple:
    """A row's identity in the cache: its schema.KEY_COLUMNS values, in that order."""
    return tuple(row[c] for c in schema.KEY_COLUMNS)


def entry_key(entry: ZooEntry, spec: LatencySpec | None, hardware: Mapping[str, str]) -> tuple:
    """The row key of ``entry``'s count row (``spec`` None) or latency row for ``spec``, on the
    machines ``hardware`` (device -> identity)."""
    return row_key({"model": entry.id, **configuration(spec, _identity(hardware, spec))})


def _identity(hardware: Mapping[str, str], spec: LatencySpec | None) -> str:
    return schema.ANY_HARDWARE if spec is None else hardware.get(spec.device, schema.UNKNOWN_HARDWARE)


def _hash(obj) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def count_key(entry: ZooEntry, versions: dict) -> str:
    return _hash(["count", entry.id, entry.name, entry.input_size, COUNTER_VERSION, versions]
                 + _language_inputs(entry) + _builder(entry))


def _builder(entry: ZooEntry) -> list:
    """The revision of code outside a library that builds ``entry`` (a seed paper's modules, a user's
    file): editing it recomputes the entry's rows. Library entries add nothing, so their keys, and the
    rows cached under them, stay as they were."""
    revision = builder_revision(entry)
    return ["builder", revision] if revision else []


def _language_inputs(entry: ZooEntry) -> list:
    """What else a language model's count depends on: the hyperparameters of its shipped spec (an
    edited data/llm/<name>.json is recounted), its pre-training tokens (the row's training FLOPs) and
    the transformers release that builds it."""
    if entry.source != "hf":
        return []
    import importlib.metadata

    from efficiency.zoo import hf

    try:
        spec = hf.load_spec(entry.name)
        config, tokens = dict(spec.config), spec.training_tokens
    except hf.LLMSpecError as exc:   # counted as an error row by the worker; keyed by the problem
        config, tokens = {"unreadable": str(exc)}, None
    try:
        version = importlib.metadata.version("transformers")
    except importlib.metadata.PackageNotFoundError:
        version = ""
    return [config, tokens, version]


def latency_key(entry: ZooEntry, spec: LatencySpec, versions: dict, device_name: str, hardware: str) -> str:
    lib = {k: v for k, v in versions.items() if k != "fvcore"}  # latency never uses fvcore
    return _hash(["latency", entry.id, entry.name, entry.input_size, dataclasses.asdict(spec),
                  lib, device_name, hardware] + _builder(entry))


def input_key(entry: ZooEntry, spec: LatencySpec | None, versions: dict, device_names: Mapping,
              hardware: Mapping[str, str]) -> str:
    """The input key of ``entry``'s count row (``spec`` None) or latency row for ``spec`` on the
    machines ``hardware`` (device -> identity)."""
    if spec is None:
        return count_key(entry, versions)
    return latency_key(entry, spec, versions, device_names[spec.device], _identity(hardware, spec))


def group_key(entry: ZooEntry) -> tuple:
    # pretrained tags (timm) and weight versions (torchvision) of one architecture at one
    # input size are the same network: build and measure it once
    return (entry.source, entry.arch, entry.input_size, entry.task)


def _text(value) -> str:
    """A string cell as str: "" for a missing value (NaN, None, pd.NA: frames not normalised)."""
    return value if isinstance(value, str) else ""


@dataclasses.dataclass(frozen=True)
class _Cached:
    """What the cache holds for one row key."""

    input_key: str
    failed_key: str   # input key of a failure kept apart beside this good row ("" when none)
    redo: bool        # recompute whatever the keys say (--retry-errors, --recount-uncovered)


@dataclasses.dataclass(frozen=True)
class _Staleness:
    """What the cache holds (row key -> :class:`_Cached`) against what a row's input key would be
    now."""

    cached: dict
    force: bool
    retry_errors: bool
    versions: dict
    device_names: Mapping
    hardware: Mapping   # device -> identity

    @classmethod
    def of(cls, existing, versions: dict, device_names: Mapping, hardware: Mapping, force: bool,
           retry_errors: bool, recount_uncovered: bool) -> "_Staleness":
        cached: dict[tuple, _Cached] = {}
        if not existing.empty:
            # caches written before failures were kept apart have no failed_key column
            cols = schema.KEY_COLUMNS + ["input_key", "error", "uncovered_ops", "failed_key"]
            # plain lists: iterating arrow-backed columns row by row costs more than the whole plan
            table = existing.reindex(columns=cols)
            columns = [table[c].astype(object).tolist() for c in cols]
            for values in zip(*columns):
                rec = dict(zip(cols, values))
                error, uncovered = _text(rec["error"]), _text(rec["uncovered_ops"])
                redo = (retry_errors and bool(error)) or (
                    recount_uncovered and rec["kind"] == "count" and uncovered not in ("", "{}"))
                cached[row_key(rec)] = _Cached(_text(rec["input_key"]), _text(rec["failed_key"]), redo)
        return cls(cached, force, retry_errors, versions, device_names, hardware)

    def stale(self, entry: ZooEntry, spec: LatencySpec | None) -> bool:
        """Whether the count row (``spec`` None) or latency row of ``entry`` must be (re)computed."""
        have = self.cached.get(entry_key(entry, spec, self.hardware))
        if self.force or have is None or have.redo:
            return True
        now = input_key(entry, spec, self.versions, self.device_names, self.hardware)
        if have.input_key == now:
            return False
        # a good row whose recomputation with today's inputs already failed: that failure is kept
        # apart beside it (cache.upsert); trying again would fail again, so only --retry-errors does
        return have.failed_key != now or self.retry_errors

    def any_stale(self, members: list[ZooEntry], spec: LatencySpec | None) -> bool:
        return any(self.stale(e, spec) for e in members)


def _known_macs(existing) -> dict[str, int]:
    if existing.empty:
        return {}
    cnt = existing[existing["kind"] == "count"]
    cnt = cnt[cnt["macs"].notna()]  # error rows have no count: never skip on them
    return dict(zip(cnt["model"], cnt["macs"].astype(int)))


# sources the refresh never times: language models (hf) are timed by efficiency.run.llm_sweep on a
# GPU (TTFT, decode tokens/s), whose rows are merged into the cache (refresh --merge)
UNTIMED_SOURCES = ("hf",)


def plan(entries: list[ZooEntry], existing, versions: dict, count: bool,
         specs: list[LatencySpec], force: bool, retry_errors: bool, device_names: dict,
         latency_max_macs: float | None, threads: int, recount_uncovered: bool = False,
         hardware: Mapping[str, Hardware] | None = None) -> list[Job]:
    """Groups of entries with the work still to do for them, in the order of ``entries``, for the
    machines ``hardware`` (device -> :class:`Hardware`; a device missing is ``unknown``: the refresh
    always passes the machines it runs on)."""
    hardware = dict(hardware or {})
    ids = {d: h.identity for d, h in hardware.items()}
    todo = _Staleness.of(existing, versions, device_names, ids, force, retry_errors, recount_uncovered)
    known_macs = _known_macs(existing)
    groups: dict[tuple, list[ZooEntry]] = defaultdict(list)
    for e in entries:
        groups[group_key(e)].append(e)
    names = tuple(sorted(device_names.items()))
    machines = tuple(sorted((d, h.identity, h.name) for d, h in hardware.items()))
    jobs = []
    for members in groups.values():
        macs = known_macs.get(members[0].id)
        too_big = latency_max_macs is not None and macs is not None and macs > latency_max_macs
        untimed = members[0].source in UNTIMED_SOURCES
        need_count = count and todo.any_stale(members, None)
        need_lat = () if too_big or untimed else tuple(s for s in specs if todo.any_stale(members, s))
        if need_count or need_lat:
            jobs.append(Job(tuple(members), need_count, need_lat, threads, names, machines))
    return jobs


# descriptive, not part of what was measured; ``derived_from`` (refresh --resolution) is also set on the
# rows as the refresh records them (efficiency.run.cli), and relabelled here where they lack it (rows of
# a side file merged later) or where the zoo has since published that size (then no longer derived)
LABEL_COLUMNS = ("family", "paper", "derived_from")


def stale_labels(existing, entries: list[ZooEntry]):
    """Cached rows of ``entries`` whose descriptive labels (:data:`LABEL_COLUMNS`) differ from the
    zoo's now (the zoo's family rule or the seed-paper table changed after they were written),
    relabelled. Their measurements stay valid, so they are relabelled rather than recomputed."""
    if existing.empty:
        return existing
    existing = existing.reindex(columns=list(dict.fromkeys([*existing.columns, *LABEL_COLUMNS])))
    want = {e.id: {c: getattr(e, c) for c in LABEL_COLUMNS} for e in entries}
    rows = existing[existing["model"].isin(want)]
    if rows.empty:
        return rows
    new = {c: rows["model"].map(lambda m, c=c: want[m][c]) for c in LABEL_COLUMNS}
    differs = False
    for c in LABEL_COLUMNS:
        differs = differs | (rows[c].fillna("").astype(str) != new[c].astype(str))
    out = rows[differs].copy()
    for c in LABEL_COLUMNS:
        out[c] = new[c][differs]
    return out


def stale_accuracy(existing, entries: list[ZooEntry]) -> tuple:
    """Cached rows of the ``entries`` given an accuracy (``refresh --custom ... --accuracy``) whose
    ``user_accuracy`` differs, with it set (and their labels the zoo's, so that a relabelling merged
    beside them is not undone), and one line per model saying so. The accuracy is the user's figure,
    not a measurement: a corrected one is written in place, not remeasured (UXCHECK6 #4)."""
    want = {e.id: e for e in entries if e.user_accuracy is not None}
    if existing.empty or not want:
        return existing.iloc[0:0], []
    rows = existing[existing["model"].isin(want)]
    new = rows["model"].map(lambda m: want[m].user_accuracy).astype("float64")
    out = rows[rows["user_accuracy"].astype("float64").ne(new)].copy()   # NaN (none given before) differs
    lines = []
    for model, old in out.groupby("model", sort=False)["user_accuracy"]:
        was = ", ".join(f"{v:g}" for v in sorted(old.dropna().unique())) or "none"
        lines.append(f"accuracy of {model} updated: {was} -> {want[model].user_accuracy:g} (no re-measure needed)")
    out["user_accuracy"] = new[out.index]
    for c in LABEL_COLUMNS:
        out[c] = out["model"].map(lambda m, c=c: getattr(want[m], c))
    return out, lines


def kept_accuracy(existing, entries: list[ZooEntry]) -> tuple[list[ZooEntry], dict[str, float]]:
    """``entries`` with each custom model given no ``--accuracy`` carrying the one its cached rows hold,
    and {model: that accuracy}. The accuracy is the user's figure, not a measurement: re-measuring the
    model (--force, a changed input key) must not drop it from the new rows (UXCHECK6)."""
    if existing.empty or "user_accuracy" not in existing.columns:
        return entries, {}
    missing = {e.id for e in entries if e.source == "custom" and e.user_accuracy is None}
    rows = existing.loc[existing["model"].isin(missing), ["model", "user_accuracy"]]
    values = rows.dropna().astype({"user_accuracy": "float64"}).groupby("model")["user_accuracy"].unique()
    kept = {m: float(v[0]) for m, v in values.items() if len(v) == 1}   # two values: which is right is unknown
    return [dataclasses.replace(e, user_accuracy=kept[e.id]) if e.id in kept else e for e in entries], kept
