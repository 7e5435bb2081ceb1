"""The machines a refresh measures on: each device's name and hardware identity (no torch at import).

The plan keys latency rows by the machine (:class:`efficiency.measure.environment.Hardware`), so before
it runs the refresh must know which machine each device is: this process's own
(:func:`local_machines`) for the local executor and a Dask cluster started here, or the workers' of a
remote Dask cluster (:func:`describe_worker` runs on each, :func:`cluster_machines` combines the
reports). A cluster whose workers differ for a device the run measures, or that has no GPU worker for
a CUDA run, is refused before any work: rows of one key must come from one machine.
"""
from __future__ import annotations

import dataclasses
from collections import Counter

from efficiency.measure.environment import Hardware, cpu_hardware, cpu_model


class ClusterError(Exception):
    """The cluster cannot run what was asked (no GPU worker, mixed machines): exit 2 before any work."""


@dataclasses.dataclass(frozen=True)
class Machines:
    """device -> name (hashed into input keys), device -> :class:`Hardware`, and whether a GPU exists."""

    device_names: dict
    hardware: dict
    cuda_available: bool


def local_machines(need_cuda: bool) -> Machines:
    """This process's CPU, and its first visible GPU when ``need_cuda`` (imports torch only then)."""
    names, hardware, cuda = {"cpu": cpu_model()}, {"cpu": cpu_hardware()}, False
    if need_cuda:
        import torch

        from efficiency.measure.environment import gpu_hardware

        cuda = torch.cuda.is_available()
        if cuda:
            names["cuda"], hardware["cuda"] = torch.cuda.get_device_name(0), gpu_hardware(0)
    return Machines(names, hardware, cuda)


def describe_worker(need_cuda: bool) -> dict:
    """Run on a Dask worker: ``{"cpu": [name, identity, readable], "cuda": [...] or None}``."""
    m = local_machines(need_cuda)
    out = {d: [m.device_names[d], h.identity, h.name] for d, h in m.hardware.items()}
    out.setdefault("cuda", None)
    return out


def _one(device: str, reports: dict[str, dict], address: str) -> tuple[str, Hardware]:
    """The single (name, Hardware) the workers report for ``device``; ClusterError when they differ."""
    seen = Counter(tuple(r[device]) for r in reports.values() if r.get(device))
    if len(seen) > 1:
        kinds = "; ".join(f"{ident} ({n} workers)" for (_, ident, _), n in sorted(seen.items()))
        raise ClusterError(f"the workers of the Dask cluster at {address} are different machines for "
                           f"{device}: {kinds}; rows of one refresh must come from one kind of machine: "
                           "point --scheduler at a cluster of one kind")
    name, ident, readable = next(iter(seen))
    return name, Hardware(ident, readable)


def cluster_machines(reports: dict[str, dict], gpu_workers: set[str], need: set[str],
                     address: str) -> Machines:
    """The machines of a Dask cluster from its workers' :func:`describe_worker` reports (worker
    address -> report); ``gpu_workers``: the workers offering the GPU resource; ``need``: the
    devices this run measures latency on."""
    if not reports:
        raise ClusterError(f"the Dask cluster at {address} has no worker: start one with "
                           f"`dask worker {address}`")
    cpu_reports = reports if "cpu" in need else dict(list(reports.items())[:1])
    names, hardware = {}, {}
    names["cpu"], hardware["cpu"] = _one("cpu", cpu_reports, address)
    gpu = {w: r for w, r in reports.items() if w in gpu_workers and r.get("cuda")}
    if "cuda" in need and not gpu:
        raise ClusterError(f"the Dask cluster at {address} has no GPU worker for --device cuda: start one "
                           f"per GPU with `dask worker {address} --nthreads 1 --resources GPU=1` "
                           "on a machine with CUDA")
    if gpu:
        names["cuda"], hardware["cuda"] = _one("cuda", gpu, address)
    return Machines(names, hardware, bool(gpu))
