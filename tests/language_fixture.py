"""Language-model and seed-architecture fixture tables for the UI tests (no torch): the UI fixture
cache (tests/fixtures) plus a few language models (two protocol groups, latency in the H200
configurations, one model that does not fit, one never measured) and two seed architectures, whose
claimed accuracy comes from data/seed. :func:`write_language_fixture` writes them to a folder."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd

from efficiency.reference import llm_accuracy
from efficiency.store import cache
from efficiency.store.schema import ALL_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
H200 = dict(device="cuda", device_name="NVIDIA H200", hardware="gpu/NVIDIA H200/140GiB/700W",
            hardware_name="NVIDIA H200, 140 GiB, 700 W limit", dtype="bf16", channels_last=False)
MMLU = "mmlu-5shot-base-meta-llama3-cards"
MMLU_METRIC = "macro_avg/acc_char"
LAMBADA = "lambada-0shot-base-gpt2-paper"
TOO_BIG = "does not fit: 810 GB of bf16 weights on a GPU with 151 GB in all"

# name -> (params, decode GFLOPs/token @512, training tokens or None, KV bytes/token, tokens/s b1, group, score)
LLMS = {
    "llama-3.2-1b": (1.236e9, 2.54, 9e12, 32768, 320.0, MMLU, 32.2),
    "llama-3.2-3b": (3.213e9, 6.60, 9e12, 114688, 180.0, MMLU, 58.0),
    "llama-3.1-8b": (8.030e9, 15.3, 15e12, 131072, 114.0, MMLU, 66.7),
    "llama-3.1-405b": (405.9e9, 812.0, 15e12, 516096, None, MMLU, 85.2),
    "gpt2": (124.4e6, 0.266, None, 36864, 766.0, LAMBADA, 45.99),
    "gpt2-medium": (354.8e6, 0.757, None, 98304, 386.0, LAMBADA, 55.48),
    "mixtral-8x7b": (46.7e9, 25.8, None, 131072, None, None, None),
}
SEEDS = {  # id -> (GMACs, params M, p50 ms b1 cuda graph); their claims come from data/seed
    "seed/fbnet.fbnet_b@3x224x224": (0.30, 4.8, 0.9),
    "seed/cswin.cswin_t@3x224x224": (4.3, 22.3, 2.5),
}


def _row(**kw) -> dict:
    row = {c: None for c in ALL_COLUMNS}
    row.update(error="", channels_last=False, noisy=False, measured_at="2026-12-01T00:00:00+00:00",
               torch_version="2.9.0")
    row.update(kw)
    return row


def _llm_rows(name: str) -> list[dict]:
    params, dec_g, tokens, kv, tps, _, _ = LLMS[name]
    ident = dict(model=f"hf/{name}", source="hf", arch=name, weights="", task="language",
                 family=name.split("-")[0], input_size="512", paper="")
    macs = int(params * 512)
    count = dict(macs=macs, flops=2 * macs, macs_torch=macs, macs_formula=macs, params=int(params),
                 params_active=int(params), params_embedding=int(params * 0.1), weight_bytes_bf16=int(2 * params),
                 kv_cache_bytes_per_token_bf16=kv, prefill_flops_512=2 * macs,
                 decode_flops_per_token_512=int(dec_g * 1e9), decode_flops_per_token_4096=int(dec_g * 1.2e9),
                 training_tokens=tokens, training_flops=6 * params * tokens if tokens else None,
                 macs_by_op=json.dumps({"aten::mm": macs}), uncovered_ops="{}", ignored_ops="{}")
    rows = [_row(**ident, **count, kind="count", batch_size=1, device="cpu", device_name="cpu", hardware="any",
                 hardware_name="any machine", dtype="fp32", mode="count", input_key=f"c-{name}")]
    for batch in (1, 64):
        for mode in ("eager", "cuda_graph"):
            key = dict(kind="latency", batch_size=batch, mode=mode, input_key=f"l-{name}-{batch}-{mode}", **H200)
            if name == "llama-3.1-405b" and batch == 1:
                rows.append(_row(**ident, **key, error=TOO_BIG))
            if tps is None:
                continue
            speed = tps * (0.6 if mode == "eager" else 1.0) * (20 if batch == 64 else 1)
            bound = 4.3e12 / (2 * params) * batch
            rows.append(_row(**ident, **key, latency_ms_p50=1e3 * batch / speed, latency_ms_p90=1.1e3 * batch / speed,
                             throughput=speed, decode_tokens_per_s=speed, decode_bound_tokens_per_s=bound,
                             decode_fraction_of_bound=speed / bound, energy_j_per_token=300 / speed,
                             ttft_ms_p50=5 + params / 1e8 if batch == 1 else None, prompt_len=512, new_tokens=128,
                             mem_gpu_max_allocated_bytes=int(2.2 * params)))
    return rows


def _seed_rows(model: str) -> list[dict]:
    gmacs, mparams, p50 = SEEDS[model]
    paper_variant = model.split("/", 1)[1].split("@")[0]
    paper, variant = paper_variant.split(".")
    ident = dict(model=model, source="seed", arch=variant, weights="", task="classification", family=paper,
                 input_size="3x224x224", paper=f"the {paper} paper")
    count = dict(macs=int(gmacs * 1e9), flops=int(2 * gmacs * 1e9), params=int(mparams * 1e6))
    rows = [_row(**ident, **count, kind="count", batch_size=1, device="cpu", device_name="cpu", hardware="any",
                 hardware_name="any machine", dtype="fp32", mode="count", input_key=f"c-{model}")]
    for mode, factor in (("eager", 3.0), ("cuda_graph", 1.0)):
        rows.append(_row(**ident, **count, kind="latency", batch_size=1, mode=mode, input_key=f"l-{model}-{mode}",
                         latency_ms_p50=p50 * factor, latency_ms_p90=p50 * factor * 1.05,
                         throughput=1e3 / (p50 * factor), **H200))
    return rows


def _write_llm_accuracy(path: Path) -> None:
    meta = {MMLU: ("mmlu", MMLU_METRIC, "5", "Meta internal evaluations library", "macro"),
            LAMBADA: ("lambada", "acc", "0", "GPT-2 paper's own eval", "")}
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=llm_accuracy.CSV_COLUMNS, lineterminator="\n")
        w.writeheader()
        for name, (*_, group, score) in LLMS.items():
            if group is None:
                continue
            bench, metric, shots, harness, average = meta[group]
            w.writerow(dict(model=f"hf/{name}", benchmark=bench, metric=metric, value=score, shots=shots,
                            harness=harness, average=average, variant="base", protocol_group=group,
                            source_url=f"https://example.org/{name}", source_quote=f"table row {name}",
                            read_at="fixture", note=""))


def write_language_fixture(folder: Path) -> dict[str, str]:
    """The fixture tables in ``folder``; returns the environment variables pointing the app at them."""
    folder.mkdir(parents=True, exist_ok=True)
    base = cache.read(FIX / "results.parquet")
    # the vision fixture's GPU rows predate the machine identity ("unknown"); here they share the
    # language rows' H200, as a view takes latency from one machine (efficiency.ui.tables.main_machine)
    gpu = base["device"] == "cuda"
    base.loc[gpu, "hardware"], base.loc[gpu, "hardware_name"] = H200["hardware"], H200["hardware_name"]
    extra = [r for name in LLMS for r in _llm_rows(name)] + [r for m in SEEDS for r in _seed_rows(m)]
    cache.write_atomic(pd.concat([base, cache.normalise(pd.DataFrame(extra))], ignore_index=True),
                       folder / "results.parquet")
    shutil.copy(FIX / "accuracy.parquet", folder / "accuracy.parquet")
    _write_llm_accuracy(folder / llm_accuracy.FILE_NAME)   # read beside the accuracy table
    return {"EFFICIENCY_RESULTS": str(folder / "results.parquet"),
            "EFFICIENCY_ACCURACY": str(folder / "accuracy.parquet"),
            "EFFICIENCY_CLAIMS": str(FIX / "paper_claims.csv")}
