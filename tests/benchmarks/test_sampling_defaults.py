import json

import pytest

from benchmarks import sampling_defaults
from tests.engine.pipelines.helpers import export_tiny_svbrdf_model


def test_sweep_reports_every_setting_next_to_the_baseline(tmp_path):
    folder = export_tiny_svbrdf_model(tmp_path / "model")
    (folder / "model.json").write_text(json.dumps({"method": "teamwork", "task": "svbrdf"}))
    out, md = tmp_path / "s.json", tmp_path / "q.md"
    argv = ["--model", str(folder), "--setting", "ddim:2:1", "--setting", "dpm:2:2",
            "--cases", "1", "--size", "16", "--out", str(out), "--markdown", str(md)]
    assert sampling_defaults.main(argv) == 0
    section = json.loads(out.read_text())
    assert list(section["predictors"]) == ["baseline", "ddim, 2 steps, 1 sample", "dpm, 2 steps, 2 samples"]
    assert "| dpm, 2 steps, 2 samples |" in md.read_text()


def test_a_malformed_setting_is_one_clear_sentence():
    with pytest.raises(SystemExit, match="not scheduler:steps:samples"):
        sampling_defaults.parse_settings(["ddim:ten:1"])
