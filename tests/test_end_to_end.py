"""The whole stack with a real (tiny, random) Teamwork model: CLI -> worker -> pipeline -> files.

The fake jobs of the worker tests prove the plumbing; this proves the real estimate job behind it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.export.raw import read_raw
from engine.tasks import SVBRDF
from tests.engine.pipelines.helpers import export_tiny_svbrdf_model


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return export_tiny_svbrdf_model(tmp_path_factory.mktemp("tiny_svbrdf"))


def _cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_estimate_cli_runs_the_real_pipeline_in_the_worker(tiny_model, tmp_path):
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.new("RGB", (40, 32), (180, 120, 90)).save(photo)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png at all")
    out = tmp_path / "out"
    result = _cli("estimate", str(photo), str(bad), "--task", "svbrdf", "--out", str(out),
                  "--model", str(tiny_model / "adapter.safetensors"), "--base", str(tiny_model / "base"),
                  "--steps", "2", "--max-size", "32", "--device", "cpu")
    # one input failed (named in one sentence), the other was written
    assert result.returncode == 1, result.stdout + result.stderr
    assert "broken.png" in result.stderr
    maps = read_raw(out / "photo")
    assert set(SVBRDF.outputs) <= set(maps)
    assert maps["diffuse"].shape[:2] == maps["normals"].shape[:2]
    info = json.loads((out / "photo" / "material.json").read_text())
    assert info["task"] == "svbrdf"

    exported = tmp_path / "gltf"
    result = _cli("export", str(out / "photo"), "--preset", "gltf", "--out", str(exported))
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(p.suffix == ".gltf" for p in exported.rglob("*")) or any(exported.rglob("*.png"))
