"""The revision of the code that builds a zoo entry, for the rows' input keys (no torch, nothing imported).

A library's architectures (timm, torchvision, transformers) change only with the library's version,
which every input key already holds. Code outside a library has no version: our own implementations
of the seed papers (``efficiency/zoo/seed/``) and a user's entry point change in place. Their revision
is a hash of the source files that build them, so editing a builder makes its rows stale and the next
refresh recomputes them instead of keeping counts and timings of a network that no longer exists.

Only the builder's own files are hashed, not the whole package: editing one paper recomputes that
paper's rows alone. A seed paper: its module and the seed modules it imports. A user's entry point: its
file and, transitively, the modules it imports that are the user's own, found by reading the import
statements (nothing is run) and resolving them against the file's folder and the non-library entries of
``sys.path`` (the working directory); installed packages, the standard library and this project's own
``efficiency`` package are not the user's code and are keyed by their versions or not at all.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import re
import sys
import sysconfig
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
        return _files_hash(tuple(user_files(path))) if path is not None else ""
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


def user_files(path: Path, roots: tuple[Path, ...] | None = None) -> list[Path]:
    """``path`` and, transitively, the user's own modules it imports (module docstring), sorted.
    ``roots``: where absolute imports are looked for besides the file's folder (None: :func:`user_roots`)."""
    roots = user_roots() if roots is None else roots
    seen: set[Path] = set()
    todo = [path.resolve()]
    while todo:
        f = todo.pop()
        if f in seen or not f.is_file():
            continue
        seen.add(f)
        try:
            tree = ast.parse(f.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue        # the build fails on it and becomes an error row; the file itself is hashed
        for node in ast.walk(tree):
            todo.extend(_imported_files(node, f, (f.parent, *roots)))
    return sorted(seen)


def user_roots() -> tuple[Path, ...]:
    """The entries of ``sys.path`` that hold user code: not the standard library, not installed packages."""
    lib = {Path(p).resolve() for k in ("stdlib", "platstdlib", "purelib", "platlib")
           if (p := sysconfig.get_paths().get(k))}
    out = []
    for entry in sys.path:
        root = Path(entry or os.getcwd()).resolve()
        if root.is_dir() and not any(root == d or d in root.parents for d in lib) \
                and not {"site-packages", "dist-packages"} & set(root.parts):
            out.append(root)
    return tuple(dict.fromkeys(out))


NOT_USER_CODE = {"efficiency", *sys.stdlib_module_names}    # top-level names never hashed as user code


def _imported_files(node: ast.AST, importer: Path, roots: tuple[Path, ...]) -> list[Path]:
    """The files of the user's modules that one import statement of ``importer`` loads (each package's
    ``__init__.py`` on the way, and for "from a import b" the submodule b where one exists)."""
    if isinstance(node, ast.Import):
        return [f for a in node.names for f in _absolute(a.name.split("."), roots)]
    if not isinstance(node, ast.ImportFrom):
        return []
    parts = node.module.split(".") if node.module else []
    names = [a.name for a in node.names if a.name != "*"]
    if node.level:          # relative: from the importer's package, one folder up per extra dot
        base = importer.parent
        for _ in range(node.level - 1):
            base = base.parent
        return [f for sub in ([parts] if parts else []) + [parts + [n] for n in names] for f in _module(base, sub)]
    return [f for sub in [parts] + [parts + [n] for n in names] for f in _absolute(sub, roots)]


def _absolute(parts: list[str], roots: tuple[Path, ...]) -> list[Path]:
    if not parts or parts[0] in NOT_USER_CODE:
        return []
    return [f for root in roots for f in _module(root, parts)]


def _module(base: Path, parts: list[str]) -> list[Path]:
    """Existing files for module ``parts`` under ``base``: each package's ``__init__.py``, then the
    module's file or package; [] when ``base`` holds no such module."""
    out, folder = [], base
    for i, part in enumerate(parts):
        if i == len(parts) - 1 and (folder / f"{part}.py").is_file():
            return out + [folder / f"{part}.py"]
        folder = folder / part
        if not folder.is_dir():
            return []
        if (folder / "__init__.py").is_file():
            out.append(folder / "__init__.py")
        # else a namespace package (a plain folder): no code of its own, its modules are still the user's
    return out


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
