"""read_image: formats, colour decoding, orientation, field of view, and the bad-input corpus."""

from __future__ import annotations

import io
import math
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from engine.io import ImageReadError, read_image
from engine.io import reader as reader_module
from engine.io.colour import sanitise, srgb_to_linear
from tests.data.bad_inputs import make_corpus, write_exr


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def test_corpus_has_at_least_twenty_kinds(corpus):
    assert len({case.kind for case in corpus}) >= 20
    assert sum(not case.ok for case in corpus) >= 15


def test_every_corpus_case_reads_or_fails_with_one_clear_sentence(corpus):
    for case in corpus:
        if case.ok:
            image = read_image(case.path)
            assert image.pixels.ndim == 3 and image.pixels.shape[2] == 3, case.kind
            assert image.pixels.dtype == np.float32
            assert np.isfinite(image.pixels).all(), case.kind
            if case.needle:
                assert any(case.needle in w for w in image.warnings), (case.kind, image.warnings)
        else:
            with pytest.raises(ImageReadError) as info:
                read_image(case.path)
            message = str(info.value)
            assert case.path.name in message, (case.kind, message)
            assert case.needle in message, (case.kind, message)
            assert "\n" not in message and message.endswith("."), message
            assert message.count(". ") == 0, message  # one sentence


def test_permission_denied_is_reported(tmp_path, monkeypatch):
    path = tmp_path / "locked.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(reader_module, "open", refuse, raising=False)
    with pytest.raises(ImageReadError, match="locked.png: permission denied"):
        read_image(path)


def test_8bit_srgb_is_linearised(tmp_path):
    values = np.array([[[0, 128, 255]]], np.uint8)
    Image.fromarray(values).save(tmp_path / "v.png")
    image = read_image(tmp_path / "v.png")
    np.testing.assert_allclose(image.pixels[0, 0], [0.0, 0.21586, 1.0], atol=1e-4)
    assert image.bit_depth == 8 and image.colour_space == "sRGB" and image.alpha is None


def test_16bit_png_keeps_full_precision_and_alpha(tmp_path):
    rgba = np.array([[[1000, 30000, 65535, 32768]]], np.uint16)  # RGBA
    cv2.imwrite(str(tmp_path / "d.png"), rgba[..., [2, 1, 0, 3]])
    image = read_image(tmp_path / "d.png")
    assert image.bit_depth == 16
    np.testing.assert_allclose(image.pixels[0, 0], srgb_to_linear(rgba[0, 0, :3] / 65535.0), atol=1e-6)
    assert image.alpha is not None and abs(float(image.alpha[0, 0]) - 32768 / 65535) < 1e-6


def _png_with_gamma(gamma_times_100000: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.array([[[128, 128, 128]]], np.uint8)).save(buffer, "PNG")
    data = buffer.getvalue()
    chunk_data = struct.pack(">I", gamma_times_100000)
    chunk = struct.pack(">I", 4) + b"gAMA" + chunk_data + struct.pack(">I", zlib.crc32(b"gAMA" + chunk_data))
    return data[:33] + chunk + data[33:]  # right after IHDR


def test_png_gamma_chunk_is_honoured(tmp_path):
    (tmp_path / "lin.png").write_bytes(_png_with_gamma(100000))
    (tmp_path / "g18.png").write_bytes(_png_with_gamma(55556))
    linear = read_image(tmp_path / "lin.png")
    assert linear.colour_space == "linear"
    assert abs(float(linear.pixels[0, 0, 0]) - 128 / 255) < 1e-6
    g18 = read_image(tmp_path / "g18.png")
    assert abs(float(g18.pixels[0, 0, 0]) - (128 / 255) ** 1.8) < 1e-3


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow(tmp_path, orientation):
    rgb = (np.arange(5 * 7 * 3).reshape(5, 7, 3) * 3 % 256).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.png"
    Image.fromarray(rgb).save(path, exif=exif)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"), np.float32) / 255
    image = read_image(path)
    np.testing.assert_allclose(image.pixels, srgb_to_linear(expected), atol=1e-6)


