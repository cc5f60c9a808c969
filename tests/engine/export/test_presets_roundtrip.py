"""Every preset round-trips: export, read the files back, compare with the expected conversion.

The expected layouts below are written from MATERIALS.md ("Export presets"), independently of
engine/export/presets.py, so a wrong channel or colour space in a preset fails here.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.export import export_material, read_raw
from engine.export.pixels import read_pixels
from engine.io.writers import srgb_decode, srgb_encode
from engine.materials import conversions as cv

SRGB, LIN = "srgb", "linear"
EXPECTED = {
    "gltf": {"baseColor": (["base.r", "base.g", "base.b"], SRGB),
             "occlusionRoughnessMetallic": (["ao", "rough", "metal"], LIN),
             "normal": (["ngl.r", "ngl.g", "ngl.b"], LIN)},
    "unreal": {"BaseColor": (["base.r", "base.g", "base.b"], SRGB),
               "Normal": (["ndx.r", "ndx.g", "ndx.b"], LIN),
               "ORM": (["ao", "rough", "metal"], LIN), "Height": (["height"], LIN)},
    "unity-hdrp": {"BaseMap": (["base.r", "base.g", "base.b"], SRGB),
                   "Normal": (["ngl.r", "ngl.g", "ngl.b"], LIN),
                   "MaskMap": (["metal", "ao", "one", "smooth"], LIN), "Height": (["height"], LIN)},
    "unity-urp": {"BaseMap": (["base.r", "base.g", "base.b"], SRGB),
                  "Normal": (["ngl.r", "ngl.g", "ngl.b"], LIN),
                  "MetallicSmoothness": (["metal", "metal", "metal", "smooth"], LIN),
                  "Occlusion": (["ao"], LIN), "Height": (["height"], LIN)},
    "blender": {"BaseColor": (["base.r", "base.g", "base.b"], SRGB), "Metallic": (["metal"], LIN),
                "Roughness": (["rough"], LIN), "Normal": (["ngl.r", "ngl.g", "ngl.b"], LIN),
                "AO": (["ao"], LIN), "Height": (["height"], LIN)},
    "substance": {"BaseColor": (["base.r", "base.g", "base.b"], SRGB),
                  "Normal": (["ngl.r", "ngl.g", "ngl.b"], LIN), "Roughness": (["rough"], LIN),
                  "Metallic": (["metal"], LIN), "Height": (["height"], LIN), "AO": (["ao"], LIN)},
}
BITS = {"png8": 8, "png16": 16, "tif16": 16}


def expected_planes(maps, periodic=False, ao=False):
    base, metal = cv.specular_to_metallic(maps["diffuse"], maps["specular"])
    height = cv.height_from_normals(maps["normals"], periodic=periodic)
    height01 = (height - height.min()) / np.ptp(height)
    planes = {"metal": metal[..., 0], "rough": maps["roughness"][..., 0],
              "smooth": 1 - maps["roughness"][..., 0], "height": height01[..., 0],
              "one": np.ones(base.shape[:2], np.float32),
              "ao": np.ones(base.shape[:2], np.float32) if not ao else None}
    ngl = (maps["normals"] + 1) / 2
    ndx = (cv.opengl_to_directx(maps["normals"]) + 1) / 2
    for i, c in enumerate("rgb"):
        planes[f"base.{c}"] = base[..., i]
        planes[f"ngl.{c}"] = ngl[..., i]
        planes[f"ndx.{c}"] = ndx[..., i]
    return planes


def _file(out, name, map_, ext=".png"):
    path = out / f"{name}_{map_}{ext}"
    assert path.is_file(), sorted(p.name for p in out.iterdir())
    return path


@pytest.mark.parametrize("preset", sorted(EXPECTED))
def test_preset_files_hold_the_expected_conversion(tmp_path, material, preset):
    out = tmp_path / preset
    report = export_material(material, preset, out, name="mat", ambient_occlusion=False)
    tiled = export_material(material, preset, tmp_path / "tiled", name="mat", tileable=True)
    planes = expected_planes(material)
    expected_files = {f"mat_{m}.png" for m in EXPECTED[preset]} | {"material.json"}
    assert {p.name for p in out.iterdir()} - {"mat.gltf", "mat.glb", "mat.mtlx"} == expected_files
    for map_, (channels, space) in EXPECTED[preset].items():
        stored = read_pixels(_file(out, "mat", map_))
        bits = 16 if map_ == "Height" else 8
        assert stored.shape == (12, 16, len(channels)), map_
        for k, label in enumerate(channels):
            want = planes[label]
            if space == SRGB:
                want = srgb_encode(want)
            err = np.abs(stored[..., k] - want).max()
            assert err <= 0.5 / (2**bits - 1) + 1e-5, (preset, map_, label, err)
    manifest = json.loads((out / "material.json").read_text())
    assert manifest["preset"] == preset and manifest["size"] == [16, 12]
    assert manifest["conversions"]["roundtrip"]["method"] == "render"
    assert manifest["conversions"]["roundtrip"]["rmse"] < 1e-4  # exact metal / dielectric material
    assert [t["file"] for t in manifest["textures"]] == [t.file for t in report.textures]
    if "Height" in EXPECTED[preset]:  # the tileable option integrates periodically
        assert manifest["conversions"]["height"]["periodic"] is False
        assert tiled.textures and json.loads((tmp_path / "tiled" / "material.json").read_text())[
            "conversions"]["height"]["periodic"] is True
        periodic = expected_planes(material, periodic=True)["height"]
        stored = read_pixels(tmp_path / "tiled" / "mat_Height.png")[..., 0]
        assert np.abs(stored - periodic).max() <= 0.5 / 65535 + 1e-5


@pytest.mark.parametrize("fmt", sorted(BITS))
def test_base_colour_and_metallic_read_back_to_the_original_material(tmp_path, material, fmt):
    export_material(material, "substance", tmp_path, name="m", fmt=fmt, ambient_occlusion=False)
    ext = ".tif" if fmt == "tif16" else ".png"
    base = srgb_decode(read_pixels(tmp_path / f"m_BaseColor{ext}"))
    metal = read_pixels(tmp_path / f"m_Metallic{ext}")
    assert metal.shape[-1] == 1
    diffuse, specular = cv.metallic_to_specular(base, metal)
    # sRGB decoding amplifies the 1/2^b step by at most 12.92 near black
    tol = 12.92 * 0.5 / (2 ** BITS[fmt] - 1) + 1e-5
    assert np.abs(diffuse - material["diffuse"]).max() <= tol
    assert np.abs(specular - material["specular"]).max() <= tol
    rough = read_pixels(tmp_path / f"m_Roughness{ext}")[..., 0]
    assert np.abs(rough - material["roughness"][..., 0]).max() <= 0.5 / (2 ** BITS[fmt] - 1) + 1e-6


@pytest.mark.parametrize("fmt,tol", [("exr32", 1e-6), ("exr16", 2e-3)])
def test_exr_export_is_linear(tmp_path, material, fmt, tol):
    report = export_material(material, "gltf", tmp_path, name="m", fmt=fmt, ambient_occlusion=False)
    base = read_pixels(tmp_path / "m_baseColor.exr")
    planes = expected_planes(material)
    want = np.stack([planes[f"base.{c}"] for c in "rgb"], -1)
    assert np.abs(base - want).max() <= tol  # stored linear, no sRGB curve
    assert all(t.colorspace == "linear" for t in report.textures)
    assert report.scenes == ["m.mtlx"]  # glTF can only reference PNG textures
    assert any("m.gltf skipped" in w for w in report.warnings)


def test_ambient_occlusion_matches_the_conversion(tmp_path, material):
    export_material(material, "unreal", tmp_path, name="m")
    manifest = json.loads((tmp_path / "material.json").read_text())
    radius = manifest["conversions"]["ao"]["radius_texels"]
    height = cv.height_from_normals(material["normals"], periodic=False)
    ao = cv.ambient_occlusion(height, radius=radius, periodic=False)[..., 0]
    orm = read_pixels(tmp_path / "m_ORM.png")
    assert np.abs(orm[..., 0] - ao).max() <= 0.5 / 255 + 1e-5
    assert ao.min() < 0.99  # the test material has relief, so AO is not all white


def test_raw_preset_reads_back_with_read_raw(tmp_path, material):
    export_material(material, "raw", tmp_path, fmt="png16")
    back = read_raw(tmp_path)
    for name, want in material.items():
        assert np.abs(back[name] - want).max() <= 2 * 2.2 / 65535 + 1e-6, name


def test_intrinsic_preset(tmp_path, intrinsic):
    report = export_material(intrinsic, "intrinsic", tmp_path, name="room")
    names = {t.file for t in report.textures}
    assert names == {"room_albedo.png", "room_shading.exr", "room_residual.exr", "room_preview.png",
                     "room_normals.png", "room_depth.exr"}
    albedo = srgb_decode(read_pixels(tmp_path / "room_albedo.png"))
    assert np.abs(albedo - intrinsic["albedo"]).max() <= 12.92 * 0.5 / 255 + 1e-5
    assert np.array_equal(read_pixels(tmp_path / "room_shading.exr"), intrinsic["diffuseshading"])
    assert np.array_equal(read_pixels(tmp_path / "room_residual.exr"), intrinsic["residual"])
    image = intrinsic["albedo"] * intrinsic["diffuseshading"] + intrinsic["residual"]
    preview = srgb_decode(read_pixels(tmp_path / "room_preview.png"))
    assert np.abs(preview - image / (1 + image)).max() <= 12.92 * 0.5 / 255 + 1e-5
    manifest = json.loads((tmp_path / "material.json").read_text())
    assert manifest["conversions"]["roundtrip"] is None  # no diffuse/specular to convert


def test_optional_maps_are_skipped_and_required_ones_fail(tmp_path, material, intrinsic):
    no_normals = {k: v for k, v in material.items() if k != "normals"}
    with pytest.raises(ValueError, match="normals map is missing"):
        export_material(no_normals, "gltf", tmp_path / "a")
    assert not (tmp_path / "a").exists()
    del intrinsic["depth"]
    report = export_material(intrinsic, "intrinsic", tmp_path / "b")
    assert any("depth skipped" in w for w in report.warnings)
    assert not (tmp_path / "b" / "material_depth.exr").exists()


def test_resize_and_template(tmp_path, material):
    report = export_material(material, "blender", tmp_path, name="m", resolution=8,
                             template="{preset}-{map}-{width}x{height}")
    assert report.size == (8, 6)
    normal = read_pixels(tmp_path / "blender-Normal-8x6.png") * 2 - 1
    assert normal.shape == (6, 8, 3)
    assert np.allclose(np.linalg.norm(normal, axis=-1), 1, atol=0.02)
    report = export_material(material, "blender", tmp_path / "b", resolution="20x10")
    assert read_pixels(tmp_path / "b" / "material_AO.png").shape == (10, 20, 1)
    with pytest.raises(ValueError, match="unknown tokens"):
        export_material(material, "blender", tmp_path / "c", template="{name}_{colour}")
    with pytest.raises(ValueError, match=r"\{map\}"):
        export_material(material, "blender", tmp_path / "c", template="{name}")
    with pytest.raises(ValueError, match="not N or WxH"):
        export_material(material, "blender", tmp_path / "c", resolution="big")


def test_directx_override_flips_green(tmp_path, material):
    export_material(material, "substance", tmp_path / "gl", name="m", ambient_occlusion=False)
    export_material(material, "substance", tmp_path / "dx", name="m", normal="directx",
                    ambient_occlusion=False)
    gl = read_pixels(tmp_path / "gl" / "m_Normal.png")
    dx = read_pixels(tmp_path / "dx" / "m_Normal.png")
    assert np.abs(dx[..., 1] - (1 - gl[..., 1])).max() <= 1 / 255 + 1e-6
    assert np.array_equal(dx[..., [0, 2]], gl[..., [0, 2]])
