"""What a measurement ran on: library versions, CPU, GPU, driver, host; and the GPU's live state.

Every latency row carries :func:`capture_environment` (schema.ENV_COLUMNS' environment fields), so a
number is never separated from the machine that produced it. Nothing here requires a GPU, NVML or
fvcore: whatever cannot be read is ``None``.

GPU state (SM clock in MHz, temperature in degrees C) comes from NVML through ``pynvml`` when it is
importable, else from ``nvidia-smi`` with a timeout.

Hardware identity (:class:`Hardware`, the rows' ``hardware`` key column and ``hardware_name``): what a
latency figure depends on, short and stable, so that rows of different machines never share a key.
CPU: vendor, family and model numbers, the instruction-set extensions inference kernels use
(:data:`ISA_FLAGS`) and the cores this process may run on, e.g.
``cpu/AuthenticAMD/25-17/avx2+avx512f+avx512_vnni+avx512_bf16/2c``; GPU: name, memory (GiB) and
enforced power limit (W), e.g. ``gpu/NVIDIA H200/140GiB/700W``. A part that cannot be read is
``unknown`` in the string, never guessed. Count rows do not depend on the machine: ``schema.ANY_HARDWARE``.
"""
from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass

# environment fields of schema.ENV_COLUMNS that capture_environment fills
ENVIRONMENT_FIELDS = (
    "torch_version", "torchvision_version", "timm_version", "fvcore_version",
    "python_version", "cpu_model", "gpu_name", "gpu_driver", "cuda_version", "host",
)

_NVIDIA_SMI_TIMEOUT_S = 5.0


def _dist_version(name: str) -> str | None:
    """Installed version of a distribution, without importing it; None when absent."""
    if importlib.util.find_spec(name) is None:
        return None
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


LIBRARIES = ("torch", "torchvision", "timm", "fvcore")


def library_versions() -> dict[str, str]:
    """Installed versions of the measuring libraries, read from package metadata without importing
    them (fast, and the same string on every row: torch's "+cu130" local tag is not part of it);
    "" for one that is not installed. The input keys of count and latency rows hash these."""
    return {pkg: _dist_version(pkg) or "" for pkg in LIBRARIES}


def cpu_model() -> str:
    """'model name' from /proc/cpuinfo (Linux), else platform.processor(), else ''."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or ""


# the extensions that decide which inference kernels a CPU runs (oneDNN / PyTorch pick on them):
# AVX2, AVX-512 and its VNNI (int8), BF16 and FP16 forms, and AMX tiles (bf16, int8)
ISA_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_int8")
UNKNOWN = "unknown"   # a part of an identity that cannot be read


@dataclass(frozen=True)
class Hardware:
    """A machine's identity (the ``hardware`` key column) and its readable ``name``."""

    identity: str
    name: str


def parse_cpuinfo(text: str) -> dict:
    """vendor_id, cpu family, model, model name and flags of the first processor of /proc/cpuinfo."""
    out: dict = {}
    for line in text.splitlines():
        if not line.strip():
            if out:
                break   # the first processor's block is enough: a machine's cores are alike here
            continue
        key, _, value = line.partition(":")
        out.setdefault(key.strip().lower(), value.strip())
    return out


def cpu_hardware_from(info: dict, cores: int | None) -> Hardware:
    """The CPU identity of parsed /proc/cpuinfo fields (:func:`parse_cpuinfo`) and ``cores`` used."""
    vendor = info.get("vendor_id") or UNKNOWN
    fam, mod = info.get("cpu family"), info.get("model")
    family = f"{fam}-{mod}" if fam and mod else UNKNOWN
    flags = set(info.get("flags", "").split()) if "flags" in info else None
    isa = UNKNOWN if flags is None else ("+".join(f for f in ISA_FLAGS if f in flags) or "none")
    ncores = UNKNOWN if not cores else f"{cores}c"
    name = info.get("model name") or vendor
    readable = (f"{name}, family {fam} model {mod}" if fam and mod else name)
    readable += f", {isa.replace('+', ' ')}" if isa != UNKNOWN else ", instruction sets unknown"
    readable += f", {cores} cores" if cores else ""
    return Hardware(f"cpu/{vendor}/{family}/{isa}/{ncores}", readable)


def cores_used() -> int | None:
    """The CPU cores this process may run on (its affinity), None where unreadable."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


@functools.lru_cache(maxsize=None)
def cpu_hardware() -> Hardware:
    """This machine's CPU identity (no torch import)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            info = parse_cpuinfo(f.read())
    except OSError:
        info = {"model name": platform.processor()} if platform.processor() else {}
    return cpu_hardware_from(info, cores_used())


def gpu_hardware_from(name: str | None, memory_bytes: float | None, power_limit_w: float | None) -> Hardware:
    """The GPU identity of its name, total memory and enforced power limit (None: unknown)."""
    name = name or UNKNOWN
    mem = f"{round(memory_bytes / 2**30)}GiB" if memory_bytes else UNKNOWN
    power = f"{round(power_limit_w)}W" if power_limit_w else UNKNOWN
    readable = name + (f", {mem[:-3]} GiB" if memory_bytes else ", memory unknown")
    readable += f", {power[:-1]} W limit" if power_limit_w else ", power limit unknown"
    return Hardware(f"gpu/{name}/{mem}/{power}", readable)


