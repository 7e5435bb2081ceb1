"""The zoo registry: frozen, typed entries, selection by pattern, and the cached listing (no torch).

Sources, one module each: :mod:`efficiency.zoo.timm` (every row of timm's ImageNet results table,
``pretrained=False``), :mod:`efficiency.zoo.torchvision` (every weight of its five model modules,
``weights=None``), :mod:`efficiency.zoo.seed` (our implementations of seed papers' architectures,
listed in ``data/seed/*.csv``), :mod:`efficiency.zoo.custom` (a user's ``package.module:callable``).

Listing torchvision's weights needs ``import torchvision`` (4 s here), so :func:`load_zoo` keeps
the listing in the user's cache directory (:func:`efficiency.paths.user_cache_dir`), keyed on the
library versions and the reference tables it came from, and rebuilds it when they change. The
checkout is never written. Nothing here downloads anything.
"""
from __future__ import annotations

import difflib
import hashlib
import fnmatch
import json
import os
import re
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from efficiency import paths
from efficiency.measure.environment import library_versions
from efficiency.zoo import ids

# bump when ZooEntry's fields change, or how they are derived (5: family_of's short prefixes): listings
# cached under the old layout are then not read
LISTING_VERSION = 5


@dataclass(frozen=True)
class ZooEntry:
    """One model of the zoo at one input size."""

    id: str                       # see efficiency.zoo.ids
    source: str                   # a vocab.SOURCES value
    name: str                     # timm pretrained name / torchvision "builder.WEIGHTS" / entry point
    arch: str                     # architecture (timm model name without tag / torchvision builder)
    weights: str                  # pretrained tag / weight enum member / ""
    task: str
    family: str
    input_size: tuple[int, ...]   # per sample, e.g. (3, 224, 224); video (3, T, H, W)
    paper: str = ""               # seed paper the architecture implements, "" if none
    user_accuracy: float | None = None  # custom models: ImageNet-1k top-1 the user gave
    # the zoo id this entry was derived from at another input size (refresh --resolution,
    # efficiency.zoo.resolution); "" for the zoo's own entries. A derived entry is no reference model:
    # nothing was published at its size, and the dashboard keeps it out of its model set
    derived_from: str = ""

    @property
    def input_size_str(self) -> str:
        return ids.input_size_str(self.input_size)


class UnknownModelError(LookupError):
    """A pattern matched nothing; ``suggestions`` are close names."""

    def __init__(self, pattern: str, suggestions: list[str]):
        self.pattern = pattern
        self.suggestions = suggestions
        hint = f" Close matches: {', '.join(suggestions)}." if suggestions else ""
        super().__init__(f"no zoo model matches {pattern!r}.{hint}")


# a name whose letters before its first digits are one or two: they say nothing alone ('r' of r3d_18,
# 'cs' of cs3darknet_l), so the digits and a closing 'd' or 'plus<n>d' stay (r3d, r2plus1d, mc3, s3d, cs3)
_SHORT_PREFIX = re.compile(r"([a-z]{1,2}\d+(?:plus\d+)?(?:d(?=_|$))?)(?=_|$|[a-z])")


def family_of(arch: str) -> str:
    """Coarse family for colouring: 'resnet50d' -> 'resnet', 'convnextv2_tiny' -> 'convnextv2',
    'r3d_18' -> 'r3d', 'cs3darknet_l' -> 'cs3'."""
    name = re.sub(r"^(tf_|gluon_|legacy_|ig_|ssl_|swsl_|hf_)", "", arch.lower())
    m = re.match(r"([a-z]+)(\d*)", name)
    if not m:
        return name.split("_")[0]
    letters, digits = m.groups()
    if len(letters) <= 2 and digits and (short := _SHORT_PREFIX.match(name)):
        return short.group(1)
    # a trailing "v" + digits is a version (convnextv2, mobilenetv3), other digits a size
    return letters + digits if letters.endswith("v") and digits else letters


_NAT = re.compile(r"(\d+)")


def natural_key(text: str) -> list:
    """'resnet18' < 'resnet50' < 'resnet101' (timm's natural sort)."""
    return [int(t) if t.isdigit() else t for t in _NAT.split(text.lower())]


def paper_for(arch: str) -> str:
    """The seed paper ``arch`` implements, or "". A missing or malformed ``data/paper_claims.csv``
    raises :class:`efficiency.reference.papers.ClaimsTableError` naming the file: labelling every
    entry "" without a word would silently relabel every cached row."""
    from efficiency.reference.papers import seed_paper_for_arch

    return seed_paper_for_arch(arch)


def _names(e: ZooEntry) -> tuple[str, ...]:
    """What a ``--models`` pattern is matched against (:meth:`Zoo.select`)."""
    return e.id, e.name, e.arch, f"{e.source}/{e.arch}", f"{e.source}/{e.name}"


