"""``estimate`` and ``batch`` end to end through the worker, with a fake job instead of the model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine import cli
from engine.commands.batch import collect, parse_shard
from engine.export import read_raw
from engine.io import read_image
from tests.data.bad_inputs import make_corpus

FAKE = ["--engine-job", "tests.engine.worker.fake_jobs:fake_estimate"]


def _photo(path: Path, seed: int = 0) -> Path:
    rgb = (np.random.default_rng(seed).random((12, 16, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(path)
    return path


def test_estimate_writes_raw_layout_and_reports_bad_inputs(tmp_path, capsys):
    good = _photo(tmp_path / "wood.png")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    out = tmp_path / "out"
    status = cli.main(
        ["estimate", str(good), str(empty), "--task", "svbrdf", "--out", str(out), "--seed", "3", *FAKE]
    )
    err = capsys.readouterr().err
    assert status == 1
    assert "cannot read" in err and "empty.jpg: the file is empty (0 bytes)." in err
    assert "1 written" in err and "1 failed" in err
    folder = out / "wood"
    assert sorted(p.name for p in folder.iterdir()) == ["diffuse.png", "material.json", "roughness.png"]
    manifest = json.loads((folder / "material.json").read_text())
    assert manifest["task"] == "svbrdf" and manifest["model"] == "fake"
    assert manifest["settings"]["seed"] == 3 and manifest["settings"]["format"] == "png16"
    assert {"read_s", "worker_s"} <= set(manifest["timings"]) and manifest["warnings"] == []
    maps = read_raw(folder)
    np.testing.assert_allclose(maps["diffuse"], read_image(good).pixels * 0.5, atol=2e-3)
    assert not (out / "empty").exists()


def test_estimate_all_good_exits_0_and_exr_format(tmp_path, capsys):
    out = tmp_path / "out"
    status = cli.main(
        [
            "estimate",
            str(_photo(tmp_path / "a.png")),
            "--task",
            "intrinsic",
            "--out",
            str(out),
            "--format",
            "exr",
            *FAKE,
        ]
    )
    assert status == 0, capsys.readouterr().err
    assert (out / "a" / "diffuse.exr").exists()


def test_embedded_model_without_a_model_exits_1_with_a_clear_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TEAMWORK_STUDIO_MODELS_DIR", str(tmp_path / "no_models"))  # a build without models
    photos = [str(_photo(tmp_path / f"p{i}.png", i)) for i in range(2)]
    status = cli.main(["estimate", *photos, "--task", "svbrdf", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1
    lines = [line for line in err.splitlines() if line.startswith("teamwork-studio: p")]
    assert len(lines) == 2  # every input is reported
    assert all(("model" in line or "pipeline" in line) and "Traceback" not in line for line in lines)
    assert not list((tmp_path / "out").glob("*/material.json"))


@pytest.mark.parametrize(
    "extra,needle",
    [
        (["--model", "nope.safetensors"], "does not exist"),
        (["--fov", "0"], "--fov"),
        (["--steps", "0"], "--steps"),
    ],
)
def test_usage_errors_exit_2(tmp_path, capsys, extra, needle):
    status = cli.main(
        ["estimate", str(_photo(tmp_path / "a.png")), "--task", "svbrdf", "--out", str(tmp_path), *extra]
    )
    assert status == 2 and needle in capsys.readouterr().err


def test_batch_over_the_bad_input_corpus_processes_the_rest_and_resumes(tmp_path, capsys):
    folder = tmp_path / "in"
    cases = make_corpus(folder)
    _photo(folder / "zz_good.png")
    out = tmp_path / "out"
    status = cli.main(["batch", str(folder), "--task", "svbrdf", "--out", str(out), *FAKE])
    err = capsys.readouterr().err
    assert status == 1
    listed = {p.name for p in collect([str(folder)])}
    failing = [c for c in cases if not c.ok and c.path.name in listed]
    readable = [c for c in cases if c.ok and c.path.name in listed]
    assert len(failing) >= 15
    for case in failing:
        assert case.path.name in err, case.kind
    for case in readable + [type(cases[0])("good", folder / "zz_good.png", True)]:
        assert (out / case.path.stem / "material.json").exists(), case.kind
    finished = len(list(out.glob("*/material.json")))
    assert f"{finished} written" in err

    status = cli.main(["batch", str(folder), "--task", "svbrdf", "--out", str(out), *FAKE])
    err = capsys.readouterr().err
    assert status == 1 and f"0 written to {out}, {finished} already finished" in err


def test_shards_split_the_work_without_overlap(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(5):
        _photo(folder / f"p{i}.png", i)
    out = tmp_path / "out"
    assert (
        cli.main(
            ["batch", str(folder / "*.png"), "--task", "svbrdf", "--out", str(out), "--shard", "1/2", *FAKE]
        )
        == 0
    )
    assert sorted(p.parent.name for p in out.glob("*/material.json")) == ["p0", "p2", "p4"]
    assert (
        cli.main(["batch", str(folder), "--task", "svbrdf", "--out", str(out), "--shard", "2/2", *FAKE]) == 0
    )
    assert len(list(out.glob("*/material.json"))) == 5
    assert cli.main(["batch", str(folder), "--task", "svbrdf", "--out", str(out), "--shard", "3/2"]) == 2
    assert "between 1 and n" in capsys.readouterr().err


def test_parse_shard_and_collect(tmp_path):
    assert parse_shard("2/8") == (2, 8) and parse_shard(None) == (1, 1)
    for bad in ("0/2", "a/b", "1/0", "1-2"):
        with pytest.raises(ValueError):
            parse_shard(bad)
    (tmp_path / "sub").mkdir()
    for name in ("b.JPG", "a.png", "notes.txt", "sub/c.exr"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in collect([str(tmp_path)])] == ["a.png", "b.JPG"]
    assert [p.name for p in collect([str(tmp_path)], recursive=True)] == ["a.png", "b.JPG", "c.exr"]


def test_other_presets_go_through_export_material(tmp_path, monkeypatch, capsys):
    from engine.commands import estimate as estimate_command

    original = estimate_command.settings_from_args

    def with_full_maps(args):
        settings = original(args)
        settings.options["full"] = True  # the fake job then returns a complete SVBRDF
        return settings

    monkeypatch.setattr(estimate_command, "settings_from_args", with_full_maps)
    out = tmp_path / "out"
    status = cli.main(
        [
            "estimate",
            str(_photo(tmp_path / "tile.png")),
            "--task",
            "svbrdf",
            "--out",
            str(out),
            "--preset",
            "gltf",
            "--format",
            "png8",
            *FAKE,
        ]
    )
    assert status == 0, capsys.readouterr().err
    manifest = json.loads((out / "tile" / "material.json").read_text())
    assert manifest["estimate"]["task"] == "svbrdf" and manifest["estimate"]["settings"]["preset"] == "gltf"
    assert len(list((out / "tile").glob("*.png"))) >= 2
