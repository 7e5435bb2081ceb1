"""Hardware identity in the key: identities of synthetic machines, rows of two CPUs and two GPUs side
by side in one cache, a row of another machine never current, version-1 caches upgraded when read,
and clusters of mixed machines refused."""
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from efficiency.measure.environment import Hardware, cpu_hardware_from, gpu_hardware_from, parse_cpuinfo
from efficiency.run.machines import ClusterError, cluster_machines
from efficiency.run.plan import LatencySpec, plan
from efficiency.run.rows import Provenance, make_row
from efficiency.store import cache, schema
from efficiency.zoo.custom import custom_entry

ZEN3 = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 1
model name\t: AMD EPYC
flags\t\t: fpu sse avx avx2 fma

processor\t: 1
vendor_id\t: AuthenticAMD
"""
ZEN4 = ZEN3.replace("model\t\t: 1", "model\t\t: 17").replace("fma\n", "fma avx512f avx512_vnni avx512_bf16\n", 1)


def test_cpu_identity_tells_same_named_cpus_apart():
    a, b = (cpu_hardware_from(parse_cpuinfo(t), 2) for t in (ZEN3, ZEN4))
    assert a.identity == "cpu/AuthenticAMD/25-1/avx2/2c"
    assert b.identity == "cpu/AuthenticAMD/25-17/avx2+avx512f+avx512_vnni+avx512_bf16/2c"
    assert "AMD EPYC" in a.name and "avx512_bf16" in b.name
    assert cpu_hardware_from(parse_cpuinfo(ZEN4), 16).identity.endswith("/16c")
    assert cpu_hardware_from({"model name": "x"}, None).identity == "cpu/unknown/unknown/unknown/unknown"


def test_gpu_identity_names_memory_and_power_limit():
    h = gpu_hardware_from("NVIDIA H200", 150_000_000_000, 700.0)
    assert h.identity == "gpu/NVIDIA H200/140GiB/700W" and h.name == "NVIDIA H200, 140 GiB, 700 W limit"
    assert gpu_hardware_from("NVIDIA H200", 150_000_000_000, None).identity == "gpu/NVIDIA H200/140GiB/unknown"
    assert gpu_hardware_from("NVIDIA H200", 150_000_000_000, 600.0) != h


MACHINES = {
    "zen3": ("cpu", Hardware("cpu/AuthenticAMD/25-1/avx2/2c", "EPYC zen3")),
    "zen4": ("cpu", Hardware("cpu/AuthenticAMD/25-17/avx2+avx512f/2c", "EPYC zen4")),
    "h200": ("cuda", Hardware("gpu/NVIDIA H200/140GiB/700W", "H200 700 W")),
    "h200nvl": ("cuda", Hardware("gpu/NVIDIA H200 NVL/140GiB/600W", "H200 NVL 600 W")),
}


def _row(entry, machine, p50):
    device, hw = MACHINES[machine]
    spec = LatencySpec(device, 1, "fp32" if device == "cpu" else "bf16", "eager")
    env = {"hardware": hw.identity, "hardware_name": hw.name}   # what a worker on that machine captures
    prov = Provenance(env, {}, {"cpu": "AMD EPYC", "cuda": "NVIDIA H200"})
    return make_row(entry, spec, prov, {"latency_ms_p50": p50}), spec


def test_rows_of_two_cpus_and_two_gpus_coexist_and_are_not_taken_for_each_other(tmp_path):
    entry = custom_entry("pkg.mod:net", "3,32,32")
    db = tmp_path / "c.parquet"
    rows = {m: _row(entry, m, p50) for m, p50 in (("zen3", 214.0), ("zen4", 122.0), ("h200", 1.0),
                                                  ("h200nvl", 1.2))}
    for row, _ in rows.values():
        cache.merge_rows([row], db)
    got = cache.read(db)
    assert len(got) == 4
    assert dict(zip(got["hardware_name"], got["latency_ms_p50"])) == {
        "EPYC zen3": 214.0, "EPYC zen4": 122.0, "H200 700 W": 1.0, "H200 NVL 600 W": 1.2}
    for machine, (row, spec) in rows.items():
        device, hw = MACHINES[machine]
        names = {"cpu": "AMD EPYC", "cuda": "NVIDIA H200"}
        todo = plan([entry], got, {}, count=False, specs=[spec], force=False, retry_errors=False,
                    device_names=names, latency_max_macs=None, threads=1, hardware={device: hw})
        assert todo == [], machine                                    # its own row is current
        other = next(h for m, (d, h) in MACHINES.items() if d == device and m != machine)
        todo = plan([entry], got.drop(index=got.index[got["hardware"] == other.identity]), {},
                    count=False, specs=[spec], force=False, retry_errors=False, device_names=names,
                    latency_max_macs=None, threads=1, hardware={device: other})
        assert len(todo) == 1 and todo[0].hardware == ((device, other.identity, other.name),)


def test_a_version_1_cache_is_upgraded_when_read(tmp_path):
    db = tmp_path / "old.parquet"
    old = pd.DataFrame([
        {"model": "m", "kind": "count", "batch_size": 1, "device": "cpu", "dtype": "fp32", "mode": "count",
         "channels_last": False, "macs": 5, "cpu_model": "AMD EPYC", "error": ""},
        {"model": "m", "kind": "latency", "batch_size": 1, "device": "cpu", "dtype": "fp32", "mode": "eager",
         "channels_last": False, "cpu_model": "AMD EPYC", "device_name": "AMD EPYC", "error": ""},
        {"model": "m", "kind": "latency", "batch_size": 1, "device": "cuda", "dtype": "bf16", "mode": "eager",
         "channels_last": False, "gpu_name": "NVIDIA H200", "device_name": "NVIDIA H200", "error": ""},
    ])
    table = pa.Table.from_pandas(old, preserve_index=False)
    pq.write_table(table.replace_schema_metadata({b"efficiency.schema_version": b"1"}), db)
    before = db.read_bytes()
    got = cache.read(db).set_index("device", drop=False)
    assert db.read_bytes() == before                       # a read never rewrites the file
    assert list(got["hardware"]) == [schema.ANY_HARDWARE, schema.UNKNOWN_HARDWARE, schema.UNKNOWN_HARDWARE]
    assert got["hardware_name"].iloc[1] == "AMD EPYC (family, model, instruction sets and cores not recorded)"
    assert got["hardware_name"].iloc[2] == "NVIDIA H200 (memory and power limit not recorded)"
    cache.merge_rows(got.iloc[:1], db)                      # the next write is the current version
    assert pq.read_metadata(db).metadata[b"efficiency.schema_version"] == str(schema.SCHEMA_VERSION).encode()


def _report(cpu="cpu/a", gpu=None):
    return {"cpu": ["AMD EPYC", cpu, cpu], "cuda": None if gpu is None else ["NVIDIA H200", gpu, gpu]}


def test_cluster_machines_refuses_mixed_machines_and_a_cuda_run_without_gpu_worker():
    reports = {"w1": _report(gpu="gpu/a"), "w2": _report(gpu="gpu/a"), "w3": _report()}
    m = cluster_machines(reports, {"w1", "w2"}, {"cuda"}, "tcp://s:8786")
    assert m.cuda_available and m.hardware["cuda"].identity == "gpu/a"
    with pytest.raises(ClusterError, match="no GPU worker"):
        cluster_machines({"w3": _report()}, set(), {"cuda"}, "tcp://s:8786")
    mixed = {"w1": _report(gpu="gpu/a"), "w2": _report(gpu="gpu/b")}
    with pytest.raises(ClusterError, match="different machines for cuda"):
        cluster_machines(mixed, {"w1", "w2"}, {"cuda"}, "tcp://s:8786")
    with pytest.raises(ClusterError, match="different machines for cpu"):
        cluster_machines({"w1": _report("cpu/a"), "w2": _report("cpu/b")}, set(), {"cpu"}, "tcp://s:8786")
    # counts only: the CPUs may differ (counts do not depend on the machine)
    assert not cluster_machines({"w1": _report("cpu/a"), "w2": _report("cpu/b")}, set(), set(), "x").cuda_available


def test_dashboard_lists_each_machine_by_its_name():
    from efficiency.ui.configs import machines
    from efficiency.ui.hardware import hardware_configs

    entry = custom_entry("pkg.mod:net", "3,32,32")
    other = custom_entry("pkg.mod:other", "3,32,32")
    rows = [_row(entry, m, 1.0)[0] for m in MACHINES] + [_row(other, "zen4", 2.0)[0]]
    df = cache.normalise(pd.DataFrame(rows))
    got = machines(df)
    assert list(got["hardware_name"]) == ["EPYC zen4", "EPYC zen3", "H200 700 W", "H200 NVL 600 W"]
    assert list(got["models"]) == [2, 1, 1, 1]
    assert set(hardware_configs(df)["hardware_name"]) == {h.name for _, h in MACHINES.values()}


def test_version_1_rows_are_relabelled_only_where_the_machine_is_established():
    import pandas as pd

    from efficiency.measure.environment import gpu_hardware_from
    from efficiency.store import upgrade

    rows = pd.DataFrame([
        {"kind": "count", "device": "cpu", "device_name": "AMD EPYC", "cpu_model": "AMD EPYC", "gpu_name": None},
        {"kind": "latency", "device": "cpu", "device_name": "AMD EPYC", "cpu_model": "AMD EPYC", "gpu_name": None},
        {"kind": "latency", "device": "cuda", "device_name": "NVIDIA H200", "gpu_name": "NVIDIA H200",
         "gpu_driver": "580.159.04"},
        {"kind": "latency", "device": "cuda", "device_name": "NVIDIA H200", "gpu_name": "NVIDIA H200",
         "gpu_driver": "999.1"},   # another driver: another machine, perhaps
    ])
    out = upgrade.upgrade(rows, 1)
    h200 = gpu_hardware_from("NVIDIA H200", 143771 * 2**20, 700.0)   # what today's H200 rows say
    assert list(out["hardware"]) == ["any", "unknown", h200.identity, "unknown"]
    assert out["hardware_name"][2] == h200.name
    assert "not recorded" in out["hardware_name"][1] and "not recorded" in out["hardware_name"][3]


def test_a_view_takes_latency_from_one_machine_and_says_what_the_others_hold():
    """Two CPUs measured in the same configuration are never mixed in one chart (the faster one's
    row must not stand in for a model the main machine measured slower, or did not measure)."""
    from efficiency.ui.tables import latency_table, machine_note

    a, b, c = (custom_entry(f"pkg.mod:{n}", "3,32,32") for n in ("a", "b", "c"))
    rows = [_row(a, "zen3", 214.0)[0], _row(b, "zen3", 50.0)[0],       # zen3 holds two models
            _row(a, "zen4", 122.0)[0], _row(c, "zen4", 10.0)[0],       # zen4: a faster a, and c
            _row(a, "h200", 1.0)[0]]
    df = cache.normalise(pd.DataFrame(rows))
    lat = latency_table(df, "cpu", 1, "fp32", "eager").set_index("model")
    assert dict(lat["latency_ms_p50"]) == {a.id: 214.0, b.id: 50.0}    # zen3's rows only, a not 122
    zen4 = latency_table(df, "cpu", 1, "fp32", "eager", hardware=MACHINES["zen4"][1].identity)
    assert dict(zip(zen4["model"], zen4["latency_ms_p50"])) == {a.id: 122.0, c.id: 10.0}
    note = machine_note(df, "cpu", 1, "fp32", "eager", [a.id, b.id, c.id])
    assert "EPYC zen3" in note and "1 model measured" in note and "EPYC zen4" in note
    assert machine_note(df, "cpu", 1, "fp32", "eager", [a.id, b.id]) == ""    # zen3 measured both
    assert list(latency_table(df, "cuda", 1, "bf16", "eager")["latency_ms_p50"]) == [1.0]
