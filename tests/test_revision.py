"""Builder revisions: editing code outside a library (a seed paper's module, a user's model file) makes
its rows stale; library entries' keys do not change."""
import os
import subprocess
import sys
from pathlib import Path

from efficiency.measure.environment import library_versions
from efficiency.run.plan import count_key
from efficiency.store import cache
from efficiency.zoo import load_zoo
from efficiency.zoo.custom import custom_entry
from efficiency.zoo.revision import builder_revision, custom_file, seed_files, user_files, user_roots

ROOT = Path(__file__).resolve().parent.parent

SEED_PAPER = '''
from efficiency.zoo.seed import layers, helper_values
from efficiency.zoo.seed.scan import scan
'''

USER_MODEL = '''
from torch import nn

def tiny():
    return nn.Conv2d(3, {width}, 3)
'''


def _package(tmp_path):
    pkg = tmp_path / "seed"
    pkg.mkdir()
    (pkg / "paper_a.py").write_text(SEED_PAPER)
    (pkg / "paper_b.py").write_text("from efficiency.zoo.seed import layers\n")
    (pkg / "layers.py").write_text("X = 1\n")
    (pkg / "scan.py").write_text("from efficiency.zoo.seed.kernels import k\n")
    (pkg / "kernels.py").write_text("k = 2\n")
    return pkg


def test_seed_files_follow_the_seed_imports_transitively(tmp_path):
    pkg = _package(tmp_path)
    # helper_values is imported by name but is no module file: it is skipped, not an error
    assert [p.name for p in seed_files("paper_a", pkg)] == ["kernels.py", "layers.py", "paper_a.py", "scan.py"]
    assert [p.name for p in seed_files("paper_b", pkg)] == ["layers.py", "paper_b.py"]
    assert seed_files("missing", pkg) == []


def test_shipped_seed_papers_hash_their_own_modules():
    names = {p.name for p in seed_files("efficientvmamba")}
    assert {"efficientvmamba.py", "selective_scan.py"} <= names and "cswin.py" not in names
    zoo = load_zoo()
    vm = zoo.get("seed/efficientvmamba.t@3x224x224")
    cs = zoo.get("seed/cswin.cswin_t@3x224x224")
    assert len(builder_revision(vm)) == 16 and builder_revision(vm) != builder_revision(cs)


def test_library_entries_have_no_revision_and_keep_their_keys():
    e = load_zoo().get("timm/resnet50.a1_in1k@224")
    assert builder_revision(e) == ""


def test_custom_file_is_found_for_paths_and_modules(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("x = 1\n")
    assert custom_file(f"{f}:fn") == f.resolve()
    assert custom_file(f"{tmp_path / 'absent.py'}:fn") is None
    assert custom_file("efficiency.zoo.revision:builder_revision").name == "revision.py"
    assert custom_file("no_such_package_xyz.mod:fn") is None


def test_editing_a_user_model_changes_its_count_key(tmp_path):
    f = tmp_path / "user.py"
    f.write_text(USER_MODEL.format(width=4))
    e = custom_entry(f"{f}:tiny", "3,32,32")
    before = count_key(e, library_versions())
    assert count_key(e, library_versions()) == before          # stable while the file is unchanged
    f.write_text(USER_MODEL.format(width=8))
    assert count_key(e, library_versions()) != before


def test_refresh_recounts_an_edited_user_model(tmp_path):
    f = tmp_path / "user.py"
    f.write_text(USER_MODEL.format(width=4))
    db = tmp_path / "c.parquet"
    args = [sys.executable, "-m", "efficiency.refresh", "--no-progress", "--custom", f"{f}:tiny",
            "--input-size", "3,32,32", "--skip-latency", "--cache", str(db)]
    go = lambda: subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)  # noqa: E731
    r = go()
    assert r.returncode == 0, r.stderr
    assert int(cache.read(db)["params"].iloc[0]) == 4 * 27 + 4
    r = go()
    assert r.returncode == 0 and "Nothing to do" in r.stdout
    f.write_text(USER_MODEL.format(width=8))          # the user changed the model: the row is stale
    r = go()
    assert r.returncode == 0, r.stderr
    df = cache.read(db)
    assert len(df) == 1 and int(df["params"].iloc[0]) == 8 * 27 + 8


def test_parenthesised_imports_may_span_lines(tmp_path):
    pkg = _package(tmp_path)
    (pkg / "paper_c.py").write_text("from efficiency.zoo.seed import (\n    layers,\n    kernels,\n)\nimport scan\n")
    assert [p.name for p in seed_files("paper_c", pkg)] == ["kernels.py", "layers.py", "paper_c.py"]


USER_WITH_IMPORTS = '''
import os, torch
import blocks
from pkg.sub import thing
from pkg import helpers, not_a_module
from efficiency.zoo import registry
from torch import nn

def tiny():
    return nn.Conv2d(3, blocks.WIDTH, 3)
'''


def _user_project(tmp_path):
    (tmp_path / "user.py").write_text(USER_WITH_IMPORTS)
    (tmp_path / "blocks.py").write_text("WIDTH = 4\n")
    (tmp_path / "unused.py").write_text("X = 1\n")                 # imported by nobody: not hashed
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "sub.py").write_text("from . import deep\nfrom .nested import leaf\nthing = 1\n")
    (pkg / "deep.py").write_text("from ..blocks import WIDTH\n")    # beyond the package: resolved, no error
    (pkg / "helpers.py").write_text("import json\n")
    (pkg / "nested").mkdir()                                        # a namespace package (no __init__)
    (pkg / "nested" / "leaf.py").write_text("LEAF = 2\n")
    return tmp_path / "user.py"


def test_user_files_follow_the_users_own_imports_transitively(tmp_path):
    user = _user_project(tmp_path)
    got = {p.relative_to(tmp_path).as_posix() for p in user_files(user, roots=())}
    # the file's folder is a root; torch, os, json and this project's efficiency package are not user code
    assert got == {"user.py", "blocks.py", "pkg/__init__.py", "pkg/sub.py", "pkg/deep.py", "pkg/helpers.py",
                   "pkg/nested/leaf.py"}


def test_user_files_survive_a_file_that_does_not_parse(tmp_path):
    f = tmp_path / "broken.py"
    f.write_text("def (:\n")
    assert user_files(f, roots=()) == [f.resolve()]


def test_user_roots_leave_out_installed_packages_and_the_standard_library():
    roots = user_roots()
    assert roots and all("site-packages" not in r.parts for r in roots)
    assert Path(os.__file__).resolve().parent not in roots


def test_editing_a_module_the_user_model_imports_changes_its_count_key(tmp_path):
    user = _user_project(tmp_path)
    e = custom_entry(f"{user}:tiny", "3,32,32")
    before = count_key(e, library_versions())
    (tmp_path / "unused.py").write_text("X = 2\n")
    assert count_key(e, library_versions()) == before          # not imported: no recount
    (tmp_path / "pkg" / "nested" / "leaf.py").write_text("LEAF = 30\n")   # size too: mtime is coarse
    assert count_key(e, library_versions()) != before          # two imports deep: recount
