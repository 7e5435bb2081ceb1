"""A seed claim that states an accuracy only is judged on the compute the paper's table gives for that model,
and its verdict says the accuracy itself is not checked (DATACHECK L2: "CSWin Transformer: 85.4 top1" read
"holds" as if we had reproduced 85.4 %)."""
from __future__ import annotations

import pandas as pd
import pytest

from efficiency.reference.claims import claim_verdicts
from efficiency.ui import data as uidata
from efficiency.reference.seed_check import load_tables, seed_check, with_seed_verdicts


@pytest.fixture(scope="module")
def verdicts() -> pd.DataFrame:
    res = uidata.read_results(uidata.path_for("results")).df
    acc = uidata.read_accuracy(uidata.path_for("accuracy"), res).df
    claims = uidata.read_claims(uidata.path_for("claims")).df
    out = with_seed_verdicts(claim_verdicts(claims, uidata.claimed_vs_measured(claims, res, acc)), claims,
                             seed_check(load_tables(), res))
    return out.assign(status=claims.loc[out["claim_row"], "status"].to_numpy())


def test_accuracy_only_seed_claims_say_the_accuracy_is_not_checked(verdicts):
    cswin = verdicts[verdicts["claim"] == "CSWin Transformer: 85.4 top1"].iloc[0]
    assert cswin["verdict"].startswith("compute holds (ours vs the table's 47 GFLOPs")
    assert cswin["verdict"].endswith("; the claimed 85.4 top1 itself is not checked (no trained weights)")
    judged = verdicts[(verdicts["status"] == "seed_checked") & ~verdicts["kind"].eq("not measurable")]
    on_table = judged[judged["verdict"].str.contains("the table's")]   # the claim gave no usable compute figure
    assert len(on_table) >= 5 and on_table["verdict"].str.contains("is not checked").all()


def test_a_claim_with_its_own_compute_figure_is_judged_on_it(verdicts):
    judged = verdicts[(verdicts["status"] == "seed_checked") & verdicts["verdict"].str.contains("the claim's")]
    assert len(judged) >= 5 and not judged["verdict"].str.contains("is not checked").any()
