"""What the GPU itself can do, measured in the same run as the models it bounds (imports torch).

* :func:`memory_bandwidth`: device memory bandwidth, from a large copy (reads + writes) and a large
  reduction (reads only); the decode bound of a language model divides the bytes one decode step
  reads by this figure.
* :func:`matmul_peak`: bf16 matmul throughput of a large square GEMM, the denominator of the
  attention benchmark's fraction (FlashAttention-2 claims "50-73% of the theoretical maximum
  FLOPs/s"; we state ours against the *measured* matmul peak, not the datasheet).
* :func:`attention_bench`: achieved TFLOP/s of ``scaled_dot_product_attention`` forced onto its
  flash backend, per head dim and sequence length, causal and not.

Every figure is a median over repetitions of a CUDA-event-timed window after warm-up; the GPU is
synchronised before the events are read. All run on the CPU too (tests), where they are only a
check of the arithmetic: CPU figures are never stored as GPU peaks.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Callable

import torch
import torch.nn.functional as F


def _timed_ms(fn: Callable[[], object], device: torch.device, warmup: int = 3, reps: int = 10) -> float:
    """Median milliseconds of ``fn()``; CUDA events on the GPU, perf_counter on the CPU."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize(device)
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


@dataclass(frozen=True)
class Bandwidth:
    copy_gb_s: float      # (bytes read + bytes written) / time of a device-to-device copy
    read_gb_s: float      # bytes read / time of a sum over the buffer
    buffer_bytes: int

    @property
    def gb_s(self) -> float:
        """The figure decode bounds use: the higher of the two (both are achievable rates)."""
        return max(self.copy_gb_s, self.read_gb_s)


def memory_bandwidth(device: torch.device, buffer_bytes: int = 4 << 30) -> Bandwidth:
    """Copy and read bandwidth over a buffer far larger than any cache (4 GiB by default; the
    H200's L2 is 60 MB)."""
    n = buffer_bytes // 2
    src = torch.empty(n, dtype=torch.bfloat16, device=device).normal_()
    dst = torch.empty_like(src)
    copy_ms = _timed_ms(lambda: dst.copy_(src), device)
    # float32 accumulation so the sum never overflows; the read of src dominates
    read_ms = _timed_ms(lambda: src.sum(dtype=torch.float32), device)
    nbytes = src.numel() * src.element_size()
    src = dst = None   # free the buffers before the caller measures anything else
    return Bandwidth(copy_gb_s=2 * nbytes / copy_ms / 1e6, read_gb_s=nbytes / read_ms / 1e6,
                     buffer_bytes=nbytes)


def matmul_peak(device: torch.device, n: int = 8192, dtype: torch.dtype = torch.bfloat16) -> float:
    """TFLOP/s of an n x n x n GEMM (2 n^3 FLOPs: one multiply and one add per MAC)."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    ms = _timed_ms(lambda: a @ b, device)
    return 2 * n ** 3 / ms / 1e9


def attention_flops(batch: int, heads: int, seq: int, head_dim: int, causal: bool) -> int:
    """FLOPs of one attention forward: QK^T and AV, each 2 x b x h x s^2 x d; a causal kernel
    skips the upper triangle, so it does half (the convention of FlashAttention-2's own figures)."""
    full = 4 * batch * heads * seq * seq * head_dim
    return full // 2 if causal else full


@dataclass(frozen=True)
class AttentionPoint:
    head_dim: int
    seq_len: int
    batch: int
    heads: int
    causal: bool
    ms: float
    tflops: float          # achieved, by attention_flops
    backend: str           # the SDPA backend forced ("flash") or "error: ..." when it refused


def attention_bench(device: torch.device, head_dims=(64, 128), seq_lens=(512, 1024, 2048, 4096, 8192, 16384),
                    tokens: int = 16384, model_dim: int = 2048, dtype=torch.bfloat16) -> list[AttentionPoint]:
    """FlashAttention-2's own set-up: batch x seq = 16k tokens, hidden 2048 (heads = 2048 / head
    dim), bf16, forward pass; SDPA restricted to the flash backend so no other kernel is timed."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    points = []
    for d in head_dims:
        heads = model_dim // d
        for s in seq_lens:
            b = max(1, tokens // s)
            q, k, v = (torch.randn(b, heads, s, d, device=device, dtype=dtype) for _ in range(3))
            for causal in (False, True):
                def run():
                    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                try:
                    ms = _timed_ms(run, device)
                except RuntimeError as exc:   # the flash kernel refuses (e.g. CPU): say so
                    points.append(AttentionPoint(d, s, b, heads, causal, float("nan"), float("nan"),
                                                 f"error: {str(exc).splitlines()[0][:200]}"))
                    continue
                tflops = attention_flops(b, heads, s, d, causal) / ms / 1e9
                points.append(AttentionPoint(d, s, b, heads, causal, ms, tflops, "flash"))
            q = k = v = None   # free before the next shape
    return points


def as_rows(points: list[AttentionPoint]) -> list[dict]:
    return [asdict(p) for p in points]
