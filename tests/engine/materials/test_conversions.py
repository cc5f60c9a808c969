"""engine.materials.conversions: metal/rough, smoothness, DirectX normals, height, AO."""

from __future__ import annotations

import numpy as np
import pytest

from engine.materials import conversions as cv

RNG = np.random.default_rng(0)


def _smooth_height(h=32, w=40, periodic=True):
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    if periodic:
        z = 3.0 * np.sin(2 * np.pi * cols / w) + 2.0 * np.cos(2 * np.pi * 2 * rows / h + 0.3)
        z += 1.5 * np.sin(2 * np.pi * (cols / w + rows / h))
    else:  # a non-periodic ramp plus a bump: wrapping would be wrong
        z = 0.15 * cols + 0.1 * rows + 4.0 * np.exp(-((cols - 25) ** 2 + (rows - 12) ** 2) / 40.0)
    return (z - z.mean())[:, :, None].astype(np.float32)


def test_dielectric_and_metal_convert_exactly_and_back():
    diffuse = RNG.random((4, 5, 3), dtype=np.float32) * 0.8
    dielectric_spec = np.full((4, 5, 3), 0.04, np.float32)
    base, metallic = cv.specular_to_metallic(diffuse, dielectric_spec)
    assert np.allclose(metallic, 0.0, atol=1e-6)
    assert np.allclose(base, diffuse, atol=1e-5)

    gold = np.broadcast_to(np.float32([1.0, 0.78, 0.34]), (4, 5, 3))
    base, metallic = cv.specular_to_metallic(np.zeros_like(gold), gold)
    assert np.allclose(metallic, 1.0, atol=1e-5)
    assert np.allclose(base, gold, atol=1e-5)
    back_d, back_s = cv.metallic_to_specular(base, metallic)
    assert np.allclose(back_d, 0.0, atol=1e-5) and np.allclose(back_s, gold, atol=1e-5)


def test_metal_rough_round_trip_from_the_metal_rough_side():
    base = RNG.random((6, 6, 3), dtype=np.float32)
    metallic = (RNG.random((6, 6, 1)) > 0.5).astype(np.float32)  # pure metal or dielectric
    diffuse, specular = cv.metallic_to_specular(base, metallic)
    base2, metallic2 = cv.specular_to_metallic(diffuse, specular)
    assert np.abs(metallic2 - metallic).max() < 1e-4
    assert np.abs(base2 - base).max() < 1e-4


def test_reverse_formula_and_partial_metal():
    base = np.full((1, 1, 3), 0.5, np.float32)
    diffuse, specular = cv.metallic_to_specular(base, np.full((1, 1, 1), 0.25, np.float32))
    assert np.allclose(diffuse, 0.375) and np.allclose(specular, 0.04 + 0.46 * 0.25)
    assert cv.perceived_brightness(np.ones((1, 1, 3), np.float32))[0, 0, 0] == pytest.approx(1.0)


def test_roundtrip_error_is_zero_for_exact_materials_and_grows_otherwise():
    diffuse = RNG.random((16, 16, 3), dtype=np.float32) * 0.7
    exact = {"diffuse": diffuse, "specular": np.full_like(diffuse, 0.04)}
    err = cv.roundtrip_error(exact)
    assert err.method == "render"
    assert err.rmse < 1e-4
    lossy = {"diffuse": diffuse, "specular": np.full_like(diffuse, 0.3) * np.float32([1, 0.5, 0.2])}
    bad = cv.roundtrip_error(lossy)
    assert bad.rmse > 10 * err.rmse + 1e-3
    maps_only = cv.roundtrip_error(lossy, use_renderer=False)
    assert maps_only.method == "maps" and maps_only.rmse > 1e-3
    assert set(maps_only.to_dict()) == {"method", "rmse", "psnr", "per_map"}
    with pytest.raises(ValueError, match="diffuse and specular"):
        cv.roundtrip_error({"diffuse": diffuse})


def test_smoothness_and_directx_flip():
    r = RNG.random((3, 3, 1), dtype=np.float32)
    assert np.allclose(cv.roughness_to_smoothness(r), 1 - r)
    assert np.allclose(cv.smoothness_to_roughness(cv.roughness_to_smoothness(r)), r)
    n = cv.normals_from_height(_smooth_height())
    dx = cv.opengl_to_directx(n)
    assert np.allclose(dx[..., 1], -n[..., 1]) and np.allclose(dx[..., [0, 2]], n[..., [0, 2]])
    assert np.allclose(cv.directx_to_opengl(dx), n)
    assert np.allclose((dx[..., 1] + 1) / 2, 1 - (n[..., 1] + 1) / 2)  # encoded: G' = 1 - G


