"""Import rules of the package tree, read from the source (every import, module level or inside a
function): the dashboard's packages never reach the measuring side, and each package imports only
the packages below it in the flow zoo -> measure -> run -> store -> reference -> ui."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "efficiency"
TORCH_SIDE = ("torch", "torchvision", "timm", "fvcore", "transformers")

# package -> internal packages it may import directly (vocab and paths are open to all)
ALLOWED = {
    "zoo": {"zoo", "reference", "measure"},        # paper labels; library versions of the listing
    "measure": {"measure", "store"},               # the schema's COUNTER_VERSION and column names
    "run": {"run", "zoo", "measure", "store"},
    "store": {"store", "reference"},               # query adds users' accuracy to the reference table
    "reference": {"reference", "zoo", "store"},    # accuracy_build lists torchvision through the zoo
    "ui": {"ui", "store", "reference"},
}
OPEN = {"vocab", "paths"}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute names (relative imports resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    here = module_name(path).split(".") if path.is_relative_to(ROOT) else ["efficiency", "x"]
    if path.name != "__init__.py":
        here = here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
            out.add(base)
            # "from efficiency.zoo import timm" imports the submodule efficiency.zoo.timm
            out.update(f"{base}.{a.name}" for a in node.names if (PKG.parent / (base + "." + a.name).replace(".", "/")).with_suffix(".py").exists())
    return out


MODULES = {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "efficiency" else None


def closure(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        path = MODULES.get(m)
        if path is not None:
            todo.extend(i for i in imports(path) if i.startswith("efficiency") or i.split(".")[0] in TORCH_SIDE)
    return seen


def test_every_module_belongs_to_a_package_or_is_an_entry_point():
    top = {module_name(p) for p in PKG.glob("*.py") if p.name != "__init__.py"}
    assert top == {"efficiency.vocab", "efficiency.paths", "efficiency.refresh", "efficiency.plot"}, top


@pytest.mark.parametrize("module", sorted(MODULES))
def test_direct_imports_follow_the_layering(module):
    pkg = package_of(module)
    if pkg not in ALLOWED:
        return
    bad = sorted(i for i in imports(MODULES[module])
                 if i.startswith("efficiency.") and package_of(i) not in ALLOWED[pkg] | OPEN)
    assert not bad, f"{module} may not import {bad}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if package_of(m) in ("ui", "store")))
def test_ui_and_store_never_reach_torch_or_the_measuring_packages(module):
    reached = closure(module)
    bad = sorted(m for m in reached
                 if m.split(".")[0] in TORCH_SIDE or package_of(m) in ("measure", "run", "zoo"))
    assert not bad, f"{module} reaches {bad}"


def test_the_rule_catches_a_violation(tmp_path):
    # the checker itself: a module that imports torch inside a function is seen
    f = tmp_path / "m.py"
    f.write_text("def f():\n    import torch.nn\n    from efficiency.measure import latency\n")
    found = imports(f)
    assert "torch.nn" in found and "efficiency.measure" in found and "efficiency.measure.latency" in found
