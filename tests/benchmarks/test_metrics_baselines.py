"""Metrics on inputs with known answers, and the trivial baselines."""

from __future__ import annotations

import math

import pytest
import torch

from benchmarks.eval.baselines import intrinsic_baseline, svbrdf_baseline
from benchmarks.eval.metrics import intrinsic_errors, novel_renders, rerender_rmse, svbrdf_errors


def _maps(seed: int = 0, size: int = 8, tilt: float = 0.3) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    n = torch.cat([tilt * (torch.rand(1, 2, size, size, generator=g) - 0.5), torch.ones(1, 1, size, size)], 1)
    return {"diffuse": torch.rand(1, 3, size, size, generator=g) * 0.8,
            "specular": torch.full((1, 3, size, size), 0.04),
            "roughness": torch.rand(1, 1, size, size, generator=g) * 0.8 + 0.1,
            "normals": n / n.norm(dim=1, keepdim=True)}


def test_svbrdf_errors_are_zero_for_the_truth_and_positive_otherwise():
    truth = _maps()
    errors = svbrdf_errors(truth, truth, [45.0])
    degrees = errors.pop("normals_degrees")
    assert float(degrees) < 0.05  # acos near 1 in float32
    assert all(float(v.abs().max()) < 1e-5 for v in errors.values())
    other = _maps(seed=1)
    errors = svbrdf_errors(other, truth, [45.0])
    assert float(errors["rerender_rmse"]) > 0.01 and float(errors["normals_degrees"]) > 1.0


def test_known_map_errors():
    truth = _maps(tilt=0.0)  # flat normals
    pred = {k: v.clone() for k, v in truth.items()}
    pred["roughness"] = truth["roughness"] + 0.1
    tilted = torch.tensor([math.sin(math.radians(10)), 0.0, math.cos(math.radians(10))]).view(1, 3, 1, 1)
    pred["normals"] = tilted.expand_as(truth["normals"]).clone()
    errors = svbrdf_errors(pred, truth, [45.0])
    assert float(errors["roughness_rmse"]) == pytest.approx(0.1, abs=1e-5)
    assert float(errors["diffuse_rmse"]) == pytest.approx(0.0, abs=1e-6)
    assert float(errors["normals_degrees"]) == pytest.approx(10.0, abs=0.05)


def test_rerender_uses_each_cases_fov_and_checks_lengths():
    truth = _maps()
    ref = novel_renders(truth, [40.0])
    assert float(rerender_rmse(truth, ref, [40.0])) < 1e-6
    assert float(rerender_rmse(truth, ref, [70.0])) > 1e-4  # another camera sees another image
    with pytest.raises(ValueError, match="one field of view per material"):
        novel_renders(truth, [40.0, 50.0])
    with pytest.raises(ValueError, match="reference renders"):
        rerender_rmse(truth, ref[:2], [40.0])
    with pytest.raises(ValueError, match="lacks"):
        svbrdf_errors({"diffuse": truth["diffuse"]}, truth, [40.0])


def test_intrinsic_errors_are_scale_invariant_and_masked():
    g = torch.Generator().manual_seed(3)
    albedo = torch.rand(1, 3, 8, 8, generator=g) * 0.8 + 0.1
    shading = torch.rand(1, 3, 8, 8, generator=g) * 3 + 0.5
    truth = {"albedo": albedo, "diffuseshading": shading}
    scaled = {"albedo": albedo * 0.5, "diffuseshading": shading * 7.0}
    errors = intrinsic_errors(scaled, truth)
    assert float(errors["albedo_si_rmse"]) < 1e-6 and float(errors["shading_si_rmse"]) < 1e-5
    assert float(errors["albedo_psnr"]) > 80
    # a wrong half of the image, masked out, does not count
    bad = {"albedo": albedo.clone(), "diffuseshading": shading.clone()}
    bad["albedo"][..., :4] = 0.9
    bad["diffuseshading"][..., :4] = 0.1
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., 4:] = 1
    assert float(intrinsic_errors(bad, truth, mask)["albedo_si_rmse"]) < 1e-6
    assert float(intrinsic_errors(bad, truth)["albedo_si_rmse"]) > 0.05
    with pytest.raises(ValueError, match="Neither"):
        intrinsic_errors({"depth": albedo}, truth)


def test_shading_si_rmse_is_relative_to_the_mean_shading():
    shading = torch.ones(1, 3, 4, 4)
    shading[..., :2] = 3.0  # mean 2, values 1 and 3
    constant = intrinsic_errors({"diffuseshading": torch.ones_like(shading)}, {"diffuseshading": shading})
    # reference / mean = 0.5 and 1.5; the best constant is 1, the error 0.5 everywhere
    assert float(constant["shading_si_rmse"]) == pytest.approx(0.5, abs=1e-6)
    assert float(intrinsic_errors({"diffuseshading": shading * 10},
                                  {"diffuseshading": shading})["shading_si_rmse"]) < 1e-6


def test_svbrdf_baseline_values():
    photo = torch.rand(2, 3, 4, 5) * 1.2
    maps = svbrdf_baseline(photo)
    assert torch.equal(maps["diffuse"], photo.clamp(0, 1))
    assert torch.all(maps["specular"] == 0.04) and maps["specular"].shape == (2, 3, 4, 5)
    assert torch.all(maps["roughness"] == 0.5) and maps["roughness"].shape == (2, 1, 4, 5)
    assert torch.equal(maps["normals"][:, 2], torch.ones(2, 4, 5))
    assert torch.equal(maps["normals"][:, :2], torch.zeros(2, 2, 4, 5))
    with pytest.raises(ValueError, match="must be a"):
        svbrdf_baseline(torch.rand(3, 4, 4))


def test_intrinsic_baseline_values():
    photo = torch.rand(1, 3, 4, 4)
    maps = intrinsic_baseline(photo)
    assert torch.equal(maps["albedo"], photo)
    assert torch.all(maps["diffuseshading"] == 1)
