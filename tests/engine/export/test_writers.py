"""engine.io.writers.write_image: formats, bit depths, sRGB, atomicity and clear errors."""

from __future__ import annotations

import os
import stat

import cv2
import numpy as np
import OpenEXR
import pytest

from engine.io import writers
from engine.io.writers import ImageWriteError, srgb_decode, srgb_encode, write_image


def _read_cv2(path):
    data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if data.ndim == 3 and data.shape[2] == 3:
        data = data[:, :, ::-1]
    elif data.ndim == 3 and data.shape[2] == 4:
        data = data[:, :, [2, 1, 0, 3]]
    return data


@pytest.fixture
def rgb():
    return np.random.default_rng(0).random((6, 7, 3), dtype=np.float32)


@pytest.mark.parametrize("bits,ext", [(8, ".png"), (16, ".png"), (8, ".tif"), (16, ".tif")])
def test_integer_formats_round_trip_within_quantisation(tmp_path, rgb, bits, ext):
    path = write_image(tmp_path / f"a{ext}", rgb, bit_depth=bits)
    data = _read_cv2(path)
    assert data.dtype == (np.uint8 if bits == 8 else np.uint16)
    back = data.astype(np.float32) / (2**bits - 1)
    assert np.abs(back - rgb).max() <= 0.5 / (2**bits - 1) + 1e-7
    # channel order is RGB, not BGR
    assert np.argmax([np.abs(back[..., c] - rgb[..., 0]).max() for c in range(3)]) != 0


def test_grey_and_rgba(tmp_path, rgb):
    grey = write_image(tmp_path / "g.png", rgb[:, :, 0], bit_depth=16)
    assert _read_cv2(grey).shape == (6, 7)
    rgba = np.concatenate([rgb, rgb[:, :, :1] * 0.5], axis=2)
    data = _read_cv2(write_image(tmp_path / "a.png", rgba)) / 255.0
    assert data.shape == (6, 7, 4)
    assert np.abs(data - rgba).max() <= 0.5 / 255 + 1e-7


def test_srgb_encoding_applies_to_colour_not_alpha(tmp_path):
    rgba = np.full((2, 2, 4), 0.2, np.float32)
    data = _read_cv2(write_image(tmp_path / "s.png", rgba, bit_depth=16, srgb=True)) / 65535.0
    assert data[0, 0, 0] == pytest.approx(srgb_encode(np.float32(0.2)), abs=1e-4)
    assert data[0, 0, 0] == pytest.approx(0.4845, abs=1e-3)
    assert data[0, 0, 3] == pytest.approx(0.2, abs=1e-4)
    x = np.linspace(0, 1, 101, dtype=np.float32)
    assert np.abs(srgb_decode(srgb_encode(x)) - x).max() < 1e-5


@pytest.mark.parametrize("bits,dtype", [(16, np.float16), (32, np.float32)])
def test_exr_half_and_float_keep_unbounded_values(tmp_path, rgb, bits, dtype):
    values = rgb * 7.0 - 1.0
    path = write_image(tmp_path / "e.exr", values, bit_depth=bits)
    pixels = OpenEXR.File(str(path)).channels()["RGB"].pixels
    assert pixels.dtype == dtype
    tol = 4e-3 if bits == 16 else 0
    assert np.abs(pixels.astype(np.float32) - values).max() <= tol
    grey = write_image(tmp_path / "y.exr", values[:, :, 0], bit_depth=32)
    assert np.array_equal(OpenEXR.File(str(grey)).channels()["Y"].pixels, values[:, :, 0])


def test_bad_arguments_give_clear_errors(tmp_path, rgb):
    with pytest.raises(ValueError, match="unsupported extension"):
        write_image(tmp_path / "a.jpg", rgb)
    with pytest.raises(ValueError, match="bit depths"):
        write_image(tmp_path / "a.png", rgb, bit_depth=32)
    with pytest.raises(ValueError, match="shape"):
        write_image(tmp_path / "a.png", np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        write_image(tmp_path / "a.png", np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="linear"):
        write_image(tmp_path / "a.exr", rgb, bit_depth=16, srgb=True)
    with pytest.raises(ImageWriteError, match="does not exist"):
        write_image(tmp_path / "missing" / "a.png", rgb)
    write_image(tmp_path / "a.png", rgb)
    with pytest.raises(ImageWriteError, match="exists"):
        write_image(tmp_path / "a.png", rgb, overwrite=False)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_read_only_folder_gives_permission_error(tmp_path, rgb):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(ImageWriteError, match="permission denied"):
            write_image(folder / "a.png", rgb)
    finally:
        folder.chmod(stat.S_IRWXU)


def test_failure_mid_write_leaves_old_file_and_no_temp(tmp_path, rgb, monkeypatch):
    target = write_image(tmp_path / "a.png", rgb)
    before = target.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("encoder crashed")

    monkeypatch.setattr(writers, "_write_cv2", boom)
    with pytest.raises(RuntimeError):
        write_image(target, rgb * 0.5)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_permission_and_disk_full_errors_are_explained(tmp_path, rgb, monkeypatch):
    import errno

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(writers.tempfile, "mkstemp", refuse)
    with pytest.raises(ImageWriteError, match="permission denied"):
        write_image(tmp_path / "a.png", rgb)
    monkeypatch.undo()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writers, "_write_cv2", full)
    with pytest.raises(ImageWriteError, match="disk is full"):
        write_image(tmp_path / "a.png", rgb)
    assert list(tmp_path.iterdir()) == []
