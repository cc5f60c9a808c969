"""Metrics: known values, scale invariance, angular error, re-render error."""

from __future__ import annotations

import math

import pytest
import torch

from engine.materials import generate_material
from engine.materials.metrics import (
    angular_error_degrees,
    map_errors,
    psnr,
    rerender_rmse,
    rmse,
    si_rmse,
)


def test_rmse_and_psnr_known_values():
    ref = torch.zeros(2, 3, 4, 4)
    pred = ref.clone()
    pred[0] += 0.1
    pred[1, :, :2] += 0.2  # half the pixels off by 0.2 -> mse 0.02
    torch.testing.assert_close(rmse(pred, ref), torch.tensor([0.1, math.sqrt(0.02)]))
    torch.testing.assert_close(psnr(pred, ref), torch.tensor([20.0, 10 * math.log10(50)]))


def test_si_rmse_ignores_per_channel_scale_but_not_structure():
    torch.manual_seed(0)
    ref = torch.rand(1, 3, 8, 8)
    scaled = ref * torch.tensor([2.0, 0.5, 3.0]).view(1, 3, 1, 1)
    assert float(si_rmse(scaled, ref)) < 1e-6 and float(rmse(scaled, ref)) > 0.1
    assert float(si_rmse(torch.rand(1, 3, 8, 8), ref)) > 0.05


def test_angular_error():
    a = torch.zeros(1, 3, 2, 2)
    a[:, 2] = 1
    b = torch.zeros(1, 3, 2, 2)
    b[:, 0] = 1
    assert float(angular_error_degrees(a, b)) == pytest.approx(90.0, abs=1e-4)
    c = a.clone()
    c[:, 0, 0, 0], c[:, 2, 0, 0] = 1.0, 1.0  # one pixel at 45 degrees, unnormalised input
    assert float(angular_error_degrees(c, a)) == pytest.approx(45.0 / 4, abs=1e-3)


def test_rerender_rmse_zero_for_same_maps_positive_otherwise():
    maps = generate_material("ceramic_tiles", 16, 0)
    other = generate_material("ceramic_tiles", 16, 1)
    assert float(rerender_rmse(maps, maps)) == 0.0
    assert float(rerender_rmse(other, maps)) > 0.01
    errors = map_errors(other, maps)
    assert {"diffuse_rmse", "normals_degrees", "rerender_rmse"} <= set(errors)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="same"):
        rmse(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 5))
