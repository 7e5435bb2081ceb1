"""Byte sizes in stored texts, in the dashboard's units (no torch, no Streamlit).

The dashboard shows bytes in binary units: weights in GiB (the language detail's headline, the Counts table,
Compare), peak memory in MiB, machines by their GiB ("NVIDIA H200, 140 GiB"). Texts the language sweep stored
in a row (its ``error`` and ``latency_notes``) say decimal GB and MB ("does not fit: 810 GB of bf16 weights
... on a GPU with 151 GB in all"), so one page read "756 GiB" beside "810 GB" and "140 GiB" beside "151 GB"
(AUDIT7 L3). The stored rows stay as they were measured; :func:`binary_bytes` rewrites such a text for display,
each decimal size led by its binary value, the stored figure kept in brackets ("754.4 GiB (810 GB)").
"""
from __future__ import annotations

import re

# a size as the sweep writes it: a number, one space, GB or MB. Not a size already given in binary units
# ("754.4 GiB (810.0 GB)", the sweep's present wording, and this module's output: so a text is rewritten
# once), and not a name such as "NVIDIA H100 80GB HBM3" (no space between the number and the unit)
_DECIMAL = re.compile(r"(?<!iB \()(?<![\d.,])(\d[\d,]*(?:\.\d+)?) (GB|MB)\b")
_BINARY = {"GB": (10**9, 2**30, "GiB"), "MB": (10**6, 2**20, "MiB")}


def binary_value(value: float) -> str:
    """A converted size: 4 significant digits from 100 up (the tenths of a GiB that tell 140.6 from 141), 3
    below (0.466); never more digits than the stored figure had plus one."""
    return f"{value:,.4g}" if abs(value) >= 100 else f"{value:.3g}"


def _binary(match: re.Match) -> str:
    number, unit = match.group(1), match.group(2)
    scale, binary, name = _BINARY[unit]
    value = float(number.replace(",", "")) * scale / binary
    return f"{binary_value(value)} {name} ({number} {unit})"


def binary_bytes(text) -> str:
    """``text`` with every decimal size ("810 GB", "129 MB") led by its binary one: "754.4 GiB (810 GB)",
    "123 MiB (129 MB)". Other text is unchanged, and so is a text already rewritten (idempotent); a missing
    value (None, NaN) is returned as it is."""
    if not isinstance(text, str):
        return text
    return _DECIMAL.sub(_binary, text)
