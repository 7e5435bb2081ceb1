"""The dashboard's logic (no torch; Streamlit only in :mod:`.session`): the view state and its URL
codec, the Pareto front, view tables, figures and their exports, and session caching."""
