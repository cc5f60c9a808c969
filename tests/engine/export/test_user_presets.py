"""User-defined presets: JSON/TOML files that say which map goes to which file and channel."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.export import (
    BUILTIN_PRESETS,
    Preset,
    TextureSpec,
    export_material,
    get_preset,
    list_presets,
    load_preset,
    save_preset,
    user_presets_dir,
)
from engine.export.pixels import read_pixels
from engine.io.writers import srgb_encode
from engine.materials import conversions as cv

USER = {
    "name": "my-engine",
    "description": "roughness and metallic packed in one file, DirectX normal, 16-bit",
    "template": "{map}_{name}",
    "normal": "directx",
    "textures": [
        {"map": "albedo", "channels": ["basecolor"], "srgb": True},
        {"map": "rm", "channels": ["roughness", "metallic", "0"], "format": "png16"},
        {"map": "nrm", "channels": ["normal"]},
        {"map": "gloss", "channels": ["smoothness"], "format": "exr32"},
    ],
}


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_save_and_load_round_trip(tmp_path, suffix):
    preset = get_preset(_write_json(tmp_path, USER))
    path = save_preset(preset, tmp_path / f"copy{suffix}")
    again = load_preset(path)
    assert again.textures == preset.textures
    assert (again.name, again.template, again.normal) == ("my-engine", "{map}_{name}", "directx")
    assert again.textures[0] == TextureSpec("albedo", ("basecolor",), "srgb", "png8", False)


def _write_json(folder, data, name="user.json"):
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def test_user_preset_export_follows_the_file(tmp_path, material):
    export_material(material, _write_json(tmp_path, USER), tmp_path / "out", name="m",
                    ambient_occlusion=False)
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "albedo_m.png", "gloss_m.exr", "material.json", "nrm_m.png", "rm_m.png"]
    base, metal = cv.specular_to_metallic(material["diffuse"], material["specular"])
    assert np.abs(read_pixels(out / "albedo_m.png") - srgb_encode(base)).max() <= 0.5 / 255 + 1e-5
    rm = read_pixels(out / "rm_m.png")
    assert np.abs(rm[..., 0] - material["roughness"][..., 0]).max() <= 0.5 / 65535 + 1e-6
    assert np.abs(rm[..., 1] - metal[..., 0]).max() <= 0.5 / 65535 + 1e-6
    assert np.all(rm[..., 2] == 0)
    nrm = read_pixels(out / "nrm_m.png")
    assert np.abs(nrm[..., 1] - (1 - material["normals"][..., 1]) / 2).max() <= 0.5 / 255 + 1e-6
    assert np.allclose(read_pixels(out / "gloss_m.exr")[..., 0], 1 - material["roughness"][..., 0])
    manifest = json.loads((out / "material.json").read_text())
    assert manifest["preset"] == "my-engine"
    assert manifest["textures"][1]["channels"] == ["roughness", "metallic", "0"]


def test_presets_in_the_config_dir_are_listed(material, tmp_path):
    folder = user_presets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _write_json(folder, USER, "mine.json")
    _write_json(folder, {**USER, "name": "gltf"}, "shadow.json")  # may not replace a built-in
    (folder / "broken.toml").write_text("name = ")
    presets = list_presets()
    assert "my-engine" in presets and presets["gltf"] is BUILTIN_PRESETS["gltf"]
    assert set(BUILTIN_PRESETS) <= set(presets)
    report = export_material(material, "my-engine", tmp_path / "o", ambient_occlusion=False)
    assert report.preset == "my-engine"


@pytest.mark.parametrize(
    "change,message",
    [
        ({"normal": "vulkan"}, "normal convention"),
        ({"template": "{name}_{size}"}, "unknown tokens"),
        ({"textures": [{"map": "a", "channels": ["colour"]}]}, "Unknown texture source"),
        ({"textures": [{"map": "a", "channels": ["roughness", "metallic"]}]}, "1, 3 or 4 channels"),
        ({"textures": [{"map": "a", "channels": ["roughness.g"]}]}, "does not exist"),
        ({"textures": [{"map": "a", "channels": ["basecolor"], "format": "jpg"}]}, "format"),
        ({"textures": [{"map": "a", "channels": ["basecolor"], "colorspace": "p3"}]}, "colour space"),
        ({"textures": [{"map": "a"}]}, "needs 'map' and 'channels'"),
        ({"textures": []}, "lists no textures"),
    ],
)
def test_bad_user_presets_say_why(tmp_path, material, change, message):
    with pytest.raises(ValueError, match=message):
        preset = get_preset(_write_json(tmp_path, {**USER, **change}))
        export_material(material, preset, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bad_files(tmp_path):
    with pytest.raises(ValueError, match="Cannot read the preset"):
        load_preset(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_preset(tmp_path / "bad.json")
    assert isinstance(get_preset(BUILTIN_PRESETS["unreal"]), Preset)