def _power_limit_w(nvml_index: int) -> float | None:
    """The GPU's enforced power limit in W (NVML, else nvidia-smi), None when unreadable."""
    nvml = _nvml()
    if nvml is not None:
        try:
            return nvml.nvmlDeviceGetEnforcedPowerLimit(nvml.nvmlDeviceGetHandleByIndex(nvml_index)) / 1000.0
        except Exception:
            pass
    row = _nvidia_smi("power.limit", nvml_index)
    return _number(row[0]) if row else None


@functools.lru_cache(maxsize=None)
def gpu_hardware(cuda_index: int = 0) -> Hardware:
    """The identity of CUDA device ``cuda_index`` (imports torch)."""
    import torch

    props = torch.cuda.get_device_properties(cuda_index)
    return gpu_hardware_from(props.name, props.total_memory, _power_limit_w(_nvml_index(cuda_index)))


def hardware_of(device: str) -> Hardware:
    """The identity of ``device`` ("cpu", "cuda", "cuda:1") in this process."""
    if not device.startswith("cuda"):
        return cpu_hardware()
    index = device.partition(":")[2]
    return gpu_hardware(int(index) if index else 0)


def _nvml_index(cuda_index: int) -> int:
    """NVML counts every GPU of the host; CUDA only the visible ones. Map through
    CUDA_VISIBLE_DEVICES when it is a plain list of integers (UUID lists are left as they are)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
    if visible:
        parts = [p.strip() for p in visible.split(",")]
        if all(p.isdigit() for p in parts) and cuda_index < len(parts):
            return int(parts[cuda_index])
    return cuda_index


def _nvidia_smi(query: str, index: int) -> list[str] | None:
    """One row of ``nvidia-smi --query-gpu=<query>`` for GPU ``index``; None when unreadable."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, f"--query-gpu={query}", "--format=csv,noheader,nounits", "-i", str(index)],
            capture_output=True, text=True, timeout=_NVIDIA_SMI_TIMEOUT_S, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    lines = [ln for ln in out.splitlines() if ln.strip()]
    if not lines:
        return None
    return [v.strip() for v in lines[0].split(",")]


def _number(text: str | None) -> float | None:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # "[N/A]", "", None
        return None


def _nvml():
    """The initialised pynvml module, or None."""
    try:
        import pynvml  # type: ignore[import-not-found]

        pynvml.nvmlInit()
        return pynvml
    except Exception:  # not installed, no driver, no GPU
        return None


def gpu_state(cuda_index: int = 0) -> dict:
    """Live SM clock and temperature of one GPU: ``{"clock_mhz": float|None, "temp_c": float|None}``.

    ``cuda_index`` is the CUDA device index (mapped to NVML's through CUDA_VISIBLE_DEVICES).
    Both values are None when neither NVML nor nvidia-smi can read them (e.g. no GPU).
    """
    index = _nvml_index(cuda_index)
    nvml = _nvml()
    if nvml is not None:
        try:
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            return {
                "clock_mhz": float(nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_SM)),
                "temp_c": float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU)),
            }
        except Exception:
            pass  # fall through to nvidia-smi
    row = _nvidia_smi("clocks.sm,temperature.gpu", index)
    if row is None or len(row) < 2:
        return {"clock_mhz": None, "temp_c": None}
    return {"clock_mhz": _number(row[0]), "temp_c": _number(row[1])}


def _gpu_driver(cuda_index: int) -> str | None:
    nvml = _nvml()
    if nvml is not None:
        try:
            v = nvml.nvmlSystemGetDriverVersion()
            return v.decode() if isinstance(v, bytes) else str(v)
        except Exception:
            pass
    row = _nvidia_smi("driver_version", _nvml_index(cuda_index))
    return row[0] if row else None


def static_environment() -> dict:
    """The environment fields that need no torch import: library versions (package metadata, the
    same strings the rows' input keys hash), Python, CPU model and host. GPU and CUDA fields are
    None. Rows written outside a measuring process (a worker that died) carry these."""
    versions = library_versions()
    return {
        "torch_version": versions["torch"], "torchvision_version": versions["torchvision"],
        "timm_version": versions["timm"], "fvcore_version": versions["fvcore"],
        "python_version": platform.python_version(), "cpu_model": cpu_model(),
        "gpu_name": None, "gpu_driver": None, "cuda_version": None, "host": platform.node(),
    }


def capture_environment(device: str) -> dict:
    """The environment fields of schema.ENV_COLUMNS for a measurement on ``device`` (imports torch).

    :func:`static_environment` plus ``cuda_version``, the CUDA version torch was built with
    (``torch.version.cuda``), and, only when ``device`` is a CUDA device and a GPU is visible,
    ``gpu_name`` and ``gpu_driver``: a CPU row on a GPU host says nothing about the GPU; and the
    ``hardware`` / ``hardware_name`` of the device measured on (:func:`hardware_of`). Cached per
    device (none of this changes within a process); each call returns a fresh dict.
    """
    return dict(_capture(device))


@functools.lru_cache(maxsize=None)
def _capture(device: str) -> tuple:
    import torch

    env = static_environment()
    env["cuda_version"] = torch.version.cuda
    if device.startswith("cuda") and torch.cuda.is_available():
        index = torch.device(device).index
        index = torch.cuda.current_device() if index is None else index
        env["gpu_name"] = torch.cuda.get_device_name(index)
        env["gpu_driver"] = _gpu_driver(index)
        hw = gpu_hardware(index)
        env["hardware"], env["hardware_name"] = hw.identity, hw.name
    elif not device.startswith("cuda"):   # no GPU to name: the row keeps the planned machine
        hw = cpu_hardware()
        env["hardware"], env["hardware_name"] = hw.identity, hw.name
    return tuple(env.items())
