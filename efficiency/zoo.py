"""The model zoo: a registry of frozen, typed entries (no torch import at module level).

Sources:

* ``timm``: every (pretrained name, img_size) row of timm's ImageNet results table
  (``data/reference/timm/results-imagenet.csv``), built with ``pretrained=False``;
* ``torchvision``: every weight of the classification, detection, segmentation, video and
  optical-flow builders (``list_models`` / ``get_model_weights``), built with
  ``weights=None``;
* ``custom``: a user's ``package.module:callable`` or ``path/to/file.py:callable``.

Listing torchvision's weights needs ``import torchvision`` (4 s here), so the listing is
kept in ``data/zoo.json`` together with the library versions it came from and rebuilt
when they change. Nothing here downloads anything.
"""
from __future__ import annotations

import csv
import difflib
import fnmatch
import json
import re
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Iterable

from efficiency import ids

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
TIMM_TABLE = DATA / "reference" / "timm" / "results-imagenet.csv"
SNAPSHOT = DATA / "zoo.json"
SNAPSHOT_VERSION = 1

TASKS = ("classification", "detection", "segmentation", "video", "optical_flow", "custom")
TV_MODULES = {  # torchvision.models submodule -> task
    "": "classification",
    "detection": "detection",
    "segmentation": "segmentation",
    "video": "video",
    "optical_flow": "optical_flow",
}


@dataclass(frozen=True)
class ZooEntry:
    """One model of the zoo at one input size."""

    id: str                       # see efficiency.ids
    source: str                   # "timm" | "torchvision" | "custom"
    name: str                     # timm pretrained name / torchvision "builder.WEIGHTS" / entry point
    arch: str                     # architecture (timm model name without tag / torchvision builder)
    weights: str                  # pretrained tag / weight enum member / ""
    task: str
    family: str
    input_size: tuple[int, ...]   # per sample, e.g. (3, 224, 224); video (3, T, H, W)
    accuracy_ref: str             # where reference accuracy comes from
    paper: str = ""               # seed paper the architecture implements, "" if none
    user_accuracy: float | None = None  # custom models: ImageNet-1k top-1 the user gave

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


def family_of(arch: str) -> str:
    """Coarse family for colouring: 'resnet50d' -> 'resnet', 'convnextv2_tiny' -> 'convnextv2'."""
    name = re.sub(r"^(tf_|gluon_|legacy_|ig_|ssl_|swsl_|hf_)", "", arch.lower())
    m = re.match(r"([a-z]+)(\d*)", name)
    if not m:
        return name.split("_")[0]
    letters, digits = m.groups()
    # a trailing "v" + digits is a version (convnextv2, mobilenetv3), other digits a size
    return letters + digits if letters.endswith("v") and digits else letters


_NAT = re.compile(r"(\d+)")


def natural_key(text: str) -> list:
    """'resnet18' < 'resnet50' < 'resnet101' (timm's natural sort)."""
    return [int(t) if t.isdigit() else t for t in _NAT.split(text.lower())]


def _paper_for(arch: str) -> str:
    try:
        from efficiency.papers import seed_paper_for_arch
    except Exception:  # noqa: BLE001 - the claims table is optional for counting
        return ""
    try:
        return seed_paper_for_arch(arch) or ""
    except Exception:  # noqa: BLE001
        return ""


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
        """Entries whose id, name or arch matches any fnmatch pattern (case-insensitive),
        naturally sorted. Each pattern must match something, else UnknownModelError."""
        pool = [e for e in self if task in (None, e.task)]
        patterns = list(patterns or [])
        if not patterns:
            return pool
        chosen: dict[str, ZooEntry] = {}
        for pat in patterns:
            p = pat.lower()
            hits = [e for e in pool if any(fnmatch.fnmatchcase(s.lower(), p) for s in (e.id, e.name, e.arch))]
            if not hits:
                raise UnknownModelError(pat, self.suggest(pat))
            for e in hits:
                chosen[e.id] = e
        return sorted(chosen.values(), key=lambda e: natural_key(e.id))

    def suggest(self, pattern: str, n: int = 5) -> list[str]:
        names = sorted({e.arch for e in self} | {e.name for e in self})
        stem = pattern.strip("*?").lower()
        close = difflib.get_close_matches(stem, names, n=n, cutoff=0.6)
        if len(close) < n:
            close += [x for x in names if stem and stem in x.lower() and x not in close][: n - len(close)]
        return close[:n]


