"""Models: every model of the explorer's view as one sortable table, with a column chooser, a text
filter, CSV of what is shown, links out, and a way into each model's detail."""
from dataclasses import replace

import pandas as pd
import streamlit as st

from efficiency.ui import models_table as mt
from efficiency.ui import router
from efficiency.ui import session as ui
from efficiency.ui.axes import hw_text
from efficiency.ui.explorer import view_key
from efficiency.ui.export_names import models_file_name
from efficiency.ui.machine_choice import machine_sidebar
from efficiency.ui.tables import STABILITY_RULE
from efficiency.ui.unrated import unrated_points

router.ensure_routed()


@st.cache_data(max_entries=16, show_spinner=False)
def _unrated(key: tuple, state, _results: pd.DataFrame, _accuracy: pd.DataFrame) -> pd.DataFrame:
    """:func:`unrated_points` memoised like the view (on the tables' mtimes and the view's fields)."""
    return unrated_points(_results, _accuracy, state)


d = ui.data()
s = ui.state()
st.title("Models")
st.caption("Every model of the explorer's current view: same task, accuracy metric, hardware configuration "
           "and filters. *Sort by* sets the order of the table, its CSV and the share link; a click on a header "
           "re-sorts the screen only. Blank cells were not measured on the machine the latency comes from (the "
           "notes say which models another machine measured) or not published.")
if ui.no_results_message(d):
    ui.stop()

# the machine its latency columns come from, offered where two machines measured the view's models (UXCHECK6 #2)
s = machine_sidebar(d, s)
v = ui.view(d, replace(s, table_unrated=False))     # the switch below changes the table, not the view
unrated = _unrated(d.key, replace(view_key(s), table_unrated=False), d.results, d.accuracy)
for level, msg in v.notes:
    (st.warning if level == "warning" else st.info)(msg)
filters = mt.active_filters(s, markdown=True)   # a caption is markdown: '*net*' is no emphasis
if filters:
    st.caption("Explorer filters in effect: " + "; ".join(filters) + ".")

# the view holds the models with its accuracy only (a chart needs it); the task's others on request (UXCHECK6 10)
ui.seed("w_models_unrated", s.table_unrated)        # a share link restores it
with_unrated = st.toggle(f"Include models without this accuracy ({len(unrated):,})", key="w_models_unrated",
                         help=f"Models of this task with no {v.y_label} published: listed with the accuracy "
                              "blank, last when sorted by accuracy (other cells blank where not measured here). "
                              "The explorer's filters apply, except its accuracy bounds. The chart cannot plot "
                              "them; Model detail lists every model.")
s = ui.update(table_unrated=with_unrated)
points = pd.concat([v.points, unrated], ignore_index=True) if with_unrated and len(unrated) else v.points
table = mt.models_table(points)
language = v.group is not None                # prefill counts and decode steps: their own headers
names = mt.headers(v.y_label, s.device, language)   # a CPU's memory column is RSS growth, a lower bound

# ---- controls: text filter and column chooser (key columns are always shown)
ui.seed("w_models_filter", s.table_filter)          # a share link restores the filter
text = st.text_input("Filter (model id, family or paper contains)", key="w_models_filter", max_chars=200)
s = ui.update(table_filter=text)
default_cols = [c for c in (mt.DEFAULT_LANGUAGE_OPTIONAL if language else mt.DEFAULT_OPTIONAL)
                if c in mt.column_options(language)]
ui.seed("w_models_cols", list(default_cols if s.table_columns is None else s.table_columns))   # a link restores them
# the full width and short chip names: a chip row does not wrap, and every chosen chip should be in view
if language:     # a chip the language chooser does not offer (kept from a vision view) would be refused
    st.session_state["w_models_cols"] = [c for c in st.session_state.get("w_models_cols", [])
                                         if c in mt.column_options(language)]
