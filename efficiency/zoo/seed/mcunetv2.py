"""MCUNetV2's memory model (Lin et al., "MCUNetV2: Memory-Efficient Patch-based Inference for Tiny
Deep Learning", https://arxiv.org/abs/2110.15352): the peak activation SRAM of a CNN run layer by
layer, and of the patch-based schedule that runs the first stage patch by patch.

Convention, as the paper counts it (int8 activations, 1 byte per value, kB = 1024 bytes):

* **layer by layer**: running one convolution needs its whole input and whole output in SRAM;
  inside a residual block the block's input stays alive until the addition, which the last
  (projection) layer accumulates straight into that buffer, so only the block's inner layers
  pay for holding it (holding it through the projection too would give MobileNetV2 196 kB
  instead of the paper's 172 kB patch-based peak). A depthwise
  convolution runs in place (each channel's output overwrites its input, as the paper's
  TinyEngine does), so it needs only the larger of its input and output. The peak is the
  largest such sum over all layers. (MobileNetV2 at 224: the first expansion 1x1, 16 -> 96
  channels at 112 x 112, needs 200,704 + 1,204,224 bytes = 1372 kB, the paper's Figure 1;
  without the in-place depthwise the next layer would need 1470 kB.)
* **patch based**: the output of the first stage (its first ``n_stage_blocks`` blocks) is split
  into ``n x n`` patches and each is computed from its own receptive field, so inside the stage
  only one patch's tensors are alive, next to the buffer that collects the stage's full output;
  the rest of the network runs layer by layer. The image is read patch by patch (the paper
  notes it can be decoded partially), so the stage input counts as a patch too.
* **squeeze-and-excitation** (a block's ``se`` width): while it runs, the depthwise output stays
  alive (it is then gated in place) beside its pooled vector and the reduced one. It needs the
  whole feature map, so it cannot run inside the patch stage (an error there).

The peak functions work on shape descriptions, without a model. The paper's own ImageNet networks
(MCUNetV2-M4, -H7 of its Table 2) have no published per-layer configuration; the zoo builds the one
MCUNetV2 ImageNet network whose layers the authors did publish, TinyEngine's example model
(:mod:`efficiency.zoo.seed.mcunetv2_net`, variant ``tinyengine_large``), and
:func:`tinyengine_large_peaks` gives its peak SRAM under both schedules (see
``tests/test_seed_models_c.py``, which also checks MobileNetV2's figures against the paper).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from efficiency.zoo.seed import mcunetv2_net
from efficiency.zoo.seed.mcunetv2_net import tinyengine_large   # the builder data/seed/mcunetv2.csv names

__all__ = ["Conv", "Block", "PeakMemory", "peak_layer_by_layer", "peak_patch_based", "inverted_residual",
           "mobilenet_v2_blocks", "tinyengine_large_blocks", "tinyengine_large_peaks", "tinyengine_large"]

BYTES_PER_VALUE = 1   # int8 activations, as the paper measures


@dataclass(frozen=True)
class Conv:
    c_in: int
    c_out: int
    k: int = 1
    stride: int = 1
    depthwise: bool = False   # one filter per channel: runs in place (see the module docstring)


@dataclass(frozen=True)
class Block:
    layers: tuple[Conv, ...]
    residual: bool = False
    se: int = 0               # squeeze-and-excitation width after the depthwise layer; 0 = none


@dataclass(frozen=True)
class PeakMemory:
    layer_by_layer: int       # bytes
    patch_based: int          # bytes
    patch_stage: int          # bytes: peak inside the patch stage (one patch + stage output)
    rest: int                 # bytes: peak of the layers after the patch stage

    @property
    def reduction(self) -> float:
        return self.layer_by_layer / self.patch_based


def out_size(size: int, stride: int) -> int:
    """'Same' padding: the output side is the input side divided by the stride, rounded up."""
    return math.ceil(size / stride)


def _alive(layer: Conv, inp: int, out: int) -> int:
    """Values alive while one layer runs: input and output, or the larger one in place."""
    return max(inp, out) if layer.depthwise else inp + out


def _holds_input(block: Block, i: int) -> bool:
    """Whether the block's input is an extra live tensor while its layer ``i`` runs."""
    return block.residual and 0 < i < len(block.layers) - 1


def _layer_peaks(blocks: tuple[Block, ...], size: int) -> tuple[list[int], int]:
    """Bytes alive while each layer runs (whole tensors), and the side after the blocks."""
    peaks = []
    for block in blocks:
        block_in = block.layers[0].c_in * size * size
        for i, layer in enumerate(block.layers):
            inp = layer.c_in * size * size
            size = out_size(size, layer.stride)
            held = block_in if _holds_input(block, i) else 0
            out = layer.c_out * size * size
            peaks.append((_alive(layer, inp, out) + held) * BYTES_PER_VALUE)
            if block.se and layer.depthwise:   # SE: depthwise output + pooled and reduced vectors
                peaks.append((out + layer.c_out + block.se + held) * BYTES_PER_VALUE)
    return peaks, size


