"""Data and method: conventions, sources, cache freshness, how to refresh."""
import datetime as dt

import pandas as pd
import streamlit as st

from efficiency.ui import data as uidata
from efficiency.ui import method_text, router
from efficiency.ui import session as ui
from efficiency.ui.commands import refresh_command
from efficiency.ui.tables import freshness

router.ensure_routed()

d = ui.data()
st.title("Data and method")

st.markdown("""
#### Conventions
- **MACs** (multiply-accumulates) per sample at batch 1: one multiply-add counts **once**. This is what timm,
  torchvision and fvcore call "FLOPs". Axis label: *GMACs (1 multiply-add = 1 MAC)*.
- **FLOPs** are true floating-point operations, always **2 x MACs**. Axis label: *GFLOPs (= 2 x MACs)*.
- MACs are counted by fvcore with our operator formulas and cross-checked against PyTorch's `FlopCounterMode`
  (divided by 2) on the meta device; operators with arithmetic but no formula are listed as *uncovered* (not counted),
  element-wise / norm / pooling ops are deliberately 0 MACs.
- **Latency** (vision rows): milliseconds per forward call of one batch; p50 / p90 / p99 over the timed calls after
  warm-up (CUDA events on GPU, `perf_counter` on CPU). **Throughput** = batch / p50 (samples/s). **Memory**: CUDA max
  allocated or CPU peak RSS growth, in MiB (2^20 bytes).
- **Accuracy** (vision models): as published by timm (result CSVs) and torchvision (weight metadata), in percent;
  not re-measured. Language models: see below.
- **Pareto front**: minimise the x cost, maximise accuracy; a model is on the front when no other is at least as good
  on both and better on one (ties: all duplicates stay on the front).
- **Paper claims**: the abstract's numbers, with the compute converted to MACs according to the paper's convention.
""")
st.markdown("#### Language models")
st.markdown(method_text.language_markdown())
st.markdown("#### Stability rule")
st.markdown(method_text.stability_markdown())


@st.cache_data(max_entries=4, show_spinner=False)
def _coverage(key: tuple, _results: pd.DataFrame) -> method_text.Coverage:
    # keyed on the tables' (path, mtime): recomputed only when the results file changes
    return method_text.gpu_coverage(_results)


@st.cache_data(max_entries=4, show_spinner=False)
def _machines(key: tuple, _results: pd.DataFrame) -> pd.DataFrame:
    return method_text.machines_table(_results)


def freshness_by_entries(results: pd.DataFrame, sweep: pd.DataFrame) -> pd.DataFrame:
    """:func:`freshness` of the zoo entries' rows and, apart, of the derived input sizes' (refresh
    --resolution), so that its rows add up to the file's (the 394 derived rows were left out, UXCHECK5 #6)."""
    parts = [freshness(results).assign(entries="zoo entries")]
    if len(sweep):
        parts.append(freshness(sweep).assign(entries="derived input sizes"))
    out = pd.concat(parts, ignore_index=True)
    return out[["entries"] + [c for c in out.columns if c != "entries"]]


everything = uidata.with_sweep(d.results, d.sweep)     # every row of the results file
n_sweep = len(everything) - len(d.results)
st.markdown("#### Files")
rows = []
for kind in ("results", "accuracy", "claims"):
    p = uidata.path_for(kind)
    mt = uidata.mtime(p)
    rows.append({"table": kind, "path": str(p), "env var": uidata.ENV_VARS[kind], "exists": p.exists(),
                 "modified (UTC)": dt.datetime.fromtimestamp(mt, dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
                 if mt else "", "rows": {"results": len(everything), "accuracy": len(d.accuracy),
                                         "claims": len(d.claims)}[kind]})
st.dataframe(rows, hide_index=True, width="stretch", placeholder="")
if n_sweep:
    st.caption(f"results: {len(everything):,} rows in the file. {len(d.results):,} are of zoo entries: every page "
               f"lists, counts and plots them. {n_sweep:,} are of {d.sweep['model'].nunique():,} entries the refresh "
               f"derived from {d.sweep['derived_from'].nunique():,} zoo models at other input sizes (`--resolution`; "
               "their `derived_from` column names the zoo model): Model detail's latency-versus-resolution curves "
               "use them, nothing else does, as no accuracy was published at those sizes.")
for p in d.problems:
    st.warning(p)

if not d.results.empty:        # an empty cache: "Cache freshness" below says how to fill it
    st.markdown("#### Machines and GPU coverage")
    cov = _coverage(d.key, d.results)
    st.markdown(method_text.coverage_sentence(cov))
    if cov.machines:
        st.dataframe(method_text.coverage_table(cov), hide_index=True, width="stretch", placeholder="")
        st.caption("Timm and torchvision classification architectures (derived input sizes left out) with a good "
                   "bf16 latency row, per machine and configuration.")
    st.dataframe(_machines(d.key, d.results), hide_index=True, width="stretch", placeholder="")
    st.caption("Latency rows of the zoo entries per machine: good rows, models, error rows and the first and last "
               "measurement (UTC). A machine's rows are never mixed with another's in one chart.")

st.markdown("#### Cache freshness")
if d.results.empty:
    st.info(f"The results cache is empty. Fill it with `{refresh_command('resnet*')}`.")
else:
    st.dataframe(freshness_by_entries(d.results, d.sweep), hide_index=True, width="stretch", placeholder="")
    st.caption(f"Rows per kind and device, {len(everything):,} in all"
               + (f": {len(d.results):,} of zoo entries and {n_sweep:,} of derived input sizes." if n_sweep else "."))
    errors = everything[everything["error"].fillna("").astype(str) != ""]
    if len(errors):
        with st.expander(f"{len(errors)} rows recorded an error (kept as data, not plotted)"):
            st.dataframe(errors[["model", "kind", "device", "batch_size", "dtype", "mode", "error"]],
                         hide_index=True, width="stretch", placeholder="")
    env = everything[["torch_version", "timm_version", "torchvision_version", "fvcore_version", "gpu_name",
                     "cuda_version", "host"]].drop_duplicates()
    st.markdown("Environments in the cache")
    st.dataframe(env, hide_index=True, width="stretch", placeholder="")

st.markdown("#### Sources of the accuracy table")
if d.accuracy.empty:
    st.info("No accuracy table: `python -m efficiency.reference.accuracy_build` builds it.")
else:
    src = d.accuracy["source"].astype(str).str.split(":").str[0].value_counts().rename_axis("source")
    st.dataframe(src.reset_index(name="rows"), hide_index=True, placeholder="")

st.markdown("#### How to refresh")
st.code(f"""# count MACs / params and time latency for models matching a pattern (unchanged inputs are skipped)
{refresh_command('resnet*')}
# one exact zoo entry, one hardware configuration
{refresh_command('timm/resnet50.a1_in1k@224', ui.state())}
# published accuracy tables
python -m efficiency.reference.accuracy_build
# a figure for a paper, from the same cache
python -m efficiency.plot --x gmacs --y imagenet-1k:top1 --out pareto.svg""", language="bash")
st.caption("The dashboard reloads a table when its file's modification time changes.")