optional = st.multiselect("More columns", mt.column_options(language), key="w_models_cols",
                          format_func=lambda c: mt.CHIP_LABELS[c], placeholder="key columns only",
                          help="Short names here; the table's headers give units and conventions.")
chosen = [c for c in mt.column_options(language) if c in optional]      # the chooser's order: one link a choice
s = ui.update(table_columns=None if set(chosen) == set(default_cols) else tuple(chosen))
columns = mt.shown_columns(optional, language)
# the page's own order: a header click re-sorts the screen only (Streamlit keeps that sort in the browser and
# never tells the page), so this order is the one the link and the CSV carry
sortable = [c for c in columns if c not in mt.LINK_COLUMNS]
short = {**names, "model": "model id", **mt.screen_labels(language), **mt.CHIP_LABELS}
by, descending = s.table_sort.removeprefix("-"), s.table_sort.startswith("-")
if st.session_state.get("w_models_sort", by) not in sortable:   # a link's or a removed column: accuracy first
    st.session_state["w_models_sort"], st.session_state["w_models_order"] = "acc", "descending"
ui.seed("w_models_sort", by if by in sortable else "acc")
ui.seed("w_models_order", "descending" if descending or by not in sortable else "ascending")
c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
by = c1.selectbox("Sort by", sortable, key="w_models_sort", format_func=lambda c: short[c],
                  help="The order of the CSV and of the share link. A click on a table header re-sorts the "
                       "screen only: Streamlit keeps that sort in the browser and does not tell the page.")
order = c2.segmented_control("Order", ["descending", "ascending"], key="w_models_order", required=True) or "descending"
s = ui.update(table_sort=("-" if order == "descending" else "") + by)
shown = mt.sort_table(mt.text_filter(table, text), s.table_sort)[columns]

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
left_out = (f" {len(unrated):,} more of this task have no {v.y_label} and are not listed (the switch above "
            "lists them; Model detail lists every model)." if len(unrated) and not with_unrated else "")
st.caption(f"{len(shown):,} of {len(table):,} models.{left_out} Latency, throughput and memory on {hw} (sidebar); "
           "GMACs count one multiply-add once (timm/torchvision 'FLOPs'), GFLOPs = 2 × GMACs; counts per "
           "sample at batch 1. 3 significant digits (the CSV: full precision); accuracy as published, 2 decimals. "
           f"Latency stability: *noisy* rows failed the stability rule ({STABILITY_RULE}); *not assessed* rows "
           "store neither a flag nor a spread to decide one from."
           + (f" Language models: accuracy is protocol group {v.group['protocol_group']}; GMACs are a 512-token "
              "prefill; latency is one decode step; throughput is decode tokens/s." if v.group is not None else ""))

# ---- exports and the way into a model's detail
e1, e2, e3 = st.columns([1.2, 3, 1.2], vertical_alignment="bottom")
# the CSV has the shown rows and columns at full precision (the screen rounds for reading)
exact = mt.sort_table(mt.text_filter(mt.models_table(points, rounded=False), text), s.table_sort)[columns]
e1.download_button("Shown table (CSV)", data=mt.csv_bytes(exact, v.y_label, s.device, language),
                   file_name=models_file_name(s, v.device_name), mime="text/csv", on_click="ignore",
                   icon=":material/download:",
                   help=f"The {len(exact):,} rows and the columns shown, at full precision, sorted by "
                        f"{short[by]} ({order}), the Sort by above: a header clicked in the table sorts the "
                        "screen only, and Streamlit does not tell the page that order.")
ids = shown["model"].dropna().tolist()
if ids:
    pick = e2.selectbox("Model", ids, key="w_models_pick", help="Any model of the table above.")
    if e3.button("Open its detail", icon=":material/arrow_forward:"):
        ui.update(selection=(pick,) + tuple(m for m in s.selection if m != pick), page="detail")
        st.session_state["w_model"] = pick
        st.switch_page(ui.page_file("detail"))
