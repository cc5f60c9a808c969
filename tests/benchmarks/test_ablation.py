"""The ablation harness: run-folder reading on hand-written files (fast), and on three tiny real
training runs (Teamwork, head expansion, independent LoRA; marked slow)."""

from __future__ import annotations

import json

import pytest
import torch

from benchmarks import ablation
from benchmarks.eval.runinfo import read_run

train = pytest.importorskip("engine.pipelines.train")

TINY = dict(layers_per_block=1, block_out_channels=[8, 16],
            down_block_types=["DownBlock2D", "AttnDownBlock2D"],
            up_block_types=["AttnUpBlock2D", "UpBlock2D"], norm_num_groups=4, attention_head_dim=8)


def _train(method: str, folder) -> None:
    from engine.pipelines.train_config import TrainConfig

    config = TrainConfig.from_dict({
        "model": {"base": "fresh", "fresh": TINY},
        "teamwork": {"method": method, "task": "svbrdf", "rank": 2},
        "data": [{"source": "toy", "outputs": ["diffuse", "specular", "roughness"]}],
        "train": {"steps": 1, "batch_size": 2, "size": 16, "seed": 0},
        "output": {"dir": str(folder), "checkpoint_every": 1000, "validate_every": 0, "log_every": 1},
    })
    train.Trainer(config, device="cpu", resume=False).run()
    with (folder / "metrics.jsonl").open("a") as f:  # the wall time the trainer is asked to log
        f.write(json.dumps({"step": 1, "elapsed_s": 12.5}) + "\n")


def test_run_info_from_hand_written_run_files(tmp_path):
    from safetensors.torch import save_file

    ckpt = tmp_path / "run" / "checkpoints" / "step_0000040"
    ckpt.mkdir(parents=True)
    save_file({"a.down": torch.zeros(4, 3), "a.up": torch.zeros(2, 4), "b": torch.zeros(5)},
              ckpt / "trainable.safetensors")
    (ckpt / "state.json").write_text(json.dumps({"step": 40, "config": {
        "teamwork": {"method": "lora"}, "train": {"batch_size": 3, "grad_accum": 2}}}))
    (tmp_path / "run" / "metrics.jsonl").write_text(
        json.dumps({"step": 20, "loss": 1.0, "elapsed_s": 30.0}) + "\nnot json\n"
        + json.dumps({"step": 40, "loss": 0.5, "elapsed_s": 61.5}) + "\n")
    info = read_run(tmp_path / "run")
    assert (info.method, info.trainable_parameters, info.steps) == ("lora", 12 + 8 + 5, 40)
    assert info.examples_seen == 40 * 3 * 2 and info.train_seconds == 61.5
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="neither"):
        read_run(tmp_path / "empty")


def test_ablation_markdown_warns_about_unequal_budgets():
    section = {"predictors": {"baseline": {"mean": {"rerender_rmse": 0.2}, "seconds_per_case": 0.0},
                              "a": {"mean": {"rerender_rmse": 0.1}, "seconds_per_case": 2.0},
                              "b": {"mean": {"rerender_rmse": 0.15}, "seconds_per_case": 1.0}},
               "comparison": {"a": {"rerender_rmse": {"improvement": 0.5}}}}
    results = {"command": "x", "date": "d", "svbrdf": section,
               "config": {"cases": 2, "size": 16, "steps": None, "samples": 1},
               "runs": {"a": {"trainable_parameters": 1000, "steps": 10, "examples_seen": 40,
                              "train_seconds": 90.0},
                        "b": {"trainable_parameters": 5000, "steps": 10, "examples_seen": 80,
                              "train_seconds": None}}}
    text = ablation.ablation_markdown(results)
    assert "| a | 1,000 | 10 | 40 | 1.5 min | 2.00 | 0.1000 |" in text and "+50.0 %" in text
    assert "| b | 5,000 | 10 | 80 | n/a |" in text and "not at equal budget" in text
    with pytest.raises(ValueError, match="LABEL=FOLDER"):
        ablation.parse_runs(["nolabel"])
    with pytest.raises(ValueError, match="reserved"):
        ablation.parse_runs(["baseline=x"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ablation")
    for method in ("teamwork", "head_expansion", "lora"):
        _train(method, root / method)
    return root


@pytest.mark.slow
def test_run_info_counts_trainable_parameters_per_method(runs):
    infos = {m: read_run(runs / m) for m in ("teamwork", "head_expansion", "lora")}
    assert all(i.steps == 1 and i.batch_size == 2 and i.examples_seen == 2 for i in infos.values())
    assert infos["teamwork"].method == "teamwork" and infos["lora"].method == "lora"
    assert infos["teamwork"].train_seconds == 12.5
    # communication mixes the same adapters: equal parameter counts with and without it
    assert infos["teamwork"].trainable_parameters == infos["lora"].trainable_parameters > 0
    # head expansion fine-tunes the whole (widened) UNet
    assert infos["head_expansion"].trainable_parameters > infos["teamwork"].trainable_parameters
    with pytest.raises(ValueError, match="does not exist"):
        read_run(runs / "missing")


@pytest.mark.slow
def test_ablation_table(runs, tmp_path):
    out, md = tmp_path / "ablation.json", tmp_path / "quality.md"
    argv = [f"--run={m}={runs / m}" for m in ("teamwork", "head_expansion", "lora")]
    argv += ["--size", "16", "--cases", "2", "--steps", "1", "--out", str(out), "--markdown", str(md)]
    assert ablation.main(argv) == 0
    results = json.loads(out.read_text())
    assert set(results["svbrdf"]["predictors"]) == {"baseline", "teamwork", "head_expansion", "lora"}
    text = md.read_text()
    assert "<!-- ablation:begin -->" in text and "| head_expansion |" in text and "0.2 min" in text
    assert ablation.main(["--run", "oops"]) == 2