class Zoo:
    """Registry of entries; registering an id twice raises."""

    def __init__(self, entries: Iterable[ZooEntry] = ()):
        self._entries: dict[str, ZooEntry] = {}
        for e in entries:
            self.register(e)

    def register(self, entry: ZooEntry) -> None:
        if entry.id in self._entries:
            raise ValueError(f"zoo id registered twice: {entry.id}")
        self._entries[entry.id] = entry

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self):
        return iter(sorted(self._entries.values(), key=lambda e: natural_key(e.id)))

    def __contains__(self, model_id: str) -> bool:
        return model_id in self._entries

    def get(self, model_id: str) -> ZooEntry:
        return self._entries[model_id]

    def select(self, patterns: Iterable[str] | None = None, task: str | None = None) -> list[ZooEntry]:
        """Entries whose id, name, arch, ``source/arch`` or ``source/name`` matches any fnmatch pattern
        (case-insensitive), naturally sorted. Each pattern must match something, else UnknownModelError.
        ``source/arch`` (``torchvision/mobilenet_v3_small``, ``timm/resnet50``) is how the dashboard names
        a model without its weight tag and size; it selects every weight and size of that architecture
        from that source, as the bare ``resnet50`` does from all sources (AUDIT7 F9: it was refused)."""
        pool = [e for e in self if task in (None, e.task)]
        patterns = list(patterns or [])
        if not patterns:
            return pool
        chosen: dict[str, ZooEntry] = {}
        for pat in patterns:
            p = pat.lower()
            hits = [e for e in pool if any(fnmatch.fnmatchcase(s.lower(), p) for s in _names(e))]
            if not hits:
                raise UnknownModelError(pat, self.suggest(pat))
            for e in hits:
                chosen[e.id] = e
        return sorted(chosen.values(), key=lambda e: natural_key(e.id))

    def suggest(self, pattern: str, n: int = 5) -> list[str]:
        """Close names for ``pattern``; with a source in front (``timm/resnt50``), that source's names
        with the source in front, so the suggestion can be pasted back as typed."""
        source, _, rest = pattern.lower().partition("/")
        prefix = f"{source}/" if rest and any(e.source == source for e in self) else ""
        pool = [e for e in self if not prefix or e.source == source]
        names = sorted({prefix + e.arch for e in pool} | {prefix + e.name for e in pool})
        stem = pattern.strip("*?").lower()
        close = difflib.get_close_matches(stem, names, n=n, cutoff=0.6)
        if len(close) < n:
            close += [x for x in names if stem and stem in x.lower() and x not in close][: n - len(close)]
        return close[:n]


# --------------------------------------------------------------------------- loading


def _stamp(path: Path) -> str:
    # content, not mtime: a fresh clone must reuse a listing made from the same tables
    return hashlib.sha1(path.read_bytes()).hexdigest()[:16] if path.exists() else ""


def listing_path(cache_dir: Path | None = None) -> Path:
    """The listing file for the installed libraries and the current reference tables: its name
    carries a hash of them, so a change of either makes a new file and never reuses a stale one."""
    from efficiency.zoo import hf, seed, timm

    key = json.dumps([LISTING_VERSION, library_versions(), _stamp(timm.TABLE), _stamp(paths.PAPER_CLAIMS),
                      [_stamp(p) for p in seed.table_paths()], [_stamp(p) for p in hf.spec_paths()]])
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return (cache_dir or paths.user_cache_dir()) / f"zoo-{digest}.json"


def _read_listing(path: Path) -> Zoo | None:
    try:
        doc = json.loads(path.read_text())
        if doc.get("version") != LISTING_VERSION:
            return None
        return Zoo(ZooEntry(**{**e, "input_size": tuple(e["input_size"])}) for e in doc["entries"])
    except (OSError, ValueError, KeyError, TypeError):
        return None   # absent or broken: it is derived data, rebuilt by the caller


def _write_listing(path: Path, zoo: Zoo) -> None:
    doc = {"version": LISTING_VERSION, "entries": [asdict(e) for e in zoo]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc, indent=0))
        tmp.replace(path)
    except OSError as exc:   # a read-only home: the zoo still loads, only slower next time
        warnings.warn(f"could not keep the zoo listing in {path.parent} ({exc}); it will be rebuilt "
                      "next time (set EFFICIENCY_CACHE_DIR to a writable folder)", stacklevel=3)


def load_zoo(cache_dir: Path | None = None, rebuild: bool = False) -> Zoo:
    """The timm + torchvision + seed + hf (language) zoo, from the cached listing when it matches the installed libraries
    and the reference tables, else listed afresh (4 s) and cached. ``cache_dir`` defaults to
    :func:`efficiency.paths.user_cache_dir`."""
    from efficiency.zoo import hf, seed, timm, torchvision

    path = listing_path(cache_dir)
    zoo = None if rebuild else _read_listing(path)
    if zoo is None:
        zoo = Zoo(timm.entries() + torchvision.entries() + seed.entries() + hf.entries())
        _write_listing(path, zoo)
    return zoo
