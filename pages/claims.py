"""Paper claims: what the seed papers' abstracts claim vs what we measure."""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from efficiency.ui import router
from efficiency.ui import session as ui
from efficiency.ui.commands import refresh_command

router.ensure_routed()

d = ui.data()
s = ui.state()
st.title("Paper claims vs measurements")
st.caption("Every numeric claim in the seed papers' abstracts (data/paper_claims.csv). Claimed compute is converted "
           "to MACs by its convention: 'MACs called FLOPs' as written, true FLOPs / 2, or a factor of our measured "
           "baseline. Accuracy is compared with the published reference (timm/torchvision tables).")
cvm = ui.claims_vs_measured(d)
claims = d.claims
if claims.empty:
    for p in d.problems:
        st.warning(p)
    st.info("No paper claims loaded: data/paper_claims.csv is missing or empty.")
    ui.stop()

n_papers = claims["paper_title"].nunique()
mapped = claims[claims["status"] == "mapped"]
c = st.columns(4)
c[0].metric("Seed papers", n_papers)
c[1].metric("Claims", len(claims))
c[2].metric("Claims with a zoo architecture", len(mapped))
c[3].metric("Compared with a measurement", int((cvm["model"].astype(str) != "").sum()) if len(cvm) else 0)
if d.empty:
    st.info("The results cache is empty, so nothing is measured yet: "
            f"`{refresh_command('resnet*')}` fills it.")

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
    both = t[t["claimed GMACs"].notna() & t["measured GMACs"].notna()]
    if len(both):
        lo, hi = both[["claimed GMACs", "measured GMACs"]].min().min() / 3, both[["claimed GMACs", "measured GMACs"]].max().max() * 3
        fig = go.Figure()
        for k, dash, name in ((1, "solid", "claimed = measured"), (2, "dot", "claimed = 2 x measured (true FLOPs)"),
                              (0.5, "dash", "claimed = measured / 2")):
            fig.add_trace(go.Scatter(x=[lo, hi], y=[k * lo, k * hi], mode="lines", name=name,
                                     line=dict(color="#888", dash=dash, width=1.5), hoverinfo="skip"))
        flagged = both["flags"].astype(str).str.contains("macs")
        fig.add_trace(go.Scatter(
            x=both["measured GMACs"], y=both["claimed GMACs"], mode="markers+text", name="claims",
            text=both["claim_model"], textposition="top center", textfont=dict(size=11),
            marker=dict(size=11, color=["#C0392B" if f else "#0072B2" for f in flagged], symbol="diamond-open",
                        line=dict(width=2)),
            hovertext=[f"<b>{m}</b><br>{p}<br>claimed {v} {u} ({c.replace('_', ' ')}) = {g:.3g} GMACs<br>"
                       f"measured {z}: {mg:.3g} GMACs"
                       for m, p, v, u, c, g, z, mg in zip(both["claim_model"], both["paper_title"],
                                                           both["claimed_compute"], both["compute_unit"],
                                                           both["compute_convention"].astype(str), both["claimed GMACs"],
                                                           both["model"], both["measured GMACs"])],
            hovertemplate="%{hovertext}<extra></extra>"))
        fig.update_layout(template="plotly_white", height=460, font=dict(size=14), margin=dict(t=20),
                          xaxis=dict(type="log", title="measured GMACs per sample (1 multiply-add = 1)"),
                          yaxis=dict(type="log", title="claimed compute converted to GMACs"),
                          legend=dict(orientation="h", y=-0.2))
        st.plotly_chart(fig, theme=None, config={"displaylogo": False})
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
