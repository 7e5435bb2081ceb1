"""pareto_front against a brute-force O(n^2) oracle (hypothesis)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from efficiency.ui.pareto import dominated_by, pareto_front, pareto_mask


def oracle(cost, acc) -> set[int]:
    """Points that no other point dominates (NaN points never on the front)."""
    out = set()
    for i in range(len(cost)):
        if np.isnan(cost[i]) or np.isnan(acc[i]):
            continue
        dominated = False
        for j in range(len(cost)):
            if j == i or np.isnan(cost[j]) or np.isnan(acc[j]):
                continue
            if cost[j] <= cost[i] and acc[j] >= acc[i] and (cost[j] < cost[i] or acc[j] > acc[i]):
                dominated = True
                break
        if not dominated:
            out.add(i)
    return out


# small value pools make ties and duplicates frequent
values = st.one_of(st.integers(-5, 5).map(float), st.floats(-1e6, 1e6, allow_nan=False),
                   st.just(float("nan")))
points = st.lists(st.tuples(values, values), max_size=60)


def _arrays(pts):
    arr = np.array(pts, dtype=float).reshape(-1, 2)
    return arr[:, 0].copy(), arr[:, 1].copy()


@settings(max_examples=400, deadline=None)
@given(points)
def test_matches_oracle(pts):
    cost, acc = _arrays(pts)
    front = pareto_front(cost, acc)
    assert set(front.tolist()) == oracle(cost, acc)
    assert len(set(front.tolist())) == len(front)
    # ordered by cost, accuracy non-decreasing along the front
    assert np.all(np.diff(cost[front]) >= 0)
    assert np.all(np.diff(acc[front]) >= 0)


@settings(max_examples=200, deadline=None)
@given(points)
def test_front_properties(pts):
    cost, acc = _arrays(pts)
    mask = pareto_mask(cost, acc)
    for i in np.flatnonzero(mask):
        assert dominated_by(cost, acc, i).size == 0       # no front point is dominated
    valid = ~(np.isnan(cost) | np.isnan(acc))
    for i in np.flatnonzero(valid & ~mask):               # every other point is dominated by a front point
        assert np.any(mask[dominated_by(cost, acc, i)])


def test_duplicates_all_on_front():
    cost = np.array([1.0, 1.0, 2.0, 2.0])
    acc = np.array([5.0, 5.0, 5.0, 6.0])
    assert pareto_front(cost, acc).tolist() == [0, 1, 3]


def test_empty_and_shape_errors():
    assert pareto_front([], []).tolist() == []
    try:
        pareto_front([1, 2], [1])
    except ValueError:
        pass
    else:
        raise AssertionError("mismatched lengths must raise")
