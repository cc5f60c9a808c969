"""Joint material inpainting and Make tileable (engine.pipelines.inpaint) with a tiny random model."""

import numpy as np
import pytest
import torch

from engine.data.masks import random_hole_mask, seam_band_mask
from engine.pipelines.estimate import ModelCache, ModelNotAvailable
from engine.pipelines.inpaint import InpaintOptions, inpaint, make_tileable, seam_steps, telea
from engine.progress import Cancelled, CancelToken
from engine.tasks import INPAINT
from tests.engine.pipelines.helpers import export_tiny_model


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = export_tiny_model(tmp_path_factory.mktemp("inpaint"), INPAINT.teammates())
    return str(folder / "adapter.safetensors")


def material(size=24, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    normals = np.stack([0.2 * np.sin(6 * x), 0.2 * np.cos(5 * y), np.ones_like(x)], -1)
    return {
        "image": (0.2 + 0.6 * x[..., None] * np.array([1, 0.8, 0.6])).astype(np.float32),
        "diffuse": np.full((size, size, 3), 0.3, np.float32) + 0.05 * rng.random((size, size, 3), np.float32),
        "specular": np.full((size, size, 3), 0.04, np.float32),
        "roughness": (0.3 + 0.4 * y[..., None]).astype(np.float32),
        "normals": (normals / np.linalg.norm(normals, axis=-1, keepdims=True)).astype(np.float32),
    }


def hole(size=24):
    mask = np.zeros((size, size), np.float32)
    mask[8:14, 6:18] = 1
    return mask


def test_model_fills_only_the_hole_in_every_map(model):
    maps = material()
    maps["albedo"] = maps["diffuse"].copy()  # not a teammate: filled classically, with a warning
    mask = hole()
    result = inpaint(maps, mask, InpaintOptions(model=model, steps=3, device="cpu"))
    assert result.method == "teamwork"
    assert set(result.maps) == set(maps)
    assert any("albedo" in w for w in result.warnings)
    inside = mask > 0.5
    for name, x in maps.items():
        out = result.maps[name]
        assert out.shape == x.shape and out.dtype == np.float32
        np.testing.assert_array_equal(out[~inside], x[~inside])
    changed = [n for n in ("image", "diffuse", "roughness")
               if not np.allclose(result.maps[n][inside], maps[n][inside])]
    assert changed, "the model left the hole as it was"
    np.testing.assert_allclose(np.linalg.norm(result.maps["normals"], axis=-1), 1, atol=1e-4)


def test_inpainting_is_reproducible_and_seeded(model):
    maps, mask = material(), hole()
    options = InpaintOptions(model=model, steps=2, device="cpu", seed=3)
    first = inpaint(maps, mask, options).maps["diffuse"]
    again = inpaint(maps, mask, options).maps["diffuse"]
    other = inpaint(maps, mask, InpaintOptions(model=model, steps=2, device="cpu", seed=4)).maps["diffuse"]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_only_the_hole_neighbourhood_is_sampled(model, monkeypatch):
    maps = material(64)
    mask = np.zeros((64, 64), np.float32)
    mask[30:34, 30:34] = 1
    cache = ModelCache()
    options = InpaintOptions(model=model, steps=1, device="cpu", margin=4)
    inpaint(maps, mask, options, cache=cache)
    pipeline_type = type(next(iter(cache._models.values())))
    sampled = []
    original = pipeline_type.__call__

    def spy(self, inputs, *args, **kwargs):
        sampled.append(tuple(inputs["mask"].shape[-2:]))
        return original(self, inputs, *args, **kwargs)

    monkeypatch.setattr(pipeline_type, "__call__", spy)
    inpaint(maps, mask, options, cache=cache)
    assert sampled == [(12, 12)]


def test_cancel_stops_inpainting(model):
    token = CancelToken()

    def progress(step, total):
        token.cancel()

    with pytest.raises(Cancelled):
        inpaint(material(), hole(), InpaintOptions(model=model, steps=5, device="cpu"), progress=progress,
                cancel=token)


def test_bad_inputs_get_clear_errors(model, tmp_path):
    maps = material()
    with pytest.raises(ValueError, match="same size"):
        inpaint(maps | {"depth": np.zeros((10, 10, 1), np.float32)}, hole())
    with pytest.raises(ValueError, match="mask is 10x10"):
        inpaint(maps, np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        inpaint({"image": np.full((16, 16, 3), np.nan, np.float32)}, np.zeros((16, 16)))
    with pytest.raises(ModelNotAvailable):
        inpaint(maps, hole(), InpaintOptions(model=str(tmp_path / "missing.safetensors")))


def test_an_estimation_model_is_refused_for_inpainting(tmp_path):
    from engine.tasks import SVBRDF

    folder = export_tiny_model(tmp_path, SVBRDF.teammates())
    with pytest.raises(ValueError, match="not an inpainting model"):
        inpaint(material(), hole(), InpaintOptions(model=str(folder / "adapter.safetensors"), device="cpu"))


def test_telea_fills_a_smooth_gradient_closely():
    maps = material(32)
    mask = np.zeros((32, 32), np.float32)
    mask[12:18, 12:18] = 1
    damaged = {n: np.where(mask[..., None] > 0, 5.0, x).astype(np.float32) for n, x in maps.items()}
    filled = telea(damaged, mask)
    error = np.abs(filled["roughness"] - maps["roughness"])[mask > 0].max()
    assert error < 0.05
    np.testing.assert_allclose(np.linalg.norm(filled["normals"], axis=-1), 1, atol=1e-5)


def test_make_tileable_removes_the_wrap_seam_and_keeps_the_centre():
    maps = material(48)
    before = seam_steps(maps["image"])
    assert before[0] > 5 * before[1]  # a horizontal gradient does not tile
    result = make_tileable(maps, InpaintOptions(model="telea", band=12))
    for name in ("image", "roughness"):  # gradients across x and across y
        # the jump becomes a ramp across the band (Telea fronts still meet with a small step)
        assert seam_steps(result.maps[name])[0] < 0.2 * seam_steps(maps[name])[0]
    for name, x in maps.items():  # the centre, away from the rolled-back band, is untouched
        np.testing.assert_array_equal(result.maps[name][12:36, 12:36], x[12:36, 12:36])


def test_make_tileable_with_the_model_reports_progress_over_both_passes(model):
    seen = []
    result = make_tileable(material(32), InpaintOptions(model=model, steps=2, band=8, device="cpu"),
                           progress=lambda step, total: seen.append((step, total)))
    assert result.method == "teamwork"
    assert seen[-1] == (4, 4) and [s for s, _ in seen] == sorted(s for s, _ in seen)


def test_make_tileable_rejects_a_band_wider_than_half_the_texture():
    with pytest.raises(ValueError, match="narrower"):
        make_tileable(material(16), InpaintOptions(model="telea", band=8))


def test_masks():
    generator = torch.Generator().manual_seed(0)
    masks = [random_hole_mask(generator, 64, (0.1, 0.3)) for _ in range(20)]
    coverage = [float(m.mean()) for m in masks]
    assert all(m.shape == (1, 64, 64) for m in masks)
    assert 0.08 < np.median(coverage) < 0.5
    again = random_hole_mask(torch.Generator().manual_seed(0), 64, (0.1, 0.3))
    assert torch.equal(again, masks[0])
    band = seam_band_mask(32, 40, 6)
    assert band[0, 16, 0] == 1 and band[0, 0, 20] == 1 and band[0, 0, 0] == 0
    assert int(band[0, :, 0].sum()) == 6


def test_auto_uses_telea_when_no_embedded_model_ships(tmp_path, monkeypatch):
    from engine.pipelines import estimate

    monkeypatch.setattr(estimate, "embedded_folder", lambda task: tmp_path / "models" / task)
    result = inpaint(material(), hole(), InpaintOptions())
    assert result.method == "telea" and "Telea" in result.warnings[0]
    export_tiny_model(tmp_path / "models" / "inpaint", INPAINT.teammates())
    assert inpaint(material(), hole(), InpaintOptions(steps=1, device="cpu")).method == "teamwork"


def test_telea_reports_progress_per_map_and_can_be_cancelled():
    seen = []
    inpaint(material(), hole(), InpaintOptions(model="telea"), progress=lambda s, t: seen.append((s, t)))
    assert seen == [(k, 5) for k in range(1, 6)]
    token = CancelToken()
    with pytest.raises(Cancelled):
        inpaint(material(), hole(), InpaintOptions(model="telea"), progress=lambda s, t: token.cancel(),
                cancel=token)
