"""Model-specific checks of the seed implementations of LeYOLO, FBNet-B, NASNet-A Mobile and of
MCUNetV2's peak-SRAM model (the generic checks are in tests/test_seed.py). Cheap: small inputs or
the meta device, no counters."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from efficiency.zoo.seed import fbnet, leyolo, mcunetv2, nasnet_mobile
from efficiency.zoo.seed.mcunetv2 import Block, Conv

KB = 1024


def _params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _bn_stats(model: nn.Module) -> int:
    return sum(b.numel() for n, b in model.named_buffers() if "running" in n)


# ------------------------------------------------------------------------------------ LeYOLO

@pytest.mark.parametrize("builder, width", [(leyolo.leyolo_nano, 1.0), (leyolo.leyolo_medium, 1.33)])
def test_leyolo_returns_raw_maps_at_strides_8_16_32(builder, width):
    torch.manual_seed(0)
    model = builder().eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 64, 96))
    # 4 sides x 16 distribution bins + 80 COCO classes per cell, no decoding or NMS
    assert [tuple(o.shape) for o in out] == [(1, 144, 8, 12), (1, 144, 4, 6), (1, 144, 2, 3)]
    assert model.sppf.cv2.conv.out_channels == leyolo.scaled(96, width)


def test_width_scaling_rounds_up_to_multiples_of_8():
    assert [leyolo.scaled(c, 1.33) for c in (16, 32, 64, 96, 192, 576)] == [24, 48, 88, 128, 256, 768]
    assert leyolo.scaled(96, 1.0) == 96


@pytest.mark.parametrize("builder, card_m", [(leyolo.leyolo_nano, 1.15), (leyolo.leyolo_medium, 2.45),
                                             (leyolo.leyolo_large, 2.45)])
def test_leyolo_matches_the_authors_weight_files(builder, card_m):
    """The authors' Hugging Face cards count every stored tensor (BN running statistics too):
    huggingface.co/lhollard/leyolo-{nano,medium,large} print 1.15 M, 2.45 M, 2.45 M."""
    with torch.device("meta"):
        model = builder()
    stored = (_params(model) + _bn_stats(model)) / 1e6
    assert abs(stored - card_m) / card_m < 0.01, stored


def test_leyolo_without_expansion_needs_matching_widths():
    with pytest.raises(ValueError, match="depthwise width"):
        leyolo.InvertedBottleneck(32, 32, 3, 64, expand=False)


# ------------------------------------------------------------------------ FBNet-B, NASNet-A

def test_fbnet_b_layers_and_output():
    assert len(fbnet.FBNET_B) == 22 and fbnet.FBNET_B.count(None) == 1
    model = fbnet.fbnet_b().eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 64, 64)).shape == (2, 1000)
    assert model.classifier.in_features == 1984


def test_nasnet_a_mobile_is_4_at_1056():
    with torch.device("meta"):
        model = nasnet_mobile.nasnet_a_mobile()
        out = model(torch.empty(1, 3, 224, 224))
    assert out.shape == (1, 1000)
    assert model.classifier.in_features == 1056     # 6 branches x 176 filters
    kinds = [type(c).__name__ for c in model.cells]
    assert kinds == ["ReductionCell"] * 2 + (["NormalCell"] * 4 + ["ReductionCell"]) * 2 + ["NormalCell"] * 4


def test_factorized_reduce_halves_odd_sides():
    out = nasnet_mobile.FactorizedReduce(4, 6)(torch.randn(1, 4, 111, 111))
    assert out.shape == (1, 6, 56, 56)


# --------------------------------------------------------------------- MCUNetV2 peak memory

def test_peak_memory_of_a_hand_computed_network():
    # 8x8x3 image -> 3x3 stride-2 conv to 8 channels (4x4) -> 1x1 conv to 4 channels
    blocks = (Block((Conv(3, 8, 3, 2),)), Block((Conv(8, 4),)))
    # per layer: 3*64 + 8*16 = 320 bytes, then 8*16 + 4*16 = 192
    assert mcunetv2.peak_layer_by_layer(blocks, 8) == 320
    # 2x2 patches of the first block's 4x4 output: each 2x2 output patch needs a
    # (2-1)*2+3 = 5 pixel input patch: 3*25 + 8*4 = 107, next to the 128-byte output buffer
    peak = mcunetv2.peak_patch_based(blocks, 8, n_patches=2, n_stage_blocks=1)
    assert (peak.patch_stage, peak.rest, peak.patch_based) == (235, 192, 235)


def test_depthwise_runs_in_place_and_residual_input_is_held_inside_the_block():
    block = Block((Conv(4, 8), Conv(8, 8, 3, 1, depthwise=True), Conv(8, 4)), residual=True)
    # expand: 4*16 + 8*16 = 192; depthwise in place: max(128, 128) + held input 64 = 192;
    # projection accumulates into the input buffer: 128 + 64 = 192
    assert mcunetv2.peak_layer_by_layer((block,), 4) == 192
    wide = Block((Conv(4, 16), Conv(16, 16, 3, 1, depthwise=True), Conv(16, 4)), residual=True)
    assert mcunetv2.peak_layer_by_layer((wide,), 4) == 320   # every layer: 256 + 64


def test_mobilenet_v2_description_matches_torchvision():
    from torchvision.models import mobilenet_v2
    with torch.device("meta"):
        convs = [m for m in mobilenet_v2().features.modules() if isinstance(m, nn.Conv2d)]
    theirs = [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0], c.groups > 1)
              for c in convs]
    ours = [(c.c_in, c.c_out, c.k, c.stride, c.depthwise)
            for b in mcunetv2.mobilenet_v2_blocks() for c in b.layers]
    assert ours == theirs


def test_mobilenet_v2_peak_sram_matches_the_paper():
    """MCUNetV2 Figure 1 (https://arxiv.org/abs/2110.15352): MobileNetV2 at 224, int8, needs
    1372 kB run layer by layer and 172 kB with 4x4 patches over its first blocks, 8x less.
    The arXiv page stores only the opening, so the figure's numbers were read where it is
    reproduced (hackmd.io/@nctu-cas-lab/rkPPRrAEj: 'MbV2: 1372kB ->172kB') and its caption quoted
    (liner.com review: 'reduce the overall peak memory by 8x', 'measured in int8')."""
    blocks = mcunetv2.mobilenet_v2_blocks()
    assert mcunetv2.peak_layer_by_layer(blocks, 224) == 1372 * KB
    peak = mcunetv2.peak_patch_based(blocks, 224, n_patches=4, n_stage_blocks=5)
    assert abs(peak.patch_based / KB - 172) <= 0.5
    assert peak.reduction == pytest.approx(8.0, abs=0.05)
    assert peak.patch_stage < peak.rest   # after patching, the later blocks set the peak
