"""Exact closed-form compute of a transformer language model's forward, from its config alone (pure
functions, no torch): the cross-check of :mod:`efficiency.measure.llm_count`'s ``FlopCounterMode``.

Convention: **FLOPs = 2 per multiply-add** (what ``FlopCounterMode`` reports); MACs = FLOPs / 2.
Only matrix products are counted (embedding lookups, norms, activations, softmax, residual adds,
biases: zero), exactly as the counter does. Per forward, with d hidden, L layers, H query heads,
G key/value heads, h head dim, F MLP width, V vocabulary:

* projections, per token and layer: ``d*H*h`` (Q) + ``2*d*G*h`` (K, V; GQA/MQA when G < H) +
  ``H*h*d`` (output); MLP ``3*d*F`` when gated (SwiGLU/GeGLU: gate, up, down) else ``2*d*F``;
  mixture of experts: the router ``d*E`` plus ``k`` gated experts of width F (k of E active);
* attention, per layer: ``2*H*h*q*n`` for q queries over n keys (QK^T and AV). **Prefill** of P
  tokens counts the whole P x P score matrix: transformers' SDPA path on the meta device runs the
  math kernel, which computes every score and masks the future (and any sliding window) away, and
  ``FlopCounterMode`` counts what runs. **Decode** at context c: the new token is the c-th, it attends
  to ``c`` keys (the c-1 cached and itself); a sliding-window layer's cache keeps only its window,
  so it attends to ``min(c, window)`` keys (Mistral v0.1, Phi-3 mini's 2047, Gemma 2's alternate
  layers; which layers slide follows transformers' own rule, :func:`_layer_windows`);
* rotary position embeddings: the angle table is one matmul per forward, ``(rot/2) x S`` for S
  positions (rot = head dim x partial rotary factor); absolute positions (GPT-2, BERT) have none;
* unembedding: a causal LM's prefill computes logits for the last position only (generation's
  ``logits_to_keep=1``), ``d*V``; each decode step ``d*V``. A masked LM (BERT) computes its MLM head
  (transform ``d*d`` and decoder ``d*V``) at every position; an encoder without head, its pooler ``d*d``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

CAUSAL_LM, MASKED_LM, ENCODER = "causal_lm", "masked_lm", "encoder"

# model_type -> (gated MLP, rotary positions, encoder). An unknown model_type is refused, never guessed.
ARCHITECTURES: dict[str, tuple[bool, bool, bool]] = {
    "gpt2": (False, False, False), "bert": (False, False, True),
    "llama": (True, True, False), "mistral": (True, True, False), "mixtral": (True, True, False),
    "qwen2": (True, True, False), "gemma": (True, True, False), "gemma2": (True, True, False),
    "phi3": (True, True, False), "olmo2": (True, True, False), "olmo": (True, True, False),
}


@dataclass(frozen=True)
class LMShape:
    """What the compute of a transformer LM depends on, read from its config."""

    model_type: str
    head: str                  # CAUSAL_LM | MASKED_LM | ENCODER
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    gated_mlp: bool
    experts: int               # 0: dense
    experts_per_token: int
    rotary_dim: int            # 0: absolute positions
    windows: tuple[int | None, ...]   # per layer: sliding window, None = full attention
    max_positions: int

    @property
    def is_encoder(self) -> bool:
        return self.head != CAUSAL_LM


def _first(cfg: Mapping, *keys, default=None):
    for k in keys:
        if cfg.get(k) is not None:
            return cfg[k]
    return default


def _layer_windows(cfg: Mapping, layers: int) -> tuple[int | None, ...]:
    """transformers' rule (cache_utils.get_layer_types_and_kwargs): ``layer_types`` when given, else
    every layer slides when ``sliding_window`` is set, else none does."""
    window = cfg.get("sliding_window")
    types = cfg.get("layer_types") or (["sliding_attention"] * layers if window is not None
                                       else ["full_attention"] * layers)
    return tuple(int(window) if t == "sliding_attention" else None for t in types)


def _rotary_dim(cfg: Mapping, head_dim: int) -> int:
    rope = cfg.get("rope_parameters") or cfg.get("rope_scaling") or {}
    factor = _first(cfg, "partial_rotary_factor", default=rope.get("partial_rotary_factor", 1.0))
    return int(head_dim * factor)


def shape_from_config(cfg: Mapping, head: str | None = None) -> LMShape:
    """The :class:`LMShape` of a config (a published config.json's fields, or a transformers
    config's ``to_dict()``; defaults resolved there are then the ones the built model has).
    ``head`` defaults to masked LM for encoders, causal LM otherwise."""
    model_type = cfg["model_type"]
    if model_type not in ARCHITECTURES:
        raise ValueError(f"no closed form for model_type {model_type!r} (known: {', '.join(ARCHITECTURES)})")
    gated, rotary, encoder = ARCHITECTURES[model_type]
    hidden = int(_first(cfg, "hidden_size", "n_embd"))
    layers = int(_first(cfg, "num_hidden_layers", "n_layer"))
    heads = int(_first(cfg, "num_attention_heads", "n_head"))
    head_dim = int(_first(cfg, "head_dim", default=hidden // heads))
    experts = int(cfg.get("num_local_experts") or 0)
    return LMShape(
        model_type=model_type, head=head or (MASKED_LM if encoder else CAUSAL_LM), hidden=hidden,
        layers=layers, heads=heads, kv_heads=int(_first(cfg, "num_key_value_heads", default=heads)),
        head_dim=head_dim, intermediate=int(_first(cfg, "intermediate_size", "n_inner", default=4 * hidden)),
        vocab=int(cfg["vocab_size"]), gated_mlp=gated, experts=experts,
        experts_per_token=int(cfg.get("num_experts_per_tok") or 0) if experts else 0,
        rotary_dim=_rotary_dim(cfg, head_dim) if rotary else 0,
        windows=(None,) * layers if encoder else _layer_windows(cfg, layers),
        max_positions=int(_first(cfg, "max_position_embeddings", "n_positions")))


def _shape(cfg: LMShape | Mapping) -> LMShape:
    return cfg if isinstance(cfg, LMShape) else shape_from_config(cfg)


def linear_macs_per_token(s: LMShape) -> int:
    """MACs of every layer's projections and MLP (or router + k experts) for one token."""
    attn = s.hidden * s.heads * s.head_dim + 2 * s.hidden * s.kv_heads * s.head_dim + s.heads * s.head_dim * s.hidden
    mlp_one = (3 if s.gated_mlp else 2) * s.hidden * s.intermediate
    mlp = s.hidden * s.experts + s.experts_per_token * mlp_one if s.experts else mlp_one
    return s.layers * (attn + mlp)


def attention_macs(s: LMShape, queries: int, keys: int) -> int:
    """QK^T and AV of one layer: ``queries`` query tokens over ``keys`` keys, every head."""
    return 2 * s.heads * s.head_dim * queries * keys


def rotary_macs(s: LMShape, positions: int) -> int:
    """The rotary angle table ``inv_freq (rot/2 x 1) @ positions (1 x S)``, once per forward."""
    return (s.rotary_dim // 2) * positions


def prefill_flops(cfg: LMShape | Mapping, prompt_len: int) -> int:
    """FLOPs of one forward over a ``prompt_len``-token prompt at batch 1 (causal LM: logits of the
    last position only; encoder: its head at every position / its pooler)."""
    s = _shape(cfg)
    p = prompt_len
    head = {CAUSAL_LM: s.hidden * s.vocab, MASKED_LM: p * (s.hidden * s.hidden + s.hidden * s.vocab),
            ENCODER: s.hidden * s.hidden}[s.head]
    macs = p * linear_macs_per_token(s) + s.layers * attention_macs(s, p, p) + rotary_macs(s, p) + head
    return 2 * macs


def decode_attended(s: LMShape, context_len: int) -> tuple[int, ...]:
    """Keys the new token attends to in each layer at context ``context_len`` (itself included)."""
    return tuple(context_len if w is None else min(context_len, w) for w in s.windows)


def decode_flops_per_token(cfg: LMShape | Mapping, context_len: int) -> int:
    """FLOPs of one decode step at batch 1: the ``context_len``-th token, with ``context_len - 1``
    tokens in the KV cache. Encoders do not decode (ValueError)."""
    s = _shape(cfg)
    if s.is_encoder:
        raise ValueError(f"{s.model_type} is an encoder: it has no decode step")
    if context_len < 1:
        raise ValueError(f"context_len must be at least 1, not {context_len}")
    attn = sum(attention_macs(s, 1, n) for n in decode_attended(s, context_len))
    return 2 * (linear_macs_per_token(s) + attn + rotary_macs(s, 1) + s.hidden * s.vocab)


def kv_cache_bytes_per_token(cfg: LMShape | Mapping, dtype_bytes: int = 2) -> int:
    """Bytes one token adds to the KV cache: K and V of every layer (a sliding-window layer stops
    growing past its window; this is the per-token cost below it). Encoders keep no cache."""
    s = _shape(cfg)
    if s.is_encoder:
        raise ValueError(f"{s.model_type} is an encoder: it keeps no KV cache")
    return 2 * s.layers * s.kv_heads * s.head_dim * dtype_bytes


def weight_bytes(params: int, dtype_bytes: int = 2) -> int:
    """Bytes of the weights at ``dtype_bytes`` per parameter (bf16: 2)."""
    return params * dtype_bytes


def training_flops(params: int, tokens: int) -> int:
    """The 6ND estimate of training compute (forward 2ND + backward 4ND). The cache passes the
    per-token active parameters, embeddings included (= all parameters of a dense model):
    ``training_flops_params`` names them on every row."""
    return 6 * params * tokens
