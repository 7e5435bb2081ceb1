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


@pytest.fixture(scope="module")
def shipped_url():
    """A Streamlit server of the app on the shipped tables (data/), for browser tests; its base URL. Skips
    without Chromium. (The shipped default front has 43 rows, where the fixture tables' 6 hide what a long
    page does.)"""
    from test_browser import CHROMIUM, streamlit_server
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    data = ROOT / "data"
    with streamlit_server({"EFFICIENCY_RESULTS": str(data / "results.parquet"),
                           "EFFICIENCY_ACCURACY": str(data / "accuracy.parquet"),
                           "EFFICIENCY_CLAIMS": str(data / "paper_claims.csv")}) as base:
        yield base


@pytest.fixture()
def shipped_env(monkeypatch):
    """The dashboard reads the shipped tables (data/)."""
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(ROOT / "data" / "results.parquet"))
    monkeypatch.setenv("EFFICIENCY_ACCURACY", str(ROOT / "data" / "accuracy.parquet"))
    monkeypatch.setenv("EFFICIENCY_CLAIMS", str(ROOT / "data" / "paper_claims.csv"))
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def lang_tables(tmp_path_factory):
    """Vision and language models in one cache (tests/language_fixture.py), written once per module."""
    from language_fixture import write_language_fixture

    return write_language_fixture(tmp_path_factory.mktemp("lang"))


@pytest.fixture()
def lang_env(lang_tables, monkeypatch):
    """The dashboard reads :func:`lang_tables`, from the repository root."""
    for k, v in lang_tables.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(ROOT)


def use_tables(tmp_path, monkeypatch, results, accuracy) -> Path:
    """Point the dashboard at synthetic ``results`` (a results cache) and ``accuracy`` tables written
    under ``tmp_path`` (no claims); returns ``tmp_path``."""
    from efficiency.store import cache

    cache.write_atomic(results, tmp_path / "results.parquet")
    accuracy.to_parquet(tmp_path / "accuracy.parquet")
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(tmp_path / "results.parquet"))
    monkeypatch.setenv("EFFICIENCY_ACCURACY", str(tmp_path / "accuracy.parquet"))
    monkeypatch.setenv("EFFICIENCY_CLAIMS", str(tmp_path / "no_claims.csv"))
    monkeypatch.chdir(ROOT)
    return tmp_path


def run_app(query: dict, page: str = "pareto", timeout: int = 60, context: dict | None = None):
    """app.py under AppTest with ``query`` as its URL, switched to ``page``; fails on an exception.
    ``context``: what the page reads from ``st.context`` (``{"theme": "dark"}``)."""
    from streamlit.testing.v1 import AppTest

    from efficiency.ui.state import PAGES

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.context.update(context or {})
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page != "pareto":
        at.switch_page(PAGES[page][1]).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def claims_page():
    """The Paper claims page on the shipped tables (data/), rendered once per module."""
    mp = pytest.MonkeyPatch()
    mp.setenv("EFFICIENCY_RESULTS", str(ROOT / "data" / "results.parquet"))
    mp.setenv("EFFICIENCY_ACCURACY", str(ROOT / "data" / "accuracy.parquet"))
    mp.setenv("EFFICIENCY_CLAIMS", str(ROOT / "data" / "paper_claims.csv"))
    mp.chdir(ROOT)
    try:
        yield run_app({}, page="claims", timeout=180)
    finally:
        mp.undo()


def models_page(query: dict | None = None):
    """app.py under AppTest with ``query`` as its URL, switched to the Models page (no exception check: the
    callers look at the page's own state)."""
    from streamlit.testing.v1 import AppTest

    from efficiency.ui.state import PAGES

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    return at.switch_page(PAGES["models"][1]).run()


def bench_module(name: str):
    """``bench/<name>.py`` imported as a module (bench/ is scripts, not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
