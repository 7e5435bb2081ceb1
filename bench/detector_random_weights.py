"""How many detections each torchvision detector returns per image when built, as the zoo builds it,
with random weights (no weights can be downloaded here), against its cap (``detections_per_img``).

Why: a detector's post-processing and its mask/keypoint heads work on the boxes that clear the score
threshold, so the zoo's random-weight latency is an upper bound of that work where every image returns its
cap, and a lower bound where it returns none. Model detail states which (efficiency/ui/detail.py
``RANDOM_WEIGHT_DETECTIONS``, copied from this script's output).

    python bench/detector_random_weights.py        # CPU, about 3 minutes on 2 cores
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from anywhere, as the other scripts

from efficiency.zoo.build import build  # noqa: E402
from efficiency.zoo.registry import load_zoo  # noqa: E402


def main() -> None:
    zoo = load_zoo()
    seen = set()
    print("| arch | input | detections returned | cap |\n|---|---|---|---|")
    for entry in zoo.select(task="detection"):
        if entry.source != "torchvision" or entry.arch in seen:
            continue
        seen.add(entry.arch)
        built = build(entry)
        model = built.model
        heads = getattr(model, "roi_heads", model)
        with torch.inference_mode():
            out = model(list(built.inputs[0]))
        print(f"| {entry.arch} | {entry.input_size_str} | {len(out[0]['boxes'])} | "
              f"{getattr(heads, 'detections_per_img', '?')} |", flush=True)


if __name__ == "__main__":
    main()
