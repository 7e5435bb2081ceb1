"""ViewState <-> query params: round trip, and malformed input never raises."""
from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings, strategies as st

from efficiency.ui import state as vs
from efficiency.ui.state import DEFAULT, ViewState, from_query, parse_query, to_query
from efficiency.vocab import COLOR_BY, DEVICES, DTYPES, MODES, X_AXES

names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.+\-]{0,20}", fullmatch=True)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
opt_float = st.none() | finite
item = st.text(min_size=1, max_size=30)
columns = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)

states = st.builds(
    ViewState,
    page=st.sampled_from(list(vs.PAGES)),
    x=st.sampled_from(X_AXES),
    y_dataset=names, y_metric=names,
    log_x=st.booleans(), log_y=st.booleans(),
    color=st.sampled_from(COLOR_BY), claims=st.booleans(), task=names,
    sources=st.lists(names, max_size=4).map(tuple),
    families=st.lists(names, max_size=4).map(tuple),
    search=st.text(max_size=40), show_test=st.booleans(),
    acc_min=opt_float, acc_max=opt_float, cost_min=opt_float, cost_max=opt_float,
    seed_only=st.booleans(),
    selection=st.lists(item, max_size=6).map(tuple),
    device=st.sampled_from(DEVICES), batch=st.integers(1, 4096),
    dtype=st.sampled_from(DTYPES), mode=st.sampled_from(MODES),
    budget_ms=opt_float,
    highlight=st.text(max_size=40), labels=st.booleans(), bubble=st.sampled_from(vs.BUBBLES),
    table_filter=st.text(max_size=40),
    # the Models page's columns (None: its defaults, (): key columns only) and order; Paper claims' filters
    table_columns=st.none() | st.lists(columns, max_size=5).map(tuple),
    table_sort=st.builds(lambda desc, c: ("-" if desc else "") + c, st.booleans(), columns),
    claims_show=st.sampled_from(vs.CLAIMS_SHOW), claims_flagged=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(states)
def test_round_trip(state):
    q = to_query(state)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in q.items())
    assert from_query(q) == state
    assert parse_query(q)[1] == []


def test_default_is_empty_query():
    assert to_query(DEFAULT) == {}
    assert from_query({}) == DEFAULT


def test_ids_with_commas_and_percent():
    s = replace(DEFAULT, selection=("custom/pkg.mod:build@3,224,224", "timm/a%2Cb@224", "x y"))
    assert from_query(to_query(s)) == s


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(list(vs._KEYS.values()) + ["zzz", "__class__", "../x"]),
                       st.text(max_size=30)))
def test_arbitrary_params_never_raise(params):
    state, problems = parse_query(params)
    assert isinstance(state, ViewState)
    assert state.x in X_AXES and state.page in vs.PAGES
    assert isinstance(problems, list)


def test_malformed_values_are_ignored():
    state, problems = parse_query({"x": "os.system('rm')", "bs": "-3", "budget": "nan", "logx": "maybe",
                                   "ds": "../../etc/passwd", "amin": "70", "unknown": "1",
                                   "src": "timm,torch vision"})
    assert state == replace(DEFAULT, acc_min=70.0)
    assert len(problems) == 7


def test_view_options_in_the_link():
    """Issue 13 item 4's options travel in the link under short keys, and bad values are refused."""
    s = replace(DEFAULT, highlight="resnet5*", labels=False, bubble="memory")
    assert to_query(s) == {"hl": "resnet5*", "labels": "0", "size": "memory"}
    assert from_query(to_query(s)) == s
    state, problems = parse_query({"size": "flops", "labels": "2"})
    assert state == DEFAULT and len(problems) == 2


def test_multi_valued_uses_last():
    assert from_query({"x": ["gmacs", "params"]}).x == "params"


def test_page_controls_in_the_link():
    """UXCHECK5 #7, #8: the Models page's columns and order and Paper claims' two filters travel in the
    link; () (key columns only) is not None (the page's defaults); bad values are refused."""
    s = replace(DEFAULT, table_columns=(), table_sort="gmacs", claims_show="ours", claims_flagged=True)
    assert to_query(s) == {"cols": "", "sort": "gmacs", "cshow": "ours", "cflag": "1"}
    assert from_query(to_query(s)) == s
    state, problems = parse_query({"cols": "Mem", "sort": "-", "cshow": "some", "cflag": "2"})
    assert state == DEFAULT and len(problems) == 4
