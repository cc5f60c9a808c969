"""The ``synth`` command writes a readable dataset and rejects bad arguments."""

from __future__ import annotations

import json

from engine.cli import main
from engine.data import FolderDataset


def test_synth_svbrdf_writes_a_folder_dataset(tmp_path):
    out = tmp_path / "svbrdf"
    assert main(["synth", "--task", "svbrdf", "--count", "2", "--resolution", "16", "--out", str(out)]) == 0
    ds = FolderDataset(out)
    assert len(ds) == 2
    sample = ds[0]
    assert {"image", "halfway", "diffuse", "specular", "roughness", "normals"} <= set(sample)
    assert sample["image"].shape == (3, 16, 16)
    manifest = json.loads((out / "dataset.json").read_text())
    assert manifest["task"] == "svbrdf" and manifest["count"] == 2 and manifest["failed"] == 0


def test_synth_intrinsic_and_usage_errors(tmp_path):
    out = tmp_path / "intrinsic"
    args = ["synth", "--task", "intrinsic", "--count", "1", "--resolution", "12", "--out", str(out)]
    assert main(args) == 0
    sample = FolderDataset(out)[0]
    assert {"image", "albedo", "diffuseshading", "residual", "normals", "depth"} <= set(sample)
    assert main(["synth", "--task", "svbrdf", "--count", "0", "--out", str(out)]) == 2
    assert main(["synth", "--task", "nope", "--count", "1", "--out", str(out)]) == 2
