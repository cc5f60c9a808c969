"""Export choices -> engine.export (Qt-free): presets, formats, naming, overwrite protection."""

import datetime

import numpy as np
import pytest

from app.exporting import ExportChoice, ExportError, existing_files, export_maps, preset_choices


def _maps(size=16):
    rng = np.random.default_rng(0)
    normals = np.zeros((size, size, 3), np.float32)
    normals[..., 2] = 1
    return {"diffuse": rng.random((size, size, 3), dtype=np.float32),
            "specular": np.full((size, size, 3), 0.04, np.float32),
            "roughness": rng.random((size, size, 1), dtype=np.float32), "normals": normals}


def test_naming_template_and_format():
    choice = ExportChoice(naming="{photo}-{task}-{preset}-{date}", preset="unreal", file_type="exr",
                          bit_depth=32, folder="/x")
    assert choice.material_name("wood 1.jpg", "svbrdf", datetime.date(2026, 1, 2)) == \
        "wood 1-svbrdf-unreal-2026-01-02"
    assert choice.fmt == "exr32"
    assert ExportChoice(file_type="tif", bit_depth=8).fmt == "tif16"  # TIFF is 16-bit here
    with pytest.raises(ExportError, match="template"):
        ExportChoice(naming="{photo}_{map}").material_name("a.png", "svbrdf")
    with pytest.raises(ExportError, match="folder"):
        ExportChoice().target("a.png", "svbrdf")
    assert ExportChoice(naming="a/b:{photo}").material_name("c.png", "x") == "a_b_c"


def test_presets_come_from_the_engine():
    choices = preset_choices()
    for name in ("gltf", "unreal", "unity-hdrp", "unity-urp", "blender", "substance", "raw"):
        assert name in choices


@pytest.mark.parametrize("preset", ["gltf", "unreal"])
def test_export_writes_files_and_refuses_silent_overwrite(tmp_path, preset):
    choice = ExportChoice(preset=preset, folder=str(tmp_path), naming="{photo}_{preset}", resolution=8)
    target = export_maps(_maps(), choice, "wood.png", "svbrdf")
    files = existing_files(target)
    assert target.name == f"wood_{preset}" and len(files) >= 3
    with pytest.raises(ExportError, match="overwrite"):
        export_maps(_maps(), choice, "wood.png", "svbrdf")
    export_maps(_maps(), choice, "wood.png", "svbrdf", overwrite=True)
    pngs = [p for p in existing_files(target) if p.suffix == ".png"]
    import cv2

    assert pngs and max(cv2.imread(str(pngs[0]), cv2.IMREAD_UNCHANGED).shape[:2]) == 8  # resolution


def test_bad_maps_give_one_sentence(tmp_path):
    with pytest.raises(ExportError) as info:
        export_maps({"diffuse": np.zeros((0, 0, 3), np.float32)}, ExportChoice(folder=str(tmp_path)),
                    "x.png", "svbrdf")
    assert "\n" not in str(info.value)
