"""``teamwork-studio export``: every preset from the command line, reading a raw set."""

from __future__ import annotations

import json

import pygltflib
import pytest

from engine import cli
from engine.export import BUILTIN_PRESETS, write_raw


@pytest.fixture
def material_dir(tmp_path, material):
    folder = tmp_path / "brick_wall"
    write_raw(material, folder, fmt="png16")
    return folder


@pytest.mark.parametrize("preset", sorted(set(BUILTIN_PRESETS) - {"intrinsic"}))
def test_every_preset_from_the_cli(tmp_path, material_dir, preset, capsys):
    out = tmp_path / "out"
    assert cli.main(["export", str(material_dir), "--preset", preset, "--out", str(out), "--no-ao"]) == 0
    manifest = json.loads((out / "material.json").read_text())
    assert manifest["preset"] == preset and manifest["name"] == "brick_wall"
    for texture in manifest["textures"]:
        assert (out / texture["file"]).is_file()
    assert "wrote" in capsys.readouterr().out


def test_intrinsic_from_the_cli(tmp_path, intrinsic, capsys):
    write_raw(intrinsic, tmp_path / "room")
    assert cli.main(["export", str(tmp_path / "room"), "-p", "intrinsic", "-o", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "room_shading.exr").is_file()


def test_options(tmp_path, material_dir):
    out = tmp_path / "out"
    args = ["export", str(material_dir), "--preset", "gltf", "--out", str(out), "--format", "png16",
            "--resolution", "8", "--name", "wall", "--scene", "glb", "--tileable"]
    assert cli.main(args) == 0
    manifest = json.loads((out / "material.json").read_text())
    assert manifest["size"] == [8, 6] and manifest["scenes"] == ["wall.glb"]
    assert {t["bit_depth"] for t in manifest["textures"]} == {16}
    assert pygltflib.GLTF2().load(str(out / "wall.glb")).materials[0].name == "wall"
    # name clash without --overwrite fails with a clear message, then --overwrite succeeds
    assert cli.main(args) == 1
    assert cli.main(args + ["--overwrite"]) == 0


def test_errors(tmp_path, material_dir, capsys):
    assert cli.main(["export", str(material_dir), "--preset", "godot", "--out", str(tmp_path / "o")]) == 2
    assert "Unknown export preset" in capsys.readouterr().err
    assert cli.main(["export", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["export", str(material_dir)]) == 2
    assert cli.main(["export", str(material_dir), "--out", str(tmp_path / "o"), "--format", "jpg"]) == 2
    assert not (tmp_path / "o").exists()


def test_list_presets(capsys):
    assert cli.main(["export", "--list-presets"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in BUILTIN_PRESETS)