def peak_layer_by_layer(blocks: tuple[Block, ...], resolution: int) -> int:
    """Peak activation bytes of the plain per-layer schedule."""
    peaks, _ = _layer_peaks(blocks, resolution)
    return max(peaks)


def _receptive_sides(layers: list[Conv], out_side: int, full_sides: list[int]) -> list[int]:
    """Input side of each layer needed for an ``out_side`` output patch, walking backwards:
    in = (out - 1) * stride + k, never more than the whole feature map."""
    sides = [out_side]
    for layer, full in zip(reversed(layers), reversed(full_sides)):
        sides.append(min((sides[-1] - 1) * layer.stride + layer.k, full))
    return sides[::-1]     # sides[i] = input side of layer i, sides[-1] = output patch side


def peak_patch_based(blocks: tuple[Block, ...], resolution: int, n_patches: int,
                     n_stage_blocks: int) -> PeakMemory:
    """Peak activation bytes when the first ``n_stage_blocks`` blocks run as ``n x n`` patches."""
    stage, rest = blocks[:n_stage_blocks], blocks[n_stage_blocks:]
    if any(block.se for block in stage):
        raise ValueError("squeeze-and-excitation pools the whole feature map: it cannot run in the patch stage")
    layers = [layer for block in stage for layer in block.layers]
    full_sides = []
    size = resolution
    for layer in layers:
        full_sides.append(size)
        size = out_size(size, layer.stride)
    stage_out = layers[-1].c_out * size * size * BYTES_PER_VALUE
    sides = _receptive_sides(layers, math.ceil(size / n_patches), full_sides)
    patch_peak, i = 0, 0
    for block in stage:
        block_in = block.layers[0].c_in * sides[i] ** 2
        for j, layer in enumerate(block.layers):
            held = block_in if _holds_input(block, j) else 0
            alive = _alive(layer, layer.c_in * sides[i] ** 2, layer.c_out * sides[i + 1] ** 2) + held
            patch_peak = max(patch_peak, alive * BYTES_PER_VALUE + stage_out)
            i += 1
    rest_peaks, _ = _layer_peaks(rest, size)
    rest_peak = max(rest_peaks) if rest_peaks else stage_out
    return PeakMemory(layer_by_layer=peak_layer_by_layer(blocks, resolution),
                      patch_based=max(patch_peak, rest_peak), patch_stage=patch_peak,
                      rest=rest_peak)


def inverted_residual(c_in: int, c_out: int, expansion: int, k: int, stride: int) -> Block:
    mid = c_in * expansion
    layers = ((Conv(c_in, mid),) if expansion != 1 else ()) + (
        Conv(mid, mid, k, stride, depthwise=True), Conv(mid, c_out))
    return Block(layers, residual=stride == 1 and c_in == c_out)


def mobilenet_v2_blocks(num_classes: int = 1000) -> tuple[Block, ...]:
    """MobileNetV2 1.0 (Sandler et al., its Table 2), the network of MCUNetV2's Figure 1: the
    stem convolution, 17 inverted residual blocks and the 1x1 head convolution, layer for layer
    as torchvision builds it (the test compares them); the classifier is not an activation peak."""
    settings = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))   # expansion t, channels c, repeats n, stride s
    blocks = [Block((Conv(3, 32, 3, 2),))]
    c = 32
    for t, c_out, n, s in settings:
        for i in range(n):
            blocks.append(inverted_residual(c, c_out, t, 3, s if i == 0 else 1))
            c = c_out
    blocks.append(Block((Conv(c, 1280),)))
    return tuple(blocks)


def tinyengine_large_blocks() -> tuple[Block, ...]:
    """TinyEngine's example MCUNetV2 network (:mod:`efficiency.zoo.seed.mcunetv2_net`), layer for
    layer as the zoo builds it (the test compares them); the classifier is not an activation peak."""
    stem, first = mcunetv2_net.STEM, mcunetv2_net.FIRST
    blocks = [Block((Conv(3, stem, 3, 2),)), Block((Conv(stem, first),))]
    c = first
    for k, mid, c_out, stride, se in mcunetv2_net.BLOCKS:
        layers = (Conv(c, mid), Conv(mid, mid, k, stride, depthwise=True), Conv(mid, c_out))
        blocks.append(Block(layers, residual=stride == 1 and c == c_out, se=se))
        c = c_out
    blocks.append(Block((Conv(c, mcunetv2_net.HEAD),)))
    return tuple(blocks)


def tinyengine_large_peaks(resolution: int = 224) -> PeakMemory:
    """Its peak SRAM layer by layer and with the authors' schedule (``examples/mcunetv2_se_large.py``:
    4 x 4 patches over the first 8 convolutions, i.e. the first 4 blocks of the description)."""
    blocks = tinyengine_large_blocks()
    n_layers = [sum(len(b.layers) for b in blocks[:n]) for n in range(len(blocks) + 1)]
    return peak_patch_based(blocks, resolution, mcunetv2_net.N_PATCHES,
                            n_layers.index(mcunetv2_net.PATCH_LAYERS))
