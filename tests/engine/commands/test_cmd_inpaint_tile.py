"""``teamwork-studio inpaint`` and ``teamwork-studio tile`` on material folders and single images."""

import numpy as np
import pytest

from engine.cli import main
from engine.export.raw import read_raw, write_raw
from engine.io import read_image
from engine.io.writers import write_image
from engine.pipelines.inpaint import seam_steps
from engine.tasks import INPAINT
from tests.engine.pipelines.helpers import export_tiny_model


def gradient_material(size=48):
    y, x = np.mgrid[0:size, 0:size] / size
    normals = np.dstack([0.3 * x, 0.2 * y, np.ones_like(x)])
    return {
        "diffuse": np.dstack([0.1 + 0.6 * x, 0.3 + 0.2 * y, 0.2 + 0 * x]).astype(np.float32),
        "roughness": (0.2 + 0.6 * y)[..., None].astype(np.float32),
        "normals": (normals / np.linalg.norm(normals, axis=-1, keepdims=True)).astype(np.float32),
    }


@pytest.fixture()
def material(tmp_path):
    folder = tmp_path / "wood"
    write_raw(gradient_material(), folder)
    photo = tmp_path / "wood.png"
    write_image(photo, np.dstack([np.linspace(0, 1, 96)[None].repeat(96, 0)] * 3).astype(np.float32),
                bit_depth=16, srgb=True)
    return folder, photo


def test_inpaint_repairs_the_masked_region_of_photo_and_maps(tmp_path, material, capsys):
    folder, photo = material
    mask = np.zeros((48, 48, 3), np.float32)
    mask[20:28, 10:30] = 1
    write_image(tmp_path / "mask.png", mask)
    damaged = read_raw(folder)
    damaged["roughness"][20:28, 10:30] = 1.0  # a blemish the repair must remove
    write_raw(damaged, folder)
    out = tmp_path / "fixed"
    code = main(["inpaint", str(folder), "--photo", str(photo), "--mask", str(tmp_path / "mask.png"),
                 "--out", str(out), "--model", "telea"])
    assert code == 0, capsys.readouterr().err
    fixed = read_raw(out)
    assert set(fixed) == {"diffuse", "roughness", "normals", "image"}
    assert fixed["image"].shape == (48, 48, 3)
    truth = gradient_material()["roughness"]
    assert np.abs(fixed["roughness"][20:28, 10:30] - truth[20:28, 10:30]).max() < 0.08
    np.testing.assert_allclose(fixed["diffuse"][:18], damaged["diffuse"][:18], atol=2e-4)
    assert "OpenCV Telea" in capsys.readouterr().out


def test_tile_makes_a_material_folder_tile(tmp_path, material, capsys):
    folder, _ = material
    out = tmp_path / "tiling"
    assert main(["tile", str(folder), "--out", str(out), "--model", "telea", "--band", "8"]) == 0
    before, after = read_raw(folder), read_raw(out)
    for name in ("diffuse", "roughness"):
        assert seam_steps(after[name])[0] < 0.25 * seam_steps(before[name])[0]


def test_tile_writes_an_image_for_an_image_input_with_the_model(tmp_path, monkeypatch, capsys):
    from engine.pipelines import estimate

    monkeypatch.setattr(estimate, "embedded_folder", lambda task: tmp_path / "models" / task)
    export_tiny_model(tmp_path / "models" / "inpaint", INPAINT.teammates())
    photo = tmp_path / "bricks.png"
    write_image(photo, np.random.default_rng(0).random((32, 32, 3)).astype(np.float32))
    out = tmp_path / "bricks_tiling.png"
    code = main(["tile", str(photo), "--out", str(out), "--steps", "2", "--band", "8", "--device", "cpu"])
    assert code == 0, capsys.readouterr().err
    assert read_image(out).pixels.shape == (32, 32, 3)
    assert "the Teamwork model" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["inpaint", "{missing}", "--mask", "{mask}", "--out", "{out}"], "does not exist"),
    (["inpaint", "{folder}", "--mask", "{mask}", "--out", "{tmp}/x.png"], "written as a folder"),
    (["inpaint", "{folder}", "--mask", "{blank}", "--out", "{out}"], "mask is empty"),
    (["inpaint", "{folder}", "--mask", "{folder}/none.png", "--out", "{out}"], "Cannot read the mask"),
    (["tile", "{folder}", "--out", "{out}", "--band", "0"], "--band must be at least 1"),
    (["tile", "{folder}", "--out", "{out}", "--steps", "0"], "--steps must be at least 1"),
    (["tile", "{photo}", "--photo", "{photo}", "--out", "{out}"], "goes with a material folder"),
])
def test_bad_inputs_get_one_clear_sentence(tmp_path, material, capsys, argv, message):
    folder, photo = material
    write_image(tmp_path / "mask.png", np.ones((48, 48, 3), np.float32))
    write_image(tmp_path / "blank.png", np.zeros((48, 48, 3), np.float32))
    values = {"missing": tmp_path / "nope", "mask": tmp_path / "mask.png", "blank": tmp_path / "blank.png",
              "folder": folder, "photo": photo, "out": tmp_path / "out", "tmp": tmp_path}
    assert main([a.format(**values) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_existing_output_is_kept_without_overwrite(tmp_path, material, capsys):
    folder, _ = material
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert main(["tile", str(folder), "--out", str(out), "--model", "telea"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "keep me"
