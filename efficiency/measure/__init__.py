"""Measuring one built model (imports torch): MAC formulas (pure), the counters with their operator
handle table, the latency loop, and the environment a measurement ran in."""
