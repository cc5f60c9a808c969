"""engine.export.raw: the <component>.<ext> layout round-trips through write_raw / read_raw."""

from __future__ import annotations

import numpy as np
import pytest

from engine.export.pixels import read_pixels
from engine.export.raw import read_raw, write_raw

# quantisation of the stored value, amplified by decoding (gamma 2.2 has slope <= 2.2 on [0,1])
TOL = {"png8": 2.2 / 255, "png16": 2.2 / 65535 + 1e-6, "tif16": 2.2 / 65535 + 1e-6,
       "exr16": 2e-3, "exr32": 1e-7}


@pytest.mark.parametrize("fmt", sorted(TOL))
def test_svbrdf_round_trip(tmp_path, material, fmt):
    paths = write_raw(material, tmp_path, fmt=fmt)
    ext = ".exr" if fmt.startswith("exr") else "." + fmt[:3]
    assert sorted(p.name for p in paths) == sorted(f"{n}{ext}" for n in material)
    back = read_raw(tmp_path)
    assert set(back) == set(material)
    for name, expected in material.items():
        assert back[name].shape == expected.shape, name
        tol = TOL[fmt] * (2 if name == "normals" else 1)  # + renormalisation
        assert np.abs(back[name] - expected).max() <= tol, (name, np.abs(back[name] - expected).max())


def test_encodings_on_disk(tmp_path, material):
    write_raw(material, tmp_path, fmt="png16")
    diffuse = read_pixels(tmp_path / "diffuse.png")
    assert np.allclose(diffuse, material["diffuse"] ** (1 / 2.2), atol=1 / 65535)
    rough = read_pixels(tmp_path / "roughness.png")
    assert rough.shape[2] == 3 and np.allclose(rough[..., 0], rough[..., 2])
    normals = read_pixels(tmp_path / "normals.png")
    assert np.allclose(normals, (material["normals"] + 1) / 2, atol=1 / 65535)


def test_unbounded_maps_go_to_exr_even_in_png_mode(tmp_path, intrinsic):
    paths = write_raw(intrinsic, tmp_path, fmt="png8")
    names = sorted(p.name for p in paths)
    assert names == ["albedo.png", "depth.exr", "diffuseshading.exr", "normals.png", "residual.exr"]
    back = read_raw(tmp_path)
    assert np.array_equal(back["diffuseshading"], intrinsic["diffuseshading"])
    assert back["depth"].shape == (12, 16, 1) and np.array_equal(back["depth"], intrinsic["depth"])
    assert back["diffuseshading"].max() > 1.0


def test_rewrite_in_another_format_leaves_no_stale_twin(tmp_path, material):
    write_raw(material, tmp_path, fmt="png16")
    write_raw(material, tmp_path, fmt="exr32")
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".exr"] * 4
    assert set(read_raw(tmp_path)) == set(material)


def test_read_raw_ignores_other_files_and_rejects_bad_folders(tmp_path, material):
    write_raw({"roughness": material["roughness"]}, tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "material.json").write_text("{}")
    assert set(read_raw(tmp_path)) == {"roughness"}
    with pytest.raises(ValueError, match="does not exist"):
        read_raw(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no material maps"):
        read_raw(empty)


def test_write_raw_rejects_bad_input(tmp_path, material):
    with pytest.raises(ValueError, match="Unknown map"):
        write_raw({"colour": material["diffuse"]}, tmp_path)
    with pytest.raises(ValueError, match=r"\(H,W,1\)"):
        write_raw({"roughness": material["diffuse"]}, tmp_path)
    with pytest.raises(ValueError, match="raw format"):
        write_raw(material, tmp_path, fmt="jpg")
    with pytest.raises(ValueError, match="NaN"):
        write_raw({"diffuse": np.full((2, 2, 3), np.nan)}, tmp_path)
