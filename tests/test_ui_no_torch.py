"""Nothing on the UI path imports torch (checked in a fresh interpreter)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = r"""
import os, sys, runpy
os.environ.setdefault("EFFICIENCY_RESULTS", "tests/fixtures/results.parquet")
os.environ.setdefault("EFFICIENCY_ACCURACY", "tests/fixtures/accuracy.parquet")
os.environ.setdefault("EFFICIENCY_CLAIMS", "tests/fixtures/paper_claims.csv")
import efficiency.store.query, efficiency.reference.papers, efficiency.reference.claims
import efficiency.ui.pareto, efficiency.ui.state, efficiency.ui.axes, efficiency.ui.tables, efficiency.ui.explorer
import efficiency.ui.claims_view, efficiency.ui.detail, efficiency.ui.hardware, efficiency.ui.commands
import efficiency.ui.figures, efficiency.ui.plot_cli, efficiency.plot, efficiency.ui.data, efficiency.ui.session
from streamlit.testing.v1 import AppTest
from efficiency.ui.state import PAGES
at = AppTest.from_file("app.py", default_timeout=60).run()
assert not at.exception, at.exception
for key, (title, file) in PAGES.items():
    at.switch_page(file).run()
    assert not at.exception, (file, at.exception)
bad = sorted(m for m in sys.modules if m == "torch" or m.startswith(("torch.", "torchvision", "timm", "fvcore")))
print("TORCH-FREE" if not bad else "IMPORTED: " + " ".join(bad[:10]))
"""


def test_ui_path_does_not_import_torch():
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "TORCH-FREE" in out.stdout, out.stdout[-2000:]


def test_plot_cli_does_not_import_torch():
    code = "import sys, efficiency.plot; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
