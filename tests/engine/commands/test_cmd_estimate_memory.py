"""``estimate`` / ``batch`` flags for large models: --offload, --dtype, --gguf."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine import cli
from engine.commands.estimate import settings_from_args

FAKE = ["--engine-job", "tests.engine.worker.fake_jobs:fake_estimate"]


def parse(*flags: str, command: str = "estimate"):
    parser, _ = cli.build_parser()
    return parser.parse_args([command, "photo.png", "--task", "svbrdf", "--out", "out", *flags])


def test_defaults_are_no_offload_and_auto_dtype():
    options = settings_from_args(parse()).options
    assert options["offload"] == "none" and options["dtype"] == "auto" and "gguf" not in options


@pytest.mark.parametrize("command", ["estimate", "batch"])
def test_flags_become_estimate_options(command, tmp_path):
    gguf = tmp_path / "flux1-dev-Q4_K_S.gguf"
    args = parse("--offload", "sequential", "--dtype", "bf16", "--gguf", str(gguf), command=command)
    options = settings_from_args(args).options
    assert (options["offload"], options["dtype"], options["gguf"]) == ("sequential", "bf16", str(gguf))
    from engine.pipelines import estimate
    from engine.worker.estimate_job import make_options

    made = make_options(estimate, options)  # what the worker builds from them
    assert (made.offload, made.dtype, made.gguf) == ("sequential", "bf16", str(gguf))


@pytest.mark.parametrize("flag, value", [("--offload", "disk"), ("--dtype", "int8")])
def test_bad_choices_are_usage_errors(flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse(flag, value)
    assert exit_info.value.code == 2
    assert f"invalid choice: '{value}'" in capsys.readouterr().err


def _photo(path: Path) -> Path:
    Image.fromarray((np.random.default_rng(0).random((12, 16, 3)) * 255).astype(np.uint8)).save(path)
    return path


def test_missing_gguf_file_and_gguf_with_sequential_are_one_sentence(tmp_path, capsys):
    photo = str(_photo(tmp_path / "wood.png"))
    common = ["estimate", photo, "--task", "svbrdf", "--out", str(tmp_path / "out"), *FAKE]
    assert cli.main([*common, "--gguf", str(tmp_path / "missing.gguf")]) == 2
    err = capsys.readouterr().err
    assert err == f"teamwork-studio estimate: the GGUF file {tmp_path / 'missing.gguf'} does not exist.\n"
    gguf = tmp_path / "flux.gguf"
    gguf.write_bytes(b"GGUF")
    assert cli.main([*common, "--gguf", str(gguf), "--offload", "sequential"]) == 2
    assert "--offload sequential cannot stream GGUF weights; use --offload model." in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_flags_reach_the_worker_and_the_manifest(tmp_path, capsys):
    out = tmp_path / "out"
    status = cli.main(["estimate", str(_photo(tmp_path / "wood.png")), "--task", "svbrdf", "--out", str(out),
                       "--offload", "model", "--dtype", "fp32", *FAKE])
    assert status == 0, capsys.readouterr().err
    settings = json.loads((out / "wood" / "material.json").read_text())["settings"]
    assert settings["offload"] == "model" and settings["dtype"] == "fp32" and "gguf" not in settings
