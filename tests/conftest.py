import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHONWARNINGS", "ignore")


@pytest.fixture()
def fixture_env(monkeypatch):
    """The dashboard reads the small fixture tables (tests/fixtures) from the repository root."""
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(FIX / "results.parquet"))
    monkeypatch.setenv("EFFICIENCY_ACCURACY", str(FIX / "accuracy.parquet"))
    monkeypatch.setenv("EFFICIENCY_CLAIMS", str(FIX / "paper_claims.csv"))
    monkeypatch.chdir(ROOT)