# --------------------------------------------------------------------------- timm


def timm_entries(table: Path = TIMM_TABLE) -> list[ZooEntry]:
    """One entry per (pretrained name, img_size) row of timm's ImageNet results table."""
    if not table.exists():
        raise FileNotFoundError(f"timm results table not found: {table}")
    out = []
    with open(table, newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["model"]
            size = int(row["img_size"])
            arch, _, tag = name.partition(".")
            out.append(ZooEntry(
                id=ids.timm_id(name, size), source="timm", name=name, arch=arch, weights=tag,
                task="classification", family=family_of(arch), input_size=(3, size, size),
                accuracy_ref=f"timm results-imagenet.csv ({name} @ {size})", paper=_paper_for(arch),
            ))
    return out


# --------------------------------------------------------------------------- torchvision


def _tv_input_size(task: str, builder: str, weight) -> tuple[int, ...]:
    kw = getattr(weight.transforms, "keywords", {}) or {}

    def first(v, default):
        if v is None:
            return default
        return int(v[0]) if isinstance(v, (list, tuple)) else int(v)

    if task == "classification":
        s = first(kw.get("crop_size"), 224)
        return (3, s, s)
    if task == "segmentation":
        s = first(kw.get("resize_size"), 520)
        return (3, s, s)
    if task == "video":
        s = first(kw.get("crop_size"), 112)
        return (3, 16, s, s)  # 16 frames, as torchvision's published _ops
    if task == "detection":
        m = re.search(r"(\d{3})", builder)  # ssd300, ssdlite320, *_320_fpn
        s = int(m.group(1)) if m else 800   # GeneralizedRCNNTransform min_size
        return (3, s, s)
    if task == "optical_flow":
        return (3, 512, 512)                # each of the two frames; matches torchvision's _ops
    raise ValueError(task)


def torchvision_entries() -> list[ZooEntry]:
    import torchvision.models as tvm

    out = []
    for sub, task in TV_MODULES.items():
        module = getattr(tvm, sub) if sub else tvm
        for builder in tvm.list_models(module=module):
            for w in tvm.get_model_weights(builder):
                out.append(ZooEntry(
                    id=ids.torchvision_id(builder, w.name), source="torchvision",
                    name=f"{builder}.{w.name}", arch=builder, weights=w.name, task=task,
                    family=family_of(builder), input_size=_tv_input_size(task, builder, w),
                    accuracy_ref=f"torchvision {type(w).__name__}.{w.name} meta", paper=_paper_for(builder),
                ))
    return out


# --------------------------------------------------------------------------- loading


def library_versions() -> dict[str, str]:
    """Installed versions without importing the packages (fast)."""
    out = {}
    for pkg in ("torch", "torchvision", "timm", "fvcore"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = ""
    return out


def _table_stamp(table: Path) -> str:
    # content, not mtime: a fresh clone must reuse the committed snapshot
    import hashlib
    return hashlib.sha1(table.read_bytes()).hexdigest()[:16]


def load_zoo(snapshot: Path | None = SNAPSHOT, rebuild: bool = False) -> Zoo:
    """The timm + torchvision zoo, from the snapshot when library versions are unchanged."""
    versions = library_versions()
    stamp = _table_stamp(TIMM_TABLE) if TIMM_TABLE.exists() else ""
    papers = DATA / "paper_claims.csv"
    pstamp = _table_stamp(papers) if papers.exists() else ""
    if snapshot is not None and snapshot.exists() and not rebuild:
        try:
            doc = json.loads(snapshot.read_text())
            if (doc.get("version") == SNAPSHOT_VERSION and doc.get("libraries") == versions
                    and doc.get("timm_table") == stamp and doc.get("paper_claims") == pstamp):
                return Zoo(ZooEntry(**{**e, "input_size": tuple(e["input_size"])}) for e in doc["entries"])
        except (ValueError, KeyError, TypeError):
            pass  # a broken snapshot is derived data: rebuild it below
    entries = timm_entries() + torchvision_entries()
    zoo = Zoo(entries)
    if snapshot is not None:
        doc = {"version": SNAPSHOT_VERSION, "libraries": versions, "timm_table": stamp,
               "paper_claims": pstamp, "entries": [asdict(e) for e in zoo]}
        tmp = snapshot.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(doc, indent=0))
        tmp.replace(snapshot)
    return zoo
