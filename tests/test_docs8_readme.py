"""data/README.md's statements about the timing loop's samples, warm-up records, GPU machines and schema version are
the cache's own (AUDIT8 F5 found "660 of the 4,405" and "the shipped rows predate them" stale after the
2026-12-08 merge, and "GPU rows on an NVIDIA H200" after the H100's rows): a merge that changes a figure fails here
until the sentence is changed too."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from efficiency import paths
from efficiency.store.schema import SCHEMA_VERSION
from efficiency.ui.tables import MIN_SAMPLES_TAIL

ROOT = Path(__file__).resolve().parent.parent
README = " ".join((ROOT / "data" / "README.md").read_text().split())   # line breaks as spaces
SAMPLES = re.compile(r"([\d,]+) of the ([\d,]+) good latency rows have fewer than (\d+) timed calls "
                     r"\(`n_samples`; ([\d,]+) fewer than (\d+), ([\d,]+) exactly (\d+)\), and the dashboard shows "
                     r"no p90/p99 under (\d+)")
WARMUP = re.compile(r"The ([\d,]+) good latency rows measured on (\d{4}-\d\d-\d\d) record them; the ([\d,]+) "
                    r"measured before (\d{4}-\d\d-\d\d) predate them")


def _int(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def latency() -> pd.DataFrame:
    """Every good latency row of the shipped file (zoo entries and derived input sizes alike)."""
    raw = pd.read_parquet(paths.RESULTS)
    return raw[(raw["kind"] == "latency") & (raw["error"].fillna("") == "")]


def test_timed_call_counts_match_the_cache(latency):
    m = SAMPLES.search(README)
    assert m, "data/README.md's n_samples sentence is gone or reworded: update this test with it"
    low, total, under, tail, tail_at, three, three_at, shown = m.groups()
    n = pd.to_numeric(latency["n_samples"])
    assert _int(total) == len(latency)
    assert _int(low) == int((n < int(under)).sum())
    assert _int(tail) == int((n < int(tail_at)).sum())
    assert _int(three) == int((n == int(three_at)).sum())
    assert int(tail_at) == int(shown) == MIN_SAMPLES_TAIL     # the "no p90/p99" threshold is the UI's own


def test_warmup_record_sentence_matches_the_cache(latency):
    m = WARMUP.search(README)
    assert m, "data/README.md's warm-up sentence is gone or reworded: update this test with it"
    recorded, day, before, cutoff = m.groups()
    has = latency["warmup_calls"].notna()
    days = latency["measured_at"].astype(str).str[:10]
    assert _int(recorded) == int(has.sum())
    assert _int(before) == int((~has).sum()) == len(latency) - _int(recorded)
    assert day == cutoff == days[has].min() == days[has].max()    # one day records them, and it is named
    assert (days[~has] < cutoff).all()                              # every row without them is older
    assert f"Rows measured before schema {SCHEMA_VERSION} (every row measured before {cutoff})" in README


def test_every_gpu_is_named_where_the_readme_says_where_rows_were_measured(latency):
    at = README.index("Latency rows: CPU rows on")
    said = README[at:README.index("GPU coverage of the", at)]
    gpus = sorted(latency.loc[latency["device"] == "cuda", "gpu_name"].dropna().astype(str).unique())
    assert gpus, "no GPU latency row: the sentence needs rewording"
    for gpu in gpus:
        assert gpu in said, f"{gpu} measured latency rows but data/README.md does not name it"


def test_schema_version_stated_is_the_code_s():
    assert f"(now {SCHEMA_VERSION}:" in README
