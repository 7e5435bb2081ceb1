"""Model-specific checks of the seed implementations of CSWin Transformer and the MetaFormer
baselines (IdentityFormer, RandFormer), beyond the generic paper checks of tests/test_seed.py."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from efficiency.zoo.seed import cswin, metaformer_baselines as mf


@pytest.mark.parametrize("builder", [cswin.cswin_t_224, mf.identityformer_s12, mf.randformer_s12])
def test_classifiers_return_one_logit_per_class(builder):
    torch.manual_seed(0)
    with torch.no_grad():
        out = builder().eval()(torch.randn(2, 3, 224, 224))
    assert out.shape == (2, 1000) and torch.isfinite(out).all()


def _affected(module: nn.Module, x: torch.Tensor, row: int, col: int) -> torch.Tensor:
    """(H, W, C) mask of outputs that change when the input token (row, col) changes."""
    with torch.no_grad():
        base = module(x)
        x2 = x.clone()
        x2[0, row, col] += 1.0
        return (module(x2) - base).abs()[0] > 1e-6


def _identity_projection(attn: cswin.CrossShapedAttention) -> None:
    # with an identity output projection the two channel halves stay apart, so each half's reach
    # can be read off separately
    with torch.no_grad():
        attn.proj.weight.copy_(torch.eye(attn.proj.weight.shape[0]))
        attn.proj.bias.zero_()


def test_cross_shaped_attention_reaches_exactly_its_two_stripes():
    torch.manual_seed(0)
    size, sw, dim = 8, 2, 16
    attn = cswin.CrossShapedAttention(dim, heads=4, sw=sw, resolution=size)
    _identity_projection(attn)
    row, col = 3, 5
    hit = _affected(attn, torch.randn(1, size, size, dim), row, col)
    rows = torch.arange(size)[:, None].expand(size, size)
    cols = torch.arange(size)[None, :].expand(size, size)
    horizontal = rows // sw == row // sw   # the sw rows holding the changed token, full width
    vertical = cols // sw == col // sw     # the sw columns holding it, full height
    half = dim // 2
    assert torch.equal(hit[..., :half].any(-1), horizontal)
    assert torch.equal(hit[..., half:].any(-1), vertical)


def test_a_stripe_as_wide_as_the_map_is_global_attention():
    torch.manual_seed(0)
    attn = cswin.CrossShapedAttention(16, heads=2, sw=4, resolution=4)
    assert len(attn.lepe) == 1
    hit = _affected(attn, torch.randn(1, 4, 4, 16), 0, 0)
    assert hit.any(-1).all()


def test_stripe_attention_equals_softmax_attention_within_each_stripe():
    torch.manual_seed(0)
    b, h, w, c, heads, sw = 1, 4, 3, 4, 2, 2
    q, k, v = (torch.randn(b, h, w, c) for _ in range(3))
    no_pos = nn.Conv2d(c, c, 3, padding=1, groups=c)
    nn.init.zeros_(no_pos.weight)
    nn.init.zeros_(no_pos.bias)
    out = cswin.stripe_attention(q, k, v, no_pos, heads, sw)
    d = c // heads
    for s in range(h // sw):
        rows = slice(s * sw, (s + 1) * sw)
        for n in range(heads):
            ch = slice(n * d, (n + 1) * d)
            qs, ks, vs = (t[0, rows, :, ch].reshape(sw * w, d) for t in (q, k, v))
            ref = torch.softmax(qs @ ks.T / d ** 0.5, dim=-1) @ vs
            assert torch.allclose(out[0, rows, :, ch].reshape(sw * w, d), ref, atol=1e-5)


def test_lepe_is_a_depthwise_conv_of_v_added_to_the_attention_output():
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, 2, 2, 4) for _ in range(3))
    conv = nn.Conv2d(4, 4, 3, padding=1, groups=4)
    without = nn.Conv2d(4, 4, 3, padding=1, groups=4)
    nn.init.zeros_(without.weight)
    nn.init.zeros_(without.bias)
    # one stripe covering the 2x2 map: the positional term is the convolution of the whole V
    diff = cswin.stripe_attention(q, k, v, conv, 2, 2) - cswin.stripe_attention(q, k, v, without, 2, 2)
    assert torch.allclose(diff, conv(v.permute(0, 3, 1, 2)).permute(0, 2, 3, 1), atol=1e-6)


def test_randformer_mixing_is_a_fixed_row_stochastic_buffer():
    model = mf.randformer_s12()
    mixers = [m for m in model.modules() if isinstance(m, mf.RandomMixing)]
    # stages 3 and 4 of S12 (6 and 2 blocks) at 14x14 and 7x7 tokens
    assert [m.mixing.shape[0] for m in mixers] == [196] * 6 + [49] * 2
    frozen = sum(m.mixing.numel() for m in mixers)
    assert frozen == 6 * 196 ** 2 + 2 * 49 ** 2  # the paper's "+ 0.2M"
    params = {id(p) for p in model.parameters()}
    for m in mixers:
        assert id(m.mixing) not in params and not m.mixing.requires_grad
        assert torch.allclose(m.mixing.sum(-1), torch.ones(m.mixing.shape[0]))
    assert all(k in model.state_dict() for k in
               (f"stages.2.{i}.mixer.mixing" for i in range(6)))
    assert sum(p.numel() for p in model.parameters()) == \
        sum(p.numel() for p in mf.identityformer_s12().parameters())


def test_random_mixing_spreads_one_token_to_all_tokens():
    torch.manual_seed(0)
    mixer = mf.RandomMixing(9)
    x = torch.zeros(1, 3, 3, 2)
    x[0, 1, 1, 0] = 1.0
    out = mixer(x)
    assert (out[0, ..., 0] > 0).all() and torch.allclose(out[0, ..., 1], torch.zeros(3, 3))


def test_identityformer_mixes_no_tokens():
    model = mf.identityformer_s12()
    blocks = [m for m in model.modules() if isinstance(m, mf.Block)]
    assert len(blocks) == 12 and all(isinstance(b.mixer, nn.Identity) for b in blocks)
