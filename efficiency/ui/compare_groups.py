"""Which accuracy protocol groups cover the language models on the Compare page (no torch, no Streamlit).

Compare shows the sidebar's one (dataset, metric) pair. Language scores are comparable only within a protocol group
(efficiency.ui.language), and most groups score a few models, so three LLMs compared under the sidebar's group often
show one score or none, while they share other groups (OLMo 2 7B, Llama 3.1 8B and Qwen 2.5 7B: five OLMo 2 card
groups; AUDIT7 F8). These helpers name the groups scoring the most of the compared models, for a one-click switch.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from efficiency.ui.language import GROUP_FIELDS, _text, group_words


@dataclass(frozen=True)
class SharedGroup:
    """A protocol group's (dataset, metric) pair and how many of the compared models it scores."""
    dataset: str
    metric: str
    covered: int          # compared models with a score in it
    words: str            # the group in words (language.group_words)

    @property
    def key(self) -> str:
        """The sidebar's accuracy value ("dataset:metric")."""
        return f"{self.dataset}:{self.metric}"


def shared_groups(accuracy: pd.DataFrame, models, limit: int = 3, benchmark: str = "") -> list[SharedGroup]:
    """The protocol groups scoring the most of ``models`` (at least two), most first; ties to a group of
    ``benchmark`` (the sidebar's: a switch then keeps the benchmark), then to the group scoring more models in all
    (a wider chart on the explorer). At most ``limit``."""
    if "protocol_group" not in accuracy or accuracy.empty:
        return []
    rows = accuracy[accuracy["protocol_group"].fillna("").astype(str) != ""]
    rows = rows[pd.to_numeric(rows["value"], errors="coerce").notna()]
    found = []
    for (ds, metric), g in rows.groupby(["dataset", "metric"], sort=False):
        covered = g.loc[g["model"].isin(set(models)), "model"].nunique()
        if covered >= 2:
            info = {f: _text(g.iloc[0].get(f)) for f in GROUP_FIELDS}
            found.append((covered, info["benchmark"] == benchmark, g["model"].nunique(), SharedGroup(str(ds), str(metric), covered,
                                                                       group_words(info))))
    found.sort(key=lambda t: (-t[0], not t[1], -t[2], t[3].key))
    return [t[3] for t in found[:limit]]


def groups_text(groups: list[SharedGroup], n_models: int, current_key: str, current_words: str) -> str:
    """The line under the Compare table when the sidebar's group (``current_key`` "dataset:metric", in words
    ``current_words``) leaves some models unscored: the groups that score more of them, or that none does."""
    better = [g for g in groups if g.key != current_key]
    if not better:
        return (f"Some models have no published {current_words}, and no other protocol group scores two or more of "
                "them: language scores compare only within a group.")
    listed = "; ".join(f"{g.words} ({g.covered} of {n_models})" for g in better)
    return (f"Some models have no published {current_words}. The protocol groups scoring the most of these "
            f"{n_models} models: {listed}. The button switches the sidebar's accuracy to the first.")
