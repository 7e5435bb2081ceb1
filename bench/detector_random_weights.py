"""How many detections each torchvision detector returns per image when built, as the zoo builds it,
with random weights (no weights can be downloaded here), against its cap (``detections_per_img``); for
the R-CNNs also the proposals their box head receives, against ``post_nms_top_n``.

Why: a detector's post-processing and its mask/keypoint heads work on the boxes that clear the score
threshold, so the zoo's random-weight latency is an upper bound of that work where every image returns its
cap, and a lower bound where it returns none. Model detail states which (efficiency/ui/detail.py
``RANDOM_WEIGHT_DETECTIONS``, copied from this script's output).

The R-CNNs are built so that their heads run at their maximum whatever the random values
(efficiency/zoo/torchvision.py ``heads_at_their_maximum``): every row of theirs must read
post_nms_top_n proposals and the cap of detections. Before that fix (zoo before 2026-12-07) the random
weights decided: Mask R-CNN's box head got 658 proposals and returned 3 detections, Keypoint R-CNN's 604
and 0, and the MACs of their mask/keypoint heads followed. RetinaNet, FCOS and SSD are as torchvision
builds them: their MACs do not depend on the detections (no head runs after post-processing), their
post-processing time does.

    python bench/detector_random_weights.py        # CPU, about 3 minutes on 2 cores
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from anywhere, as the other scripts

from efficiency.zoo.build import build  # noqa: E402
from efficiency.zoo.registry import load_zoo  # noqa: E402


def _proposals_hook(model, seen: dict):
    """Record the proposals per image the R-CNN box head receives (its RoI pool's second input)."""
    pool = getattr(getattr(model, "roi_heads", None), "box_roi_pool", None)
    if pool is None:
        return None
    return pool.register_forward_hook(lambda mod, inp, out: seen.__setitem__("proposals", len(inp[1][0])))


def main() -> None:
    zoo = load_zoo()
    seen_archs = set()
    print("| arch | input | detections returned | cap | proposals into the box head | post_nms_top_n |\n"
          "|---|---|---|---|---|---|")
    for entry in zoo.select(task="detection"):
        if entry.source != "torchvision" or entry.arch in seen_archs:
            continue
        seen_archs.add(entry.arch)
        built = build(entry)
        model = built.model
        heads = getattr(model, "roi_heads", model)
        seen: dict = {}
        _proposals_hook(model, seen)
        with torch.inference_mode():
            out = model(list(built.inputs[0]))
        rpn = getattr(model, "rpn", None)
        top_n = rpn.post_nms_top_n() if rpn is not None else "-"
        print(f"| {entry.arch} | {entry.input_size_str} | {len(out[0]['boxes'])} | "
              f"{getattr(heads, 'detections_per_img', '?')} | {seen.get('proposals', '-')} | {top_n} |", flush=True)


if __name__ == "__main__":
    main()