def test_normals_from_height_orientation():
    cols = np.arange(16, dtype=np.float32)
    ramp = np.broadcast_to(cols[None, :, None], (8, 16, 1)).copy()  # rises to the right
    n = cv.normals_from_height(ramp, periodic=False)
    assert n[4, 8, 0] < -0.5 and abs(n[4, 8, 1]) < 1e-6  # faces left (-X)
    rows_down = np.broadcast_to(np.arange(8, dtype=np.float32)[:, None, None], (8, 16, 1)).copy()
    n = cv.normals_from_height(rows_down, periodic=False)  # rises downwards = towards -Y
    assert n[4, 8, 1] > 0.5  # faces up (+Y)
    assert np.allclose(np.linalg.norm(n, axis=-1), 1.0, atol=1e-6)


def test_height_from_normals_recovers_a_periodic_field():
    z = _smooth_height()
    n = cv.normals_from_height(z, periodic=True)
    recovered = cv.height_from_normals(n, periodic=True)
    err = np.abs(recovered - z).max() / np.ptp(z)
    assert err < 0.02
    # the wrong sign convention would anti-correlate
    assert np.corrcoef(recovered.ravel(), z.ravel())[0, 1] > 0.999


def test_height_from_normals_mirror_padding_beats_periodic_on_a_ramp():
    z = _smooth_height(periodic=False)
    n = cv.normals_from_height(z, periodic=False)
    mirrored = cv.height_from_normals(n, periodic=False)
    wrapped = cv.height_from_normals(n, periodic=True)
    err_mirror = np.sqrt(np.mean((mirrored - z) ** 2)) / np.ptp(z)
    err_wrap = np.sqrt(np.mean((wrapped - z) ** 2)) / np.ptp(z)
    assert err_mirror < 0.03
    assert err_wrap > 3 * err_mirror
    assert mirrored.shape == z.shape


def test_height_normals_round_trip_and_batch_axes():
    z = _smooth_height()
    n = cv.normals_from_height(z * 0.5)
    again = cv.normals_from_height(cv.height_from_normals(n))
    angle = np.degrees(np.arccos(np.clip(np.sum(n * again, -1), -1, 1)))
    assert angle.max() < 1.0
    batch = np.stack([n, cv.opengl_to_directx(n)])
    heights = cv.height_from_normals(batch)
    assert heights.shape == (2, 32, 40, 1)
    assert np.allclose(heights[0], cv.height_from_normals(n), atol=1e-5)


def test_ambient_occlusion_darkens_pits_not_flats():
    flat = np.zeros((24, 24, 1), np.float32)
    assert np.allclose(cv.ambient_occlusion(flat, radius=4), 1.0)
    pit = flat.copy()
    pit[10:14, 10:14] = -6.0
    ao = cv.ambient_occlusion(pit, radius=4, periodic=False)
    assert ao.shape == pit.shape
    assert ao[12, 12, 0] < 0.6 and ao[2, 2, 0] > 0.99
    assert ao.min() >= 0 and ao.max() <= 1


def test_bad_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match="diffuse"):
        cv.specular_to_metallic(np.zeros((4, 4)), np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="differ"):
        cv.specular_to_metallic(np.zeros((4, 4, 3)), np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match="height"):
        cv.normals_from_height(np.zeros((4, 4, 3)))


def test_roundtrip_error_on_shrunk_maps_estimates_the_full_resolution_error():
    rows, cols = np.mgrid[0:200, 0:150].astype(np.float32)
    diffuse = np.stack([0.2 + 0.5 * cols / 150, 0.3 + 0.4 * rows / 200, np.full_like(cols, 0.4)], -1)
    maps = {"diffuse": diffuse, "specular": 0.2 * diffuse[..., ::-1]}
    full = cv.roundtrip_error(maps, max_size=None)
    small = cv.roundtrip_error(maps, max_size=64)
    assert small.rmse == pytest.approx(full.rmse, rel=0.1)
    assert cv._shrink(diffuse, 64).shape == (50, 37, 3)  # factor 4, remainder cropped
    assert np.allclose(cv._shrink(diffuse, 64)[0, 0], diffuse[:4, :4].mean(axis=(0, 1)))
