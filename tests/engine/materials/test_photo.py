"""Photo simulation: reproducible, 8-bit sRGB levels, noise statistics, exposure, halfway per FOV."""

from __future__ import annotations

import torch

from engine.materials import Environment, generate_batch, halfway_map
from engine.materials.photo import (
    PhotoSettings,
    add_sensor_noise,
    expose,
    jpeg_roundtrip,
    luminance,
    quantise_srgb8,
    simulate_environment_photo,
    simulate_flash_photo,
    srgb_decode,
    srgb_encode,
)


def _maps():
    return generate_batch(["plastic", "bricks"], 24, [0, 1])


def test_flash_photo_is_reproducible_and_8bit_srgb():
    maps = _maps()
    a = simulate_flash_photo(maps, seed=4)
    b = simulate_flash_photo(maps, seed=4)
    torch.testing.assert_close(a.image, b.image, rtol=0, atol=0)
    assert not torch.equal(a.image, simulate_flash_photo(maps, seed=5).image)
    assert a.image.shape == (2, 3, 24, 24) and a.image.min() >= 0 and a.image.max() <= 1
    codes = srgb_encode(a.image) * 255
    torch.testing.assert_close(codes, codes.round(), rtol=0, atol=2e-3)  # exactly on 8-bit levels
    assert ((a.fov_degrees >= 30) & (a.fov_degrees <= 70)).all()


def test_halfway_follows_each_photos_fov():
    settings = PhotoSettings(light_offset=0.0)
    photo = simulate_flash_photo(_maps(), seed=1, settings=settings)
    for i in range(2):
        expected = halfway_map(24, 24, float(photo.fov_degrees[i]))
        torch.testing.assert_close(photo.halfway[i], expected)


def test_exposure_puts_the_quantile_on_the_white_point():
    image = torch.rand(2, 3, 16, 16) * 5
    out, factor = expose(image, torch.tensor([0.8, 0.5]), quantile=0.9)
    q = torch.quantile(luminance(out).flatten(1), 0.9, dim=1)
    torch.testing.assert_close(q, torch.tensor([0.8, 0.5]), rtol=1e-4, atol=1e-5)
    assert factor.shape == (2,)


def test_poisson_gaussian_noise_variance():
    g = torch.Generator().manual_seed(0)
    x = torch.full((1, 3, 128, 128), 0.5)
    y = add_sensor_noise(x, torch.tensor([0.01]), torch.tensor([0.02]), g)
    expected_var = 0.01 * 0.5 + 0.02**2
    assert abs(float((y - x).var()) / expected_var - 1) < 0.05
    assert abs(float((y - x).mean())) < 0.01


def test_srgb_round_trip_and_quantisation():
    x = torch.linspace(0, 1, 101)
    torch.testing.assert_close(srgb_decode(srgb_encode(x)), x, rtol=1e-4, atol=1e-5)
    assert quantise_srgb8(torch.tensor([0.0, 1.0, 0.215861])).tolist() == [0, 255, 128]  # 128/255 in sRGB


def test_jpeg_changes_codes_a_little():
    codes = quantise_srgb8(simulate_flash_photo(_maps(), seed=0).image)
    jpeg = jpeg_roundtrip(codes, 80)
    diff = (jpeg.float() - codes.float()).abs()
    assert jpeg.dtype == torch.uint8 and 0 < float(diff.mean()) < 12


def test_environment_photo():
    env = Environment.constant((1.0, 0.9, 0.8))
    photo = simulate_environment_photo(_maps(), env, seed=2)
    assert photo.image.shape == (2, 3, 24, 24) and torch.isfinite(photo.image).all()
    assert photo.image.mean() > 0.05
