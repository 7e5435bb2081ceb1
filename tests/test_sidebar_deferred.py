"""The shared sidebar is decided before the page and drawn after it, in its place on top
(efficiency/ui/sidebar.py); the explorer's notes other than warnings sit under its chart
(efficiency/ui/pareto_notes.py). Both so that the chart reaches a first visit's browser, and its
first screen, sooner (issue 13 item 8)."""
from streamlit.testing.v1 import AppTest

from tests.conftest import run_app

# the page's own elements, between the sidebar's decision and its drawing; records the order in
# which the run sends its elements (what the browser renders first)
HARNESS = """
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from efficiency.ui import session as ui, sidebar

ctx = get_script_run_ctx()
sent, enqueue = [], ctx._enqueue

def spy(msg):
    if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
        el = msg.delta.new_element
        kind = el.WhichOneof("type")
        sent.append(f"{kind}:{getattr(getattr(el, kind), 'label', '') or getattr(getattr(el, kind), 'body', '')}")
    enqueue(msg)

ctx._enqueue = spy
try:
    with sidebar.deferred(ui.data(), "pareto") as s:
        st.session_state["decided_task"] = s.task
        st.sidebar.caption("the page's sidebar")
        st.text("the page")
        if st.session_state.get("stop"):
            ui.stop()
finally:
    ctx._enqueue = enqueue
    st.session_state["sent"] = sent
"""


def _flat(node, out: list) -> list:
    children = getattr(node, "children", None)
    if children:
        for k in sorted(children):
            _flat(children[k], out)
    else:
        out.append(node)
    return out


def _labels(block) -> list[str]:
    return [str(getattr(n, "label", None) or getattr(n, "value", "")) for n in _flat(block, [])]


def _harness(stop: bool = False) -> AppTest:
    at = AppTest.from_string(HARNESS, default_timeout=60)
    at.session_state["stop"] = stop
    at.run()
    assert not at.exception, at.exception
    return at


def test_sidebar_is_sent_after_the_page_and_shown_above_it(fixture_env):
    at = _harness()
    sent = at.session_state["sent"]
    page = sent.index("text:the page")
    task = next(i for i, e in enumerate(sent) if e == "selectbox:Task")
    assert page < task, sent                     # the browser gets the page first
    shown = _labels(at.sidebar)                  # ... and shows the shared sidebar on top
    assert shown.index("View") < shown.index("Task") < shown.index("Device") < shown.index("the page's sidebar")
    assert at.selectbox(key="w_task").value == at.session_state["decided_task"] == "classification"


def test_a_choice_is_decided_before_the_page_reads_it(fixture_env):
    at = _harness()
    at.selectbox(key="w_task").set_value("detection").run()
    assert not at.exception, at.exception
    assert at.session_state["decided_task"] == "detection"    # what the page saw in that same run
    assert at.selectbox(key="w_task").value == "detection"
    assert at.session_state["view"].task == "detection"


def test_a_page_that_stops_early_still_draws_the_sidebar_once(fixture_env):
    at = _harness(stop=True)
    shown = _labels(at.sidebar)
    assert shown.count("Task") == 1 and "Device" in shown
    assert shown.index("Task") < shown.index("the page's sidebar")
    assert any(p.proto.popover.label == "Share this view" for p in at.get("popover"))   # ui.stop() draws it too
    at.selectbox(key="w_task").set_value("detection").run()    # the choice survives runs that stop
    assert at.selectbox(key="w_task").value == "detection"


def test_the_shared_sidebar_is_on_every_page(fixture_env):
    for page in ("pareto", "models", "detail", "compare", "claims", "hardware", "data"):
        at = run_app({"x": "latency_p50"}, page=page)
        shown = _labels(at.sidebar)
        assert shown.count("Task") == 1 and shown.count("Batch size") == 1, (page, shown)
        assert any(p.proto.popover.label == "Share this view" for p in at.get("popover")), page


def test_notes_go_under_a_chart_with_points_and_warnings_stay_above(fixture_env):
    at = run_app({"x": "latency_p50"})
    main = [n.type for n in _flat(at.main, [])]
    chart = main.index("plotly_chart")
    assert main.index("info") > chart                        # the models not plotted, under the chart
    cov = next(i for i, n in enumerate(_flat(at.main, [])) if "have latency for" in str(getattr(n, "value", "")))
    assert cov > chart
    pointer = next(c.value for c in at.caption if "under the chart" in c.value)
    assert "3 notes" in pointer


def test_notes_stay_above_an_empty_chart(fixture_env):
    at = run_app({"amin": "99.9"})                           # the filters leave nothing to draw
    flat = _flat(at.main, [])
    types = [n.type for n in flat]
    assert types.index("warning") < types.index("plotly_chart")
    assert types.index("info") < types.index("plotly_chart")
    assert not any("under the chart" in c.value for c in at.caption)
