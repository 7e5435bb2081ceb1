"""GPU energy from NVML's total-energy counter, tested on the CPU with a fake NVML."""
import types

import pytest

from efficiency.measure import energy, environment
from efficiency.measure.energy import Energy, EnergyWindow, over_limit


class FakeNvml(types.SimpleNamespace):
    """Just the calls energy.py makes; ``mj`` is the counter, ``limit_mw`` the enforced power limit."""

    def __init__(self, mj=0.0, limit_mw=700_000, fail=False):
        super().__init__(mj=mj, limit_mw=limit_mw, fail=fail, handles=[])

    def nvmlDeviceGetHandleByIndex(self, index):
        self.handles.append(index)
        return ("handle", index)

    def nvmlDeviceGetTotalEnergyConsumption(self, handle):
        if self.fail:
            raise RuntimeError("NVML_ERROR_NOT_SUPPORTED")
        return self.mj

    def nvmlDeviceGetEnforcedPowerLimit(self, handle):
        return self.limit_mw


@pytest.fixture()
def nvml(monkeypatch):
    fake = FakeNvml(mj=123_456.0)
    monkeypatch.setattr(energy, "_nvml", lambda: fake)
    monkeypatch.setattr(environment, "_nvml", lambda: fake)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    return fake


def test_counter_is_read_through_nvml_with_the_mapped_index(nvml, monkeypatch):
    assert energy.energy_mj(0) == 123_456.0
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5")
    energy.energy_mj(1)
    assert nvml.handles[-1] == 5          # CUDA index 1 is NVML's GPU 5
    nvml.fail = True
    assert energy.energy_mj(0) is None    # unsupported: no energy, no exception
    assert environment._power_limit_w(0) == 700.0


def test_no_nvml_means_no_energy(monkeypatch):
    monkeypatch.setattr(energy, "_nvml", lambda: None)
    w = EnergyWindow(0)
    w.start()
    assert w.stop(lambda: None, lambda: None, calls=10, batch_size=1) is None


def test_figures_from_a_window():
    e = Energy.of(delta_mj=600_000.0, seconds=2.0, calls=100, batch_size=4)   # 600 J in 2 s
    assert e.power_w == pytest.approx(300.0)
    assert e.j_per_sample == pytest.approx(600.0 / 400)
    assert Energy.of(0.0, 2.0, 100, 4) is None           # a counter that did not advance
    assert Energy.of(1000.0, 0.0, 100, 4) is None


def test_short_loop_is_extended_to_the_window_and_its_calls_counted():
    # fake clock: every call takes 0.5 s and draws 400 W (the counter moves 200 J per call)
    state = {"t": 0.0, "mj": 0.0}

    def step():
        state["t"] += 0.5
        state["mj"] += 200_000.0

    w = EnergyWindow(0, read=lambda i: state["mj"], clock=lambda: state["t"], window_s=2.0)
    w.start()
    step()                                   # the timed loop: one call, 0.5 s, shorter than the window
    syncs = []
    e = w.stop(step, lambda: syncs.append(1), calls=1, batch_size=2)
    assert state["t"] == 2.0                 # extended by three calls to the 2 s window
    assert e.power_w == pytest.approx(400.0)
    assert e.j_per_sample == pytest.approx(800.0 / (4 * 2))
    assert len(syncs) == 4                   # each extra call synchronised, and the end


def test_long_loop_is_not_extended():
    state = {"t": 0.0, "mj": 0.0}
    w = EnergyWindow(0, read=lambda i: state["mj"], clock=lambda: state["t"], window_s=2.0)
    w.start()
    state["t"], state["mj"] = 3.0, 900_000.0
    calls = []
    e = w.stop(lambda: calls.append(1), lambda: None, calls=30, batch_size=1)
    assert not calls and e.power_w == pytest.approx(300.0) and e.j_per_sample == pytest.approx(30.0)


def test_power_above_the_board_limit_is_noisy():
    assert over_limit(760.0, 700.0)
    assert not over_limit(720.0, 700.0)      # within 5 %: a counter refresh's worth
    assert not over_limit(None, 700.0) and not over_limit(900.0, None)


def test_energy_columns_reach_the_row():
    from efficiency.measure.latency import LatencyConfig, LatencyResult
    from efficiency.measure.timing import LatencyStats
    from efficiency.store import schema

    r = LatencyResult(LatencyConfig(num_threads=1), LatencyStats.from_samples([1.0, 1.0], 1), "gpu", 1,
                      None, None, None, None, None, None, None, None, False, {},
                      energy=energy.row_columns(Energy.of(500.0, 2.0, 1, 1), 1.0, 700.0))
    row = r.to_row()
    assert row["energy_j_per_sample"] == 0.5 and row["power_w_avg"] == 0.25
    assert row["energy_window_calls"] == 1 and row["energy_window_s"] == 2.0
    assert row["energy_noisy"] is True                # one call in 2 s beside a 1 ms p50
    assert set(energy.ENERGY_COLUMNS) <= set(schema.LATENCY_COLUMNS)
    cpu = LatencyResult(LatencyConfig(num_threads=1), LatencyStats.from_samples([1.0], 1), "cpu", 1,
                        None, None, None, None, None, None, None, None, False, {}).to_row()
    assert all(cpu[c] is None for c in energy.ENERGY_COLUMNS)   # no window: every energy column empty
