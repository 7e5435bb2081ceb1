"""The dashboard (no torch; Streamlit only in :mod:`.session`).

:mod:`.state` the view state and its URL codec; :mod:`.axes` axis labels and units; :mod:`.tables`
the per-model tables; :mod:`.explorer` the Pareto view (front: :mod:`.pareto`); :mod:`.detail`,
:mod:`.hardware`, :mod:`.claims_view` the other pages' tables; :mod:`.commands` refresh command
lines; :mod:`.figures` the figure and exports, :mod:`.plot_cli` its command line; :mod:`.data`
reading the tables; :mod:`.session` Streamlit caching, state and sidebar.
"""
