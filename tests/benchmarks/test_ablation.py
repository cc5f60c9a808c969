"""The ablation harness on three tiny real training runs (Teamwork, head expansion, independent LoRA)."""

from __future__ import annotations

import json

import pytest

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


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ablation")
    for method in ("teamwork", "head_expansion", "lora"):
        _train(method, root / method)
    return root


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