def test_fov_from_35mm_equivalent_and_focal_plane(tmp_path):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0xA405] = 36  # 36 mm equivalent on a 3:2 image: 2*atan(36/72)
    Image.fromarray(np.zeros((24, 36, 3), np.uint8)).save(tmp_path / "f35.jpg", exif=exif)
    assert read_image(tmp_path / "f35.jpg").fov_degrees == pytest.approx(
        math.degrees(2 * math.atan(0.5)), abs=0.01
    )

    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    ifd[0x920A] = 4.0  # 4 mm lens on a sensor 400 px / (100 px per mm) = 4 mm wide
    ifd[0xA20E] = 100.0
    ifd[0xA20F] = 100.0
    ifd[0xA210] = 4
    Image.fromarray(np.zeros((300, 400, 3), np.uint8)).save(tmp_path / "fp.jpg", exif=exif)
    assert read_image(tmp_path / "fp.jpg").fov_degrees == pytest.approx(
        math.degrees(2 * math.atan(0.5)), abs=0.01
    )

    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "none.jpg")
    assert read_image(tmp_path / "none.jpg").fov_degrees is None


def test_exr_half_and_float_with_alpha(tmp_path):
    rgba = np.random.default_rng(1).random((5, 6, 4)).astype(np.float32) * 4
    write_exr(tmp_path / "f.exr", {"RGBA": rgba})
    image = read_image(tmp_path / "f.exr")
    assert image.bit_depth == 32 and image.colour_space == "linear"
    np.testing.assert_allclose(image.pixels, rgba[..., :3], rtol=1e-6)
    np.testing.assert_allclose(image.alpha, np.clip(rgba[..., 3], 0, 1))
    write_exr(tmp_path / "h.exr", {"RGB": rgba[..., :3].astype(np.float16)})
    half = read_image(tmp_path / "h.exr")
    assert half.bit_depth == 16
    np.testing.assert_allclose(half.pixels, rgba[..., :3].astype(np.float16).astype(np.float32))


def test_exr_named_jpg_is_read_with_a_warning(tmp_path):
    write_exr(tmp_path / "x.jpg", {"RGB": np.full((3, 3, 3), 2.5, np.float32)})
    image = read_image(tmp_path / "x.jpg")
    assert image.format == "EXR" and float(image.pixels.max()) == 2.5
    assert any("contains EXR" in w for w in image.warnings)


def test_radiance_hdr_keeps_values_above_one(tmp_path):
    rgb = np.array([[[0.5, 2.0, 8.0], [0.25, 1.0, 3.0]]], np.float32)
    cv2.imwrite(str(tmp_path / "s.hdr"), rgb[..., ::-1])
    image = read_image(tmp_path / "s.hdr")
    assert image.format == "HDR" and image.pixels.shape == (1, 2, 3)
    np.testing.assert_allclose(image.pixels, rgb, rtol=0.02)


@pytest.mark.parametrize("suffix,options", [(".webp", {"lossless": True}), (".bmp", {}), (".tif", {})])
def test_other_8bit_formats(tmp_path, suffix, options):
    rgb = (np.random.default_rng(2).random((6, 5, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / f"x{suffix}", **options)
    image = read_image(tmp_path / f"x{suffix}")
    np.testing.assert_allclose(image.pixels, srgb_to_linear(rgb / 255.0), atol=1e-6)


def test_grey_with_alpha_and_max_pixels(tmp_path):
    la = np.stack([np.full((10, 10), 200, np.uint8), np.full((10, 10), 51, np.uint8)], axis=-1)
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    image = read_image(tmp_path / "la.png")
    assert np.allclose(image.pixels[..., 0], image.pixels[..., 2])
    assert image.alpha is not None and abs(float(image.alpha.mean()) - 0.2) < 1e-6
    with pytest.raises(ImageReadError, match="10x10 pixels, more than the limit of 50 pixels"):
        read_image(tmp_path / "la.png", max_pixels=50)


def test_sanitise_replaces_nonfinite_and_negative_values():
    pixels = np.array([[[np.nan, np.inf, -np.inf], [-1.0, 3.0, 0.5]]], np.float32)
    clean, notes = sanitise(pixels)
    assert np.isfinite(clean).all() and clean.min() >= 0
    assert clean[0, 0, 1] == 3.0  # +inf -> the largest finite value
    assert len(notes) == 2
