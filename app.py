"""Model-efficiency dashboard: the router (``streamlit run app.py``).

Page config once, then ``st.navigation`` runs the chosen page from ``pages/`` inside the shared
sidebar (task, accuracy metric, hardware configuration): its state is decided before the page, its
widgets are drawn after it, so the explorer's chart reaches the browser first (efficiency/ui/sidebar.py).
Tables come from $EFFICIENCY_RESULTS / $EFFICIENCY_ACCURACY / $EFFICIENCY_CLAIMS (default: data/).
Nothing here imports torch.
"""
import streamlit as st

from efficiency.ui import router, sidebar
from efficiency.ui import session as ui
from efficiency.ui.state import PAGES

st.set_page_config(page_title="Model efficiency: accuracy vs compute", page_icon=":material/insights:",
                   layout="wide", initial_sidebar_state="auto")   # auto: collapsed on a phone

ICONS = {"pareto": ":material/scatter_plot:", "models": ":material/table_view:", "detail": ":material/memory:",
         "compare": ":material/compare:", "claims": ":material/article:", "hardware": ":material/developer_board:",
         "data": ":material/menu_book:"}
# The explorer is the default page, served at "/" (share links use it); Streamlit never serves a default
# page at its own path, so a typed "/pareto" answered "Page not found" (AUDIT7 L6). A hidden page takes that
# path and forwards to "/" with the query kept; the explorer's own path is then "explorer" (the two may not
# share one), which no link uses.
pages = {key: st.Page(file, title=title, icon=ICONS[key], url_path="explorer" if key == "pareto" else key,
                      default=key == "pareto")
         for key, (title, file) in PAGES.items()}
alias = st.Page(lambda: None, title=PAGES["pareto"][0], url_path="pareto", visibility="hidden")
current = st.navigation([*pages.values(), alias])
if current is alias:
    st.switch_page(pages["pareto"], query_params=[(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
page_key = next(k for k, p in pages.items() if p.title == current.title)

router.style()
data = ui.data()
with sidebar.deferred(data, page_key), router.routed():   # the sidebar is drawn on leaving, at its place on top
    current.run()
router.share_box(ui.state())   # pages that stop early call ui.stop(), which draws both first
