"""Models: every model of the explorer's view as one sortable table, with a column chooser, a text
filter, CSV of what is shown, links out, and a way into each model's detail."""
import streamlit as st

from efficiency.ui import models_table as mt
from efficiency.ui import router
from efficiency.ui import session as ui
from efficiency.ui.axes import hw_text
from efficiency.ui.tables import STABILITY_RULE

router.ensure_routed()

d = ui.data()
s = ui.state()
st.title("Models")
st.caption("Every model of the explorer's current view: same task, accuracy metric, hardware configuration "
           "and filters. Click a header to sort; blank cells were not measured or not published.")
if ui.no_results_message(d):
    ui.stop()

v = ui.view(d, s)
for level, msg in v.notes:
    (st.warning if level == "warning" else st.info)(msg)
filters = mt.active_filters(s, markdown=True)   # a caption is markdown: '*net*' is no emphasis
if filters:
    st.caption("Explorer filters in effect: " + "; ".join(filters) + ".")

table = mt.models_table(v.points)
language = v.group is not None                # prefill counts and decode steps: their own headers
names = mt.headers(v.y_label, s.device, language)   # a CPU's memory column is RSS growth, a lower bound

# ---- controls: text filter and column chooser (key columns are always shown)
ui.seed("w_models_filter", s.table_filter)          # a share link restores the filter
text = st.text_input("Filter (model id, family or paper contains)", key="w_models_filter", max_chars=200)
s = ui.update(table_filter=text)
ui.seed("w_models_cols", list(mt.DEFAULT_LANGUAGE_OPTIONAL if language else mt.DEFAULT_OPTIONAL))
# the full width and short chip names: a chip row does not wrap, and every chosen chip should be in view
if language:     # a chip the language chooser does not offer (kept from a vision view) would be refused
    st.session_state["w_models_cols"] = [c for c in st.session_state.get("w_models_cols", [])
                                         if c in mt.column_options(language)]
optional = st.multiselect("More columns", mt.column_options(language), key="w_models_cols",
                          format_func=lambda c: mt.CHIP_LABELS[c], placeholder="key columns only",
                          help="Short names here; the table's headers give units and conventions.")
shown = mt.text_filter(table, text)[mt.shown_columns(optional, language)]

# ---- the table: numbers stay numbers (they sort), units live in the headers
links = {"card": r"https?://[^/]+/(?:timm/)?(?:.*/generated/torchvision\.models\.)?([^/]+?)(?:\.html)?$",
         "arxiv": r"https://arxiv\.org/abs/(.+)$", "code": r"https?://.*/([^/]+\.py)$"}
config = {names[c]: st.column_config.LinkColumn(names[c], display_text=links[c]) for c in mt.LINK_COLUMNS}
# ids differ only in their weight tag at the end ("...patch14_448.mim_m38m_ft_in22k_in1k@448"): wide enough
# for the ids shown (up to 400 px), with the key numbers still in view beside them at 1440 px
config[names["model"]] = st.column_config.TextColumn(names["model"], pinned=True, width=mt.id_width(shown["model"]))
config[names["acc"]] = st.column_config.NumberColumn(names["acc"], format="%.2f")
for c, label in mt.screen_labels(language).items():      # short over the numbers; the full header on hover
    config[names[c]] = st.column_config.NumberColumn(label, help=names[c])
st.dataframe(shown.rename(columns=names), hide_index=True, width="stretch", height=mt.grid_height(len(shown)),
             placeholder="", column_config=config)
hw = hw_text(s, v.device_name)
st.caption(f"{len(shown):,} of {len(table):,} models. Latency, throughput and memory on {hw} (sidebar); "
           "GMACs count one multiply-add once (timm/torchvision 'FLOPs'), GFLOPs = 2 × GMACs; counts per "
           "sample at batch 1. 3 significant digits (the CSV: full precision); accuracy as published, 2 decimals. "
           f"Latency stability: *noisy* rows failed the stability rule ({STABILITY_RULE}); *not assessed* rows "
           "store no flag (the language rows measured so far)."
           + (f" Language models: accuracy is protocol group {v.group['protocol_group']}; GMACs are a 512-token "
              "prefill; latency is one decode step; throughput is decode tokens/s." if v.group is not None else ""))

# ---- exports and the way into a model's detail
e1, e2, e3 = st.columns([1.2, 3, 1.2], vertical_alignment="bottom")
# the CSV has the shown rows and columns at full precision (the screen rounds for reading)
exact = mt.text_filter(mt.models_table(v.points, rounded=False), text)[mt.shown_columns(optional, language)]
e1.download_button("Shown table (CSV)", data=mt.csv_bytes(exact, v.y_label, s.device, language), file_name="models.csv",
                   mime="text/csv", on_click="ignore", icon=":material/download:")
ids = shown["model"].dropna().tolist()
if ids:
    pick = e2.selectbox("Model", ids, key="w_models_pick", help="Any model of the table above.")
    if e3.button("Open its detail", icon=":material/open_in_new:"):
        ui.update(selection=(pick,) + tuple(m for m in s.selection if m != pick), page="detail")
        st.session_state["w_model"] = pick
        st.switch_page(ui.page_file("detail"))
