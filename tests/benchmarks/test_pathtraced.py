"""The cached Mitsuba scenes: consistent ground truth, masks, and (when Mitsuba is installed) rendering."""

from __future__ import annotations

import pytest
import torch

from benchmarks.eval.pathtraced import DATA_DIR, MIN_ALBEDO, SCENES, pathtraced_cases

needs_cache = pytest.mark.skipif(not (DATA_DIR / "index.json").exists(), reason="no cached scenes")


@pytest.fixture(scope="module")
def cases():
    return pathtraced_cases()


@needs_cache
def test_cached_scenes_decompose_the_photo_exactly_where_valid(cases):
    assert {c.name for c in cases} == {f"pathtraced_{n}" for n in SCENES}
    for case in cases:
        image, albedo, shading = case.image, case.truth["albedo"], case.truth["diffuseshading"]
        assert image.shape == albedo.shape == shading.shape and image.shape[:2] == (1, 3)
        valid = case.mask.bool().expand_as(image)
        assert 0.3 < float(case.mask.mean()) <= 1.0, case.name
        assert float(albedo.amin(dim=1, keepdim=True)[case.mask.bool()].min()) > MIN_ALBEDO
        # image = albedo * shading (Lambertian scene), up to 8-bit quantisation, where not clipped
        recon = albedo * shading
        check = valid & (image < 0.85) & (image > 0.05)
        relative = ((recon - image).abs() / image)[check]
        assert float(relative.median()) < 0.01 and float(relative.quantile(0.95)) < 0.03, case.name
        assert float(shading[~valid].abs().sum()) == 0.0
        # global illumination: shading is not constant and not grey everywhere
        assert float(shading[valid].std() / shading[valid].mean()) > 0.1


@needs_cache
def test_baseline_is_far_from_exact_on_path_traced_scenes(cases):
    from benchmarks.eval.baselines import intrinsic_baseline
    from benchmarks.eval.metrics import intrinsic_errors

    case = cases[0]
    errors = intrinsic_errors(intrinsic_baseline(case.image), case.truth, case.mask)
    assert float(errors["shading_si_rmse"]) > 0.1 and float(errors["albedo_si_rmse"]) > 0.02


def test_mitsuba_renders_a_tiny_scene_with_an_albedo_aov():
    pytest.importorskip("mitsuba")
    from benchmarks.eval.pathtraced import render_scene

    arrays = render_scene("corner_area", size=8, spp=2, texture_size=16)
    assert arrays["image"].shape == arrays["albedo"].shape == (8, 8, 3)
    assert float(arrays["image"].max()) > 0 and 0 <= float(arrays["albedo"].min())
    assert float(arrays["albedo"].max()) <= 1.0 and float(torch.tensor(arrays["albedo"]).mean()) > 0.05


def test_missing_cache_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="No path-traced scenes"):
        pathtraced_cases(tmp_path)
