"""Paper claims: what the seed papers' abstracts claim vs what we measure."""
import pandas as pd
import streamlit as st

from efficiency import ui, views

d = ui.data()
s = ui.state()
st.title("Paper claims vs measurements")
st.caption("Every numeric claim in the seed papers' abstracts (data/paper_claims.csv). Claimed compute is converted "
           "to MACs by its convention: 'MACs called FLOPs' as written, true FLOPs / 2, or a factor of our measured "
           "baseline. Accuracy is compared with the published reference (timm/torchvision tables).")
cvm = ui.claims_vs_measured(d)
claims = d.claims
if cvm is None:
    st.info("The claims comparison (efficiency.claims) is not available in this checkout.")
    st.stop()
if claims.empty:
    for p in d.problems:
        st.warning(p)
    st.info("No paper claims loaded: data/paper_claims.csv is missing or empty.")
    st.stop()

n_papers = claims["paper_title"].nunique()
mapped = claims[claims["status"] == "mapped"]
c = st.columns(4)
c[0].metric("Seed papers", n_papers)
c[1].metric("Claims", len(claims))
c[2].metric("Claims with a zoo architecture", len(mapped))
c[3].metric("Compared with a measurement", int((cvm["model"].astype(str) != "").sum()) if len(cvm) else 0)
if d.empty:
    st.info("The results cache is empty, so nothing is measured yet: "
            f"`{views.refresh_command('resnet*')}` fills it.")

st.subheader("Claimed vs measured")
if cvm.empty:
    st.info("No mapped claim to compare.")
else:
    flagged_only = st.toggle("Flagged claims only", value=False)
    t = cvm.copy()
    t["claimed GMACs"] = pd.to_numeric(t["claimed_macs"], errors="coerce") / 1e9
    t["measured GMACs"] = pd.to_numeric(t["measured_macs"], errors="coerce") / 1e9
    if flagged_only:
        t = t[t["flags"].astype(str) != ""]
    st.dataframe(t[["paper_title", "claim_model", "model", "dataset", "metric", "claimed_compute", "compute_unit",
                    "compute_convention", "claimed GMACs", "measured GMACs", "macs_ratio", "claimed_accuracy",
                    "reference_accuracy", "accuracy_diff", "flags", "quote"]].rename(columns={
        "macs_ratio": "claimed / measured MACs", "accuracy_diff": "claimed - reference (points)",
        "claimed_accuracy": "claimed accuracy (%)", "reference_accuracy": "reference accuracy (%)"}),
        hide_index=True, width="stretch",
        column_config={"quote": st.column_config.TextColumn(width="large"),
                       "claimed / measured MACs": st.column_config.NumberColumn(format="%.3f")})
    st.caption("Flags: `macs_gt10pct_apart` claimed and measured MACs differ by over 10 %; `convention_mismatch` "
               "they would agree under the other FLOP convention (x2 or /2); `accuracy_gt1pt_apart` over one point "
               "from the published reference; `no_measurement` the architecture is not in the results cache.")

st.subheader("Which seed papers are covered")
measured_papers = set(ui.counts(d)["paper"].astype(str)) - {""}
g = claims.groupby("paper_title")
cov = pd.DataFrame({"claims": g.size(), "mapped to a zoo arch": g["status"].apply(lambda x: int((x == "mapped").sum())),
                    "zoo archs": g["zoo_archs"].first()}).reset_index()
cov["measured in the cache"] = cov["paper_title"].isin(measured_papers)
cov = cov.sort_values(["measured in the cache", "mapped to a zoo arch"], ascending=False)
st.dataframe(cov, hide_index=True, width="stretch")
st.caption(f"{int(cov['measured in the cache'].sum())} of {len(cov)} seed papers have at least one measured "
           "zoo model. Unmapped papers are not in timm/torchvision (see the `reason` column of the CSV).")
