"""The revision of the code that builds a zoo entry, for the rows' input keys (no torch, nothing imported).

A library's architectures (timm, torchvision, transformers) change only with the library's version,
which every input key already holds. Code outside a library has no version: our own implementations
of the seed papers (``efficiency/zoo/seed/``) and a user's entry point change in place. Their revision
is a hash of the source files that build them, so editing a builder makes its rows stale and the next
refresh recomputes them instead of keeping counts and timings of a network that no longer exists.

Only the builder's own files are hashed (a seed paper's module and the seed modules it imports; a
user's module file), not the whole package: editing one paper recomputes that paper's rows alone.
"""
from __future__ import annotations

import hashlib
import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from efficiency.zoo.registry import ZooEntry

SEED_PACKAGE = Path(__file__).resolve().parent / "seed"

# "from efficiency.zoo.seed import layers, selective_scan" and "from efficiency.zoo.seed.layers import x"
# (a parenthesised list may span lines; an unparenthesised one ends at its line)
_SEED_IMPORT = re.compile(r"^[ \t]*from[ \t]+efficiency\.zoo\.seed(?:\.(\w+))?[ \t]+import[ \t]+(\([^)]*\)|[\w \t,]+)",
                          re.M)


def builder_revision(entry: ZooEntry) -> str:
    """A hash of the source that builds ``entry``; "" for library sources (their version is keyed
    already) and where the source cannot be located (the build itself then fails as an error row)."""
    if entry.source == "seed":
        return _files_hash(tuple(seed_files(entry.name.partition(".")[0])))
    if entry.source == "custom":
        path = custom_file(entry.name)
        return _files_hash((path,)) if path is not None else ""
    return ""


def seed_files(paper: str, package: Path = SEED_PACKAGE) -> list[Path]:
    """The module ``<package>/<paper>.py`` and, transitively, the seed modules it imports, sorted."""
    seen: set[Path] = set()
    todo = [package / f"{paper}.py"]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        for sub, names in _SEED_IMPORT.findall(path.read_text(encoding="utf-8")):
            # "from efficiency.zoo.seed.X import y" imports module X; "from efficiency.zoo.seed import
            # a, b" imports modules a and b (names that are no module file are skipped by is_file)
            mods = [sub] if sub else re.findall(r"\w+", names)
            todo.extend(package / f"{m}.py" for m in mods)
    return sorted(seen)


def custom_file(spec: str) -> Path | None:
    """The source file of a user's entry point ``file.py:fn`` or ``package.module:fn``, if it can be
    found without running it (a dotted module's parent packages are imported to locate it)."""
    target = spec.rpartition(":")[0]
    if target.endswith(".py"):
        path = Path(target).expanduser().resolve()
        return path if path.is_file() else None
    try:
        found = importlib.util.find_spec(target)
    except (ImportError, ValueError):
        return None
    origin = getattr(found, "origin", None)
    return Path(origin) if origin and Path(origin).is_file() else None


def _files_hash(paths: tuple[Path, ...]) -> str:
    if not paths:
        return ""
    stats = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return _hash_of(stats)


@lru_cache(maxsize=256)
def _hash_of(stats: tuple) -> str:
    # keyed by (path, mtime, size): the plan asks once per entry and configuration, the files are read once
    h = hashlib.sha1()
    for path, _mtime, _size in stats:
        h.update(Path(path).name.encode())   # the name, not the checkout's location: clones agree
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]
