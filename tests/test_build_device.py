"""Building on the measuring device (efficiency.zoo.build): classifiers are created there, detectors
and the like stay on the CPU (their latency depends on their weights' values), and a constructor that
cannot run on the device falls back to the CPU. ``meta`` stands in for a GPU: it is a non-CPU device
every CI machine has."""
from __future__ import annotations

import torch

from efficiency.zoo import build as build_mod
from efficiency.zoo.registry import ZooEntry


def _entry(task="classification", name="test_vit.r160_in1k"):
    return ZooEntry(id=f"timm/{name}@160", source="timm", name=name, arch=name.split(".")[0],
                    weights=name.split(".")[-1], task=task, family="vit", input_size=(3, 160, 160))


def _devices(model) -> set[str]:
    return {p.device.type for p in model.parameters()}


def test_classifier_is_created_on_the_device():
    built = build_mod.build(_entry(), device="meta")
    assert _devices(built.model) == {"meta"}
    assert built.inputs[0].device.type == "cpu"   # the example input stays a CPU tensor
    assert not any(p.requires_grad for p in built.model.parameters())


def test_no_device_or_cpu_builds_on_the_cpu():
    assert _devices(build_mod.build(_entry()).model) == {"cpu"}
    assert _devices(build_mod.build(_entry(), device="cpu").model) == {"cpu"}


def test_value_dependent_task_stays_on_the_cpu(monkeypatch):
    seen = []
    monkeypatch.setattr(build_mod, "_create", lambda e: seen.append(torch.empty(0).device.type)
                        or torch.nn.Linear(2, 2))
    build_mod.build(_entry(task="detection"), device="meta")
    assert seen == ["cpu"]


def test_constructor_failing_on_the_device_falls_back_to_the_cpu(monkeypatch):
    def create(entry):
        if torch.empty(0).device.type != "cpu":
            raise RuntimeError("numpy() on a device tensor")
        return torch.nn.Linear(2, 2)

    monkeypatch.setattr(build_mod, "_create", create)
    built = build_mod.build(_entry(), device="meta")
    assert _devices(built.model) == {"cpu"}


def test_same_seed_gives_the_same_cpu_weights_after_a_fallback(monkeypatch):
    calls = []

    def create(entry):
        calls.append(1)
        if len(calls) == 1:
            torch.randn(1000, device="cpu")   # the failed attempt consumed random numbers...
            raise RuntimeError("device build failed")
        return torch.nn.Linear(4, 4)

    monkeypatch.setattr(build_mod, "_create", create)
    fallback = build_mod.build(_entry(), device="meta").model
    monkeypatch.setattr(build_mod, "_create", lambda e: torch.nn.Linear(4, 4))
    plain = build_mod.build(_entry()).model
    assert torch.equal(fallback.weight, plain.weight)   # ...but the CPU build is reseeded
