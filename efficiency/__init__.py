"""Model-efficiency backend: the zoo, MAC counting, latency, the parquet cache.

Conventions used everywhere in this package:

* ``macs``: multiply-accumulates per sample at batch 1. One multiply-add counts
  once. fvcore, timm and torchvision call this number "FLOPs".
* ``flops``: true floating point operations, always ``2 * macs``. PyTorch's
  ``FlopCounterMode`` counts this way.
* times in milliseconds, memory in bytes, throughput in samples per second.

The UI imports only :mod:`efficiency.query`, :mod:`efficiency.schema`,
:mod:`efficiency.pareto` and friends, which never import torch.
"""
