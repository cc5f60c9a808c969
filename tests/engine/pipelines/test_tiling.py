import math

import pytest
import torch

from engine.pipelines.common import circular_padding
from engine.pipelines.tiling import TilePlan, tiled_map
from tests.engine.pipelines.helpers import pixel_pipeline


def periodic_inputs(h: int, w: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """A smooth photo that wraps exactly, and a flat halfway map."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(h).view(h, 1) * 2 * math.pi / h
    x = torch.arange(w).view(1, w) * 2 * math.pi / w
    chans = []
    for _ in range(3):
        a, b, phase = torch.rand(3, generator=g)
        wave = torch.sin(x * (1 + int(3 * a)) + 6 * phase) * torch.cos(y * (1 + int(3 * b)))
        chans.append(0.5 + 0.25 * wave)
    halfway = torch.zeros(1, 3, h, w)
    halfway[:, 2] = 1
    return {"image": torch.stack(chans)[None], "halfway": halfway}


def seam_ratio(x: torch.Tensor) -> float:
    """Mean jump across the wrap-around seam / mean jump between neighbours (1 = invisible seam)."""
    gx = (x[..., :, 1:] - x[..., :, :-1]).abs().mean()
    gy = (x[..., 1:, :] - x[..., :-1, :]).abs().mean()
    sx = (x[..., :, 0] - x[..., :, -1]).abs().mean()
    sy = (x[..., 0, :] - x[..., -1, :]).abs().mean()
    return float((sx / gx + sy / gy) / 2)


@pytest.fixture(scope="module")
def pipe():
    return pixel_pipeline()


@pytest.mark.parametrize("wrap", [False, True])
def test_split_merge_is_exact(wrap):
    plan = TilePlan(20, 27, tile=8, overlap=3, wrap=wrap)
    canvas = torch.randn(2, 3, 4, 20, 27)
    tiles = plan.split(canvas)
    assert tiles.shape == (2 * len(plan), 3, 4, 8, 8)
    torch.testing.assert_close(plan.merge(tiles), canvas)


def test_tiled_map_matches_a_pointwise_function():
    x = torch.randn(1, 3, 40, 24)
    up = tiled_map(lambda t: torch.repeat_interleave(torch.repeat_interleave(t * 2, 2, -1), 2, -2),
                   x, tile=16, overlap=4, scale=2)
    torch.testing.assert_close(up[..., ::2, ::2], x * 2)


def test_tiled_output_matches_untiled_without_seams(pipe):
    inputs = periodic_inputs(40, 40)
    full = pipe(inputs, ["diffuse"], steps=2).maps["diffuse"]
    tiled = pipe(inputs, ["diffuse"], steps=2, tile=24, overlap=12).maps["diffuse"]
    assert tiled.shape == full.shape
    interior = (full - tiled)[..., 8:-8, 8:-8].abs()
    assert interior.mean() < 0.1 * full.std()
    # column/row gradients of the tiled result match the untiled ones everywhere: no seam lines
    for dim in (-1, -2):
        g_tiled = tiled.diff(dim=dim).abs().mean(dim=(0, 1, -1 if dim == -2 else -2))
        g_full = full.diff(dim=dim).abs().mean(dim=(0, 1, -1 if dim == -2 else -2))
        ratio = g_tiled / g_full
        assert 0.85 < float(ratio.min()) and float(ratio.max()) < 1.15


def test_circular_padding_makes_the_denoiser_translation_equivariant(pipe):
    x = torch.randn(2, 3, 16, 16)
    rows = [(0, "image.in"), (0, "diffuse.out")]
    t = torch.tensor([500, 500])
    with circular_padding(pipe.denoiser), torch.no_grad(), pipe._active(rows):
        shifted = pipe.denoiser(torch.roll(x, (4, 8), (-2, -1)), t).sample
        plain = pipe.denoiser(x, t).sample
    torch.testing.assert_close(shifted, torch.roll(plain, (4, 8), (-2, -1)), atol=1e-4, rtol=1e-4)
    with torch.no_grad(), pipe._active(rows):
        shifted = pipe.denoiser(torch.roll(x, (4, 8), (-2, -1)), t).sample
    assert not torch.allclose(shifted, torch.roll(plain, (4, 8), (-2, -1)), atol=1e-3)
    conv = next(m for m in pipe.denoiser.modules() if isinstance(m, torch.nn.Conv2d) and m.padding != (0, 0))
    assert conv.padding_mode == "zeros"  # restored


def test_tileable_outputs_wrap_seamlessly(pipe):
    plain, tileable = [], []
    for seed in range(2):
        inputs = periodic_inputs(32, 32, seed)
        plain += [seam_ratio(x) for x in pipe(inputs, steps=2).maps.values()]
        tileable += [seam_ratio(x) for x in pipe(inputs, steps=2, tileable=True).maps.values()]
    tiled = [seam_ratio(x) for x in
             pipe(periodic_inputs(32, 32), steps=2, tileable=True, tile=16, overlap=6).maps.values()]
    assert sum(tileable) / len(tileable) < 1.12
    assert sum(tiled) / len(tiled) < 1.12
    assert sum(plain) / len(plain) > sum(tileable) / len(tileable) + 0.08


def test_tileable_needs_aligned_sizes(pipe):
    with pytest.raises(ValueError, match="multiples of 2"):
        pipe(periodic_inputs(15, 16), ["diffuse"], steps=1, tileable=True)


def test_streamed_tiles_equal_split_and_merge():
    from engine.pipelines.tiling import map_tiles

    plan = TilePlan(20, 27, tile=8, overlap=3, wrap=True)
    canvas = torch.randn(2, 3, 4, 20, 27)

    def fn(pieces):
        return pieces[:, 1:] * 2 + 1

    torch.testing.assert_close(map_tiles(plan, fn, canvas, batch=3), plan.merge(fn(plan.split(canvas))))


def test_tiled_canvases_denoise_samples_one_at_a_time_with_the_same_noise(pipe):
    """Large (tiled) canvases run the samples one after the other (peak memory independent of the
    ensemble size); each sample equals the batched run's, and progress covers every sample."""
    inputs = periodic_inputs(40, 40)
    seen = []
    tiled = pipe(inputs, ["diffuse"], steps=3, samples=2, tile=24, overlap=12,
                 progress=lambda step, total: seen.append((step, total)))
    assert seen == [(k, 6) for k in range(1, 7)]
    untiled = pipe(inputs, ["diffuse"], steps=3, samples=2)
    per_sample = tiled.samples["diffuse"]
    assert per_sample.shape[0] == 2 and not torch.equal(per_sample[0], per_sample[1])
    interior = (per_sample - untiled.samples["diffuse"])[..., 8:-8, 8:-8].abs()
    assert interior.mean() < 0.1 * untiled.samples["diffuse"].std()  # same noise per sample as batched
