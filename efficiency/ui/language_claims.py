"""The seed-paper claims about one language model, for its Model detail page (no torch, no Streamlit).

Model detail read only ``claimed_vs_measured`` (the vision claims), so OLMo 2 7B and K2 said "No mapped seed-paper
claim names this architecture" while the Paper claims page judged their papers' claims (AUDIT7 F7). The language
claims are checked in :func:`efficiency.reference.llm_claims.llm_claim_rows`, which names the models of each claim
in ``data/paper_claims.csv``'s ``zoo_model`` / ``baseline_model`` cells: a claim concerns a model when either names
it. The verdicts are that function's, the same the Paper claims page shows.
"""
from __future__ import annotations

import re
from typing import Callable

import pandas as pd

from efficiency.reference.llm_claims import llm_claim_rows, model_ids

CLAIM_COLUMNS = ["paper_title", "role", "claim_model", "verdict", "ours", "claim", "source"]


def model_claims(claims: pd.DataFrame, results: pd.DataFrame, accuracy: pd.DataFrame, peaks: pd.DataFrame,
                 vocab_of: Callable[[str], int | None], model: str) -> pd.DataFrame:
    """The checked language claims naming ``model`` (:data:`CLAIM_COLUMNS`): ``role`` says whether the claim is
    about it ("claimed model") or compares against it ("baseline"). Empty when none names it."""
    if claims is None or claims.empty or not {"zoo_model", "baseline_model"} <= set(claims.columns):
        return pd.DataFrame(columns=CLAIM_COLUMNS)
    rows = llm_claim_rows(claims, results, accuracy, peaks, vocab_of)
    rows = rows[rows["claim_row"] >= 0]
    # the abstract-level claims (OLMo 2's "at the Pareto frontier") have no zoo_model cell: the check names the
    # models it judged in its claim_model
    role = [_role(claims.loc[i], model) or ("claimed model" if model in re.split(r"[;,\s]+", str(who)) else "")
            for i, who in zip(rows["claim_row"], rows["claim_model"])]
    out = rows.assign(role=role)
    return out[out["role"] != ""].reindex(columns=CLAIM_COLUMNS).reset_index(drop=True)


def _role(claim, model: str) -> str:
    if model in model_ids(claim.get("zoo_model")):
        return "claimed model"
    return "baseline" if model in model_ids(claim.get("baseline_model")) else ""


def claim_lines(found: pd.DataFrame) -> list[str]:
    """One markdown line per claim: the paper, the model's role, the verdict and ours (the claim's words follow
    as a quote on the page)."""
    lines = []
    for r in found.itertuples(index=False):
        ours = f" Ours: {r.ours}." if str(r.ours or "") else ""
        lines.append(f"*{r.paper_title}* ({r.role}: {r.claim_model}): **{r.verdict}**.{ours}")
    return lines
