"""Log axis ticks (efficiency.ui.log_ticks): properties over arbitrary ranges, and the figures that use them."""
from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest
from hypothesis import given, settings, strategies as st

from efficiency.ui.log_ticks import MAX_TICKS, label_log_axes, log_ticks, parse_label, tick_label

# ranges from 1e-9 to 1e13 (energy in J to throughput in samples/s, and beyond), 0.001 to 20 decades wide
exponents = st.floats(min_value=-9, max_value=24, allow_nan=False)   # up to training FLOPs
spans = st.floats(min_value=1e-3, max_value=20, allow_nan=False)


def _range(a: float, span: float) -> tuple[float, float]:
    return 10 ** a, 10 ** (a + span)


@settings(max_examples=400, deadline=None)
@given(exponents, spans)
def test_ticks_increase_inside_the_range_and_are_at_least_two(a, span):
    lo, hi = _range(a, span)
    t = log_ticks(lo, hi)
    assert len(t.values) >= 2
    assert all(lo <= v <= hi for v in t.values)
    assert all(b > v for v, b in zip(t.values, t.values[1:]))
    assert len(t.values) <= MAX_TICKS


@settings(max_examples=400, deadline=None)
@given(exponents, spans)
def test_labels_read_back_as_their_values_and_differ(a, span):
    t = log_ticks(*_range(a, span))
    assert len(t.labels) == len(t.values) == len(set(t.labels))
    for v, text in zip(t.values, t.labels):
        assert parse_label(text) == pytest.approx(v, rel=1e-11), text


@settings(max_examples=400, deadline=None)
@given(exponents, st.floats(min_value=1e-3, max_value=MAX_TICKS - 1.001, allow_nan=False))
def test_every_power_of_ten_in_range_is_labelled(a, span):
    lo, hi = _range(a, span)
    t = log_ticks(lo, hi)
    powers = [float(f"1e{e}") for e in range(math.floor(a) - 1, math.ceil(a + span) + 2)
              if lo <= float(f"1e{e}") <= hi]
    assert set(powers) <= set(t.values), (lo, hi, t.labels)


@settings(max_examples=400, deadline=None)
@given(exponents, st.floats(min_value=MAX_TICKS - 1.001, max_value=20, allow_nan=False))
def test_many_decades_are_labelled_at_a_regular_step(a, span):
    t = log_ticks(*_range(a, span))
    exps = [math.log10(v) for v in t.values]
    assert all(e == pytest.approx(round(e)) for e in exps)          # powers of ten only
    steps = {round(b - e) for e, b in zip(exps, exps[1:])}
    assert len(steps) == 1


@settings(max_examples=200, deadline=None)
@given(exponents, spans, st.floats(min_value=0.5, max_value=3))
def test_padding_adds_ticks_outside_only(a, span, pad):
    lo, hi = _range(a, span)
    inside, padded = log_ticks(lo, hi), log_ticks(lo, hi, pad=pad)
    assert [v for v in padded.values if lo <= v <= hi] == list(inside.values)
    assert len(padded.values) >= len(inside.values)
    assert set(padded.minor).isdisjoint(padded.values)


def test_the_audits_range_labels_tenths_in_full():
    """The explorer's latency axis from 0.27 ms (alexnet) read "3" for 0.3 ms (AUDIT F3)."""
    t = log_ticks(0.2, 40)
    assert t.labels == ("0.2", "0.5", "1", "2", "5", "10", "20")
    assert 0.3 in t.minor and 3.0 in t.minor          # between the labels, unlabelled


@pytest.mark.parametrize("value, text", [(0.3, "0.3"), (2.0, "2"), (10.0, "10"), (1000.0, "1k"), (2e4, "20k"),
                                         (5e6, "5M"), (1e-4, "0.0001"), (2e-5, "2e-5"), (1e9, "1G"),
                                         # training FLOPs: "30000000000T" and "1e12T" before (UXCHECK3 1)
                                         (5e14, "500T"), (1e15, "1e15"), (3e22, "3e22"), (1e24, "1e24")])
def test_label_text(value, text):
    assert tick_label(value) == text and parse_label(text) == pytest.approx(value)


def test_narrow_range_falls_back_to_a_linear_step():
    assert log_ticks(2.1, 2.9).labels == ("2.2", "2.4", "2.6", "2.8")
    with pytest.raises(ValueError):
        log_ticks(3.0, 3.0)


def test_label_log_axes_reads_fixed_ranges_data_and_shapes():
    fig = go.Figure(go.Scatter(x=[0.27, 3.0, 40.0], y=[0.5, 2.0, 30.0]))
    fig.add_hline(y=989.0)                                  # a peak line above the data
    fig.update_layout(xaxis=dict(type="log", range=[math.log10(0.2), math.log10(40)]), yaxis=dict(type="log"))
    label_log_axes(fig)
    x = fig.layout.xaxis
    assert [t for v, t in zip(x.tickvals, x.ticktext) if 0.2 <= v <= 40] == ["0.2", "0.5", "1", "2", "5", "10", "20"]
    assert min(x.tickvals) < 0.2 and max(x.tickvals) > 40          # panning keeps labels
    y = fig.layout.yaxis      # 0.5 to the 989 line: 3.3 decades, labels 1-3 per decade
    assert [t for v, t in zip(y.tickvals, y.ticktext) if 0.5 <= v <= 989] == ["1", "3", "10", "30", "100", "300"]
    assert fig.layout.xaxis.minor.tickvals and fig.layout.xaxis.minor.ticklen == 3


def test_label_log_axes_keeps_a_charts_own_ticks_and_linear_axes():
    fig = go.Figure(go.Scatter(x=[1, 2, 4], y=[10, 20, 40]))
    fig.update_xaxes(type="log", tickvals=[1, 2, 4], ticktext=["1", "2", "4"])
    label_log_axes(fig)
    assert list(fig.layout.xaxis.ticktext) == ["1", "2", "4"] and fig.layout.yaxis.tickvals is None
