"""Seed papers: which architecture implements which paper, and what the abstracts claim (no torch import).

``data/paper_claims.csv`` has one row per numeric claim in a seed-paper abstract (at least one row
per paper); ``data/paper_claims.md`` documents the columns and the vocabulary. The ``zoo_archs``
column lists the timm/torchvision architectures implementing the paper as ``;``-separated fnmatch
patterns (``ghostnetv2_*``), the same on every row of a paper.
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

import pandas as pd

from efficiency import paths

CLAIMS_PATH = paths.PAPER_CLAIMS

# arXiv ids of the papers of data/paper_claims.csv, keyed by the exact title the rows carry; a paper
# appears only where its id was read on a page whose title matched that title exactly (tests/test_links.py
# checks every key is a claims-table title, the zoo-named papers are all here, and no id repeats).
# Papers without an entry have no id read yet: they get no link rather than a guessed one.
PAPER_ARXIV = {
    # the seed papers that zoo rows name (rows with zoo_archs): read on https://arxiv.org/abs/<id>
    "An Energy and GPU-Computation Efficient Backbone Network for Real-Time Object Detection": "1904.09730",
    "CrossViT: Cross-Attention Multi-Scale Vision Transformer for Image Classification": "2103.14899",
    "FBNet: Hardware-Aware Efficient ConvNet Design via Differentiable Neural Architecture Search": "1812.03443",
    "FBNetV3: Joint Architecture-Recipe Search using Predictor Pretraining": "2006.02049",
    "Fast and Accurate Model Scaling": "2103.06877",
    "GhostNetV2: Enhance Cheap Operation with Long-Range Attention": "2211.12905",
    "InceptionNeXt: When Inception Meets ConvNeXt": "2303.16900",
    "Learning Transferable Architectures for Scalable Image Recognition": "1707.07012",
    "MetaFormer Baselines for Vision": "2210.13452",
    "MnasNet: Platform-Aware Neural Architecture Search for Mobile": "1807.11626",
    "Model Rubik's Cube: Twisting Resolution, Depth and Width for TinyNets": "2010.14819",
    # read on the paper's Hugging Face page, https://huggingface.co/papers/<id>, which Hugging Face keys by
    # the arXiv id (the search index's copy of the page; titles compared character for character)
    "AdaMoE: Token-Adaptive Routing with Null Experts for Mixture-of-Experts Language Models": "2406.13233",
    "BiBERT: Accurate Fully Binarized BERT": "2203.06390",
    "CCNet: Criss-Cross Attention for Semantic Segmentation": "1811.11721",
    "CSWin Transformer: A General Vision Transformer Backbone with Cross-Shaped Windows": "2107.00652",
    "ColBERT: Efficient and Effective Passage Search via Contextualized Late Interaction over BERT": "2004.12832",
    "Expanding Language-Image Pretrained Models for General Video Recognition": "2208.02816",
    "Fire Together Wire Together: A Dynamic Pruning Approach with Self-Supervised Mask Prediction": "2110.08232",
    "FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning": "2307.08691",
    "Is Complexity Required for Neural Network Pruning? A Case Study on Global Magnitude Pruning": "2209.14624",
    "MAXIM: Multi-Axis MLP for Image Processing": "2201.02973",
    "MegaScale: Scaling Large Language Model Training to More Than 10,000 GPUs": "2402.15627",
    "MoMa: Efficient Early-Fusion Pre-training with Mixture of Modality-Aware Experts": "2407.21770",
    "SPDF: Sparse Pre-training and Dense Fine-tuning for Large Language Models": "2303.10464",
    "Scaling LLM Test-Time Compute Optimally can be More Effective than Scaling Model Parameters": "2408.03314",
    "Sparse Iso-FLOP Transformations for Maximizing Training Efficiency": "2303.11525",
    "Sparsifiner: Learning Sparse Instance-Dependent Attention for Efficient Vision Transformers": "2303.13755",
    "Towards Competitive Search Relevance For Inference-Free Learned Sparse Retrievers": "2411.04403",
    "Context-aware Decoding Reduces Hallucination in Query-focused Summarization": "2312.14335",
    "DSEE: Dually Sparsity-embedded Efficient Tuning of Pre-trained Language Models": "2111.00160",
    "DualToken-ViT: Position-aware Efficient Vision Transformer with Dual Token Fusion": "2309.12424",
    "DεpS: Delayed ε-Shrinking for Faster Once-For-All Training": "2407.06167",
    "EgoPoseFormer: A Simple Baseline for Stereo Egocentric 3D Human Pose Estimation": "2403.18080",
    "Fast Sparse ConvNets": "1911.09723",
    "Global Vision Transformer Pruning with Hessian-Aware Saliency": "2110.04869",
    "LAPP: Layer Adaptive Progressive Pruning for Compressing CNNs from Scratch": "2309.14157",
    "Merge, Then Compress: Demystify Efficient SMoE with Hints from Its Routing Policy": "2310.01334",
    "Multi-Granularity Distillation Scheme Towards Lightweight Semi-Supervised Semantic Segmentation": "2208.10169",
    "Multi-Scale Representations by Varying Window Attention for Semantic Segmentation": "2404.16573",
    "Multi-criteria Token Fusion with One-step-ahead Attention for Efficient Vision Transformers": "2403.10030",
    "Programming Every Example: Lifting Pre-training Data Quality like Experts at Scale": "2409.17115",
    "Progressive Gradient Flow for Robust N:M Sparsity Training in Transformers": "2402.04744",
    "Pruning-aware Sparse Regularization for Network Pruning": "2201.06776",
    "Scaling Laws with Vocabulary: Larger Models Deserve Larger Vocabularies": "2407.13623",
    "Serpent: Scalable and Efficient Image Restoration via Multi-scale Structured State Space Models": "2403.17902",
    "SpaceEvo: Hardware-Friendly Search Space Design for Efficient INT8 Inference": "2303.08308",
    "SparCL: Sparse Continual Learning on the Edge": "2209.09476",
    ("SparseByteNN: A Novel Mobile Inference Acceleration Framework Based on Fine-Grained Group "
     "Sparsity"): "2310.19509",
    "Stitched ViTs are Flexible Vision Backbones": "2307.00154",
    ("The Fine Line: Navigating Large Language Model Pretraining with Down-streaming Capability "
     "Analysis"): "2404.01204",
    "TransKD: Transformer Knowledge Distillation for Efficient Semantic Segmentation": "2202.13393",
    "ULSAM: Ultra-Lightweight Subspace Attention Module for Compact Convolutional Neural Networks": "2006.15102",
    "ViG: Linear-complexity Visual Sequence Learning with Gated Linear Attention": "2405.18425",
    ("Zero-TPrune: Zero-Shot Token Pruning through Leveraging of the Attention Graph in Pre-Trained "
     "Transformers"): "2305.17328",
    # the same kind of page, read for DATACHECK M2a (out/notes/SOURCES2.md lists the searches, the titles
    # whose page did not come back and the candidate ids seen only in listings or READMEs, left out)
    "BinaryDM: Towards Accurate Binarization of Diffusion Model": "2404.05662",
    "DiffRate : Differentiable Compression Rate for Efficient Vision Transformers": "2305.17997",
    "FlowVid: Taming Imperfect Optical Flows for Consistent Video-to-Video Synthesis": "2312.17681",
    "KIND: Knowledge Integration and Diversion in Diffusion Models": "2408.07337",
    "KV Prediction for Improved Time to First Token": "2410.08391",
    "LLaVA-Mini: Efficient Image and Video Large Multimodal Models with One Vision Token": "2501.03895",
    "Latency Adjustable Transformer Encoder for Language Understanding": "2201.03327",
    "LlamaFusion: Adapting Pretrained Language Models for Multimodal Generation": "2412.15188",
    "MixtureGrowth: Growing Neural Networks by Recombining Learned Parameters": "2311.04251",
    "Parameter and Computation Efficient Transfer Learning for Vision-Language Pre-trained Models": "2309.01479",
    "TurboViT: Generating Fast Vision Transformers via Generative Architecture Search": "2308.11421",
    "Towards Green AI in Fine-tuning Large Language Models via Adaptive Backpropagation": "2309.13192",
    "VoCo-LLaMA: Towards Vision Compression with Large Language Models": "2406.12275",
    # read in a Hugging Face listing of papers ("<title> Paper • <id>", an author's activity page)
    "FlexDiT: Dynamic Token Density Control for Diffusion Transformer": "2412.06028",
    "Hourglass Tokenizer for Efficient Transformer-Based 3D Human Pose Estimation": "2311.12028",
    "Making Vision Transformers Efficient from A Token Sparsification View": "2303.08685",
    "Mixture-of-Transformers: A Sparse and Scalable Architecture for Multi-Modal Foundation Models": "2411.04996",
    "A Survey of Techniques for Optimizing Transformer Inference": "2307.07982",
    "FAST-VQA: Efficient End-to-end Video Quality Assessment with Fragment Sampling": "2207.02595",
    "MATES: Model-Aware Data Selection for Efficient Pretraining with Data Influence Models": "2406.06046",
    "Mixture-of-Mamba: Enhancing Multi-Modal State-Space Models with Modality-Aware Sparsity": "2501.16295",
    "Transforming Image Super-Resolution: A ConvFormer-based Efficient Approach": "2401.05633",
    # read on https://arxiv.org/abs/<id>
    "LLM360 K2: Building a 65B 360-Open-Source Large Language Model from Scratch": "2501.07124",
    # read for SOURCES3 (out/notes/SOURCES3.md lists every search, and the titles still without an id);
    # the page each id was read on follows it, titles compared character for character.
    # arXiv abstract pages (the address as the search index stored it)
    "Accelerating Transformers with Spectrum-Preserving Token Merging": "2405.16148",  # arxiv.org/abs/2405.16148v2
    "Boost Vision Transformer with GPU-Friendly Sparsity and Quantization": "2305.10727",  # arxiv.org/abs/2305.10727
    ("Data-independent Module-aware Pruning for Hierarchical Vision "
     "Transformers"): "2404.13648",  # arxiv.org/abs/2404.13648v1
    "Efficiently Training 7B LLM with 1 Million Sequence Length on 8 GPUs": "2407.12117",  # arxiv.org/abs/2407.12117v2
    "Fast Vision Transformers with HiLo Attention": "2205.13213",  # arxiv.org/abs/2205.13213?context=cs.AI
    ("LookupViT: Compressing visual information to a limited number of "
     "tokens"): "2407.12753",  # arxiv.org/abs/2407.12753v1
    ("Performance-aware Approximation of Global Channel Pruning for Multitask "
     "CNNs"): "2303.11923",  # arxiv.org/abs/2303.11923v1
    # Hugging Face paper pages (huggingface.co/papers/<id>, "arxiv:<id>" above the title)
    ("Efficient Diffusion Transformer Policies with Mixture of Expert Denoisers for Multitask "
     "Learning"): "2412.12953",  # huggingface.co/papers/2412.12953
    ("LinGen: Towards High-Resolution Minute-Length Text-to-Video Generation with Linear "
     "Computational Complexity"): "2412.09856",  # huggingface.co/papers/2412.09856
    # mirrors of the Hugging Face paper page (same /papers/<id> path and layout, "arxiv:<id>" shown)
    "The Need for Speed: Pruning Transformers with One Recipe": "2403.17921",  # hf.xwall.us.kg./papers/2403.17921
    "Adaptive Window Pruning for Efficient Local Motion Deblurring": "2306.14268",  # shuiyin.accos.tk/papers/2306.14268
    ("Implicit Temporal Modeling with Learnable Alignment for Video "
     "Recognition"): "2304.10465",  # hf.xwall.us.kg/papers/2304.10465
    # hf-proxy.robus.us.kg/papers/2411.10803 (the id in the path; arxiv.org/html/2411.10803v1 shows the title too)
    "Multi-Stage Vision Token Dropping: Towards Efficient Multimodal Large Language Model": "2411.10803",
    # hf.zsm.im/papers/2409.00204.md ("Title: ...", "URL Source: https://arxiv.org/html/2409.00204")
    "MedDet: Generative Adversarial Distillation for Efficient Cervical Disc Herniation Detection": "2409.00204",
    # the authors' README: its heading/paper link is the exact title -> https://arxiv.org/abs/<id>
    # github.com/LaVi-Lab/AIM
    "AIM: Adaptive Inference of Multi-Modal LLMs via Token Merging and Pruning": "2412.03248",
    "DVIS: Decoupled Video Instance Segmentation Framework": "2306.03413",  # github.com/zhang-tao-whu/DVIS
    # arXiv's own HTML rendering of the paper (arxiv.org/html/<id>vN, ar5iv.labs.arxiv.org/html/<id>): the id is
    # the page's address, the title its heading; no abs/HF page came back for these three
    ("E-CAR: Efficient Continuous Autoregressive Image Generation via Multistage "
     "Modeling"): "2412.14170",  # arxiv.org/html/2412.14170v2
    # arxiv.org/html/2412.16260v1 (and NASA ADS ui.adsabs.harvard.edu/abs/arXiv:2412.16260, same title)
    "Inference Scaling vs Reasoning: An Empirical Analysis of Compute-Optimal LLM Problem-Solving": "2412.16260",
    "Exploring Token Pruning in Vision State Space Models": "2409.18962",  # ar5iv.labs.arxiv.org/html/2409.18962
    # the ids the project already carries for its built seed papers and language models, read earlier on
    # arXiv: data/seed/<paper>.csv `arxiv` (the zoo/seed modules cite the same address) and
    # data/llm/olmo-2-*.json `paper`
    "2 OLMo 2 Furious": "2501.00656",
    "EfficientVMamba: Atrous Selective Scan for Light Weight Visual Mamba": "2403.09977",
    ("ElasticViT: Conflict-aware Supernet Training for Deploying Fast Vision Transformer on Diverse "
     "Mobile Devices"): "2303.09730",
    "LeYOLO, New Scalable and Efficient CNN Architecture for Object Detection": "2406.14239",
    "MCUNetV2: Memory-Efficient Patch-based Inference for Tiny Deep Learning": "2110.15352",
    "MobileMamba: Lightweight Multi-Receptive Visual Mamba Network": "2411.15941",
    "VSViG: Real-time Video-based Seizure Detection via Skeleton-based Spatiotemporal ViG": "2311.14775",
}

ARXIV_ABS = "https://arxiv.org/abs/{id}"


def paper_url(title: str) -> str:
    """The arXiv abstract address of the claims-table paper ``title`` (a row's ``paper_title``), for a link
    out of the claims page; "" when no id was read for it."""
    arxiv_id = PAPER_ARXIV.get(title.strip(), "")
    return ARXIV_ABS.format(id=arxiv_id) if arxiv_id else ""


# the columns data/paper_claims.csv must have (load_claims checks them)
CLAIMS_TABLE_COLUMNS = [
    "paper_title", "model", "task", "dataset", "metric", "value",
    "compute_value", "compute_unit", "compute_convention", "baseline", "hardware", "params_m",
    "quote", "zoo_archs", "zoo_arch", "zoo_model", "baseline_arch", "baseline_model",
    "relative_factor", "status", "reason", "note",
]
NUMERIC_COLUMNS = ["value", "compute_value", "params_m", "relative_factor"]

COMPUTE_CONVENTIONS = (
    "macs_called_flops",     # the paper says FLOPs but counts multiply-adds (fvcore/timm style)
    "true_flops",            # 2 x multiply-adds
    "relative_to_baseline",  # "x fewer FLOPs than B", "% reduction"
    "latency",               # milliseconds or speed-up on named hardware
    "throughput",            # images/s, FLOP/s, MFU
    "params_only",
    "none",                  # no compute figure
    "unknown",               # a figure whose counting convention cannot be decided
)
STATUSES = ("mapped", "no_zoo_arch", "no_per_image_claim")


class ClaimsTableError(RuntimeError):
    """The claims table is missing, unreadable or has the wrong columns."""


def load_claims(path: str | Path | None = None) -> pd.DataFrame:
    """Read data/paper_claims.csv (or ``path``): strings stay "" when empty, numeric columns float."""
    path = Path(path) if path is not None else CLAIMS_PATH
    if not path.exists():
        raise ClaimsTableError(f"claims table {path} is missing")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise ClaimsTableError(f"claims table {path} cannot be read ({exc})") from exc
    missing = [c for c in CLAIMS_TABLE_COLUMNS if c not in df.columns]
    if missing:
        raise ClaimsTableError(f"claims table {path} lacks columns {missing}")
    for col in NUMERIC_COLUMNS:
        df[col] = pd.to_numeric(df[col].replace("", None), errors="coerce").astype(float)
    return df


@lru_cache(maxsize=4)
def _paper_patterns(path: str | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(title, patterns) per paper in file order; first paper wins when two patterns overlap."""
    df = load_claims(path)
    out: dict[str, list[str]] = {}
    for title, archs in zip(df["paper_title"], df["zoo_archs"]):
        for pattern in filter(None, (p.strip() for p in archs.split(";"))):
            pats = out.setdefault(title, [])
            if pattern not in pats:
                pats.append(pattern)
    return tuple((t, tuple(p)) for t, p in out.items())


def paper_arch_patterns(path: str | Path | None = None) -> dict[str, list[str]]:
    """{seed paper title: [fnmatch patterns of the zoo architectures implementing it]}."""
    return {t: list(p) for t, p in _paper_patterns(str(path) if path else None)}


def seed_paper_for_arch(arch: str, path: str | Path | None = None) -> str:
    """Title of the seed paper that ``arch`` (a timm/torchvision architecture name) implements, or ""."""
    for title, patterns in _paper_patterns(str(path) if path else None):
        if any(fnmatchcase(arch, p) for p in patterns):
            return title
    return ""
