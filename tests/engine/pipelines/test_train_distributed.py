"""`accelerate launch` runs the same train command on several processes (DDP) without code changes.

Two CPU processes stand in for two GPUs: the same `accelerate launch --multi_gpu` command a GPU
user runs, with `--device cpu` so that the processes use the gloo backend.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.pipelines.test_train_cli import CONFIG


@pytest.mark.skipif(shutil.which("accelerate", path=str(Path(sys.executable).parent)) is None,
                    reason="accelerate is not installed (pip install -e '.[train]')")
def test_accelerate_launch_trains_on_two_processes(tmp_path):
    from engine.teamwork import load_checkpoint

    run = tmp_path / "run"
    config = tmp_path / "toy.toml"
    config.write_text(CONFIG.format(run=run.as_posix()))
    launcher = Path(sys.executable).parent / "accelerate"
    result = subprocess.run(
        [str(launcher), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
         "--mixed_precision", "no", "--dynamo_backend", "no",
         "-m", "engine", "train", str(config), "--no-progress", "--device", "cpu"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "Training finished at step 3/3 on 2 processes" in result.stdout
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows if "loss" in row] == [1, 2, 3]  # only the main process logs
    config_, state = load_checkpoint(run / "model" / "adapter.safetensors")
    assert config_.teammates == ("image.in", "albedo.out") and state
