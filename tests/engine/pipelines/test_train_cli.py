import json

from engine.cli import main

CONFIG = """
[model]
base = "fresh"
[model.fresh]
layers_per_block = 1
block_out_channels = [8, 16]
down_block_types = ["DownBlock2D", "AttnDownBlock2D"]
up_block_types = ["AttnUpBlock2D", "UpBlock2D"]
norm_num_groups = 4
attention_head_dim = 8

[teamwork]
teammates = ["image.in", "albedo.out"]
rank = 2

[[data]]
source = "toy"
outputs = ["albedo"]

[train]
steps = 3
batch_size = 1
size = 8

[output]
dir = "{run}"
checkpoint_every = 1
validate_every = 3
validation_samples = 1
validation_steps = 2
log_every = 1
"""


def test_train_command_runs_in_resumable_chunks(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.replace("{run}", str(tmp_path / "run")))
    assert main(["train", str(path), "--until-step", "2", "--no-progress", "--device", "cpu"]) == 0
    assert "paused at step 2/3" in capsys.readouterr().out
    assert not (tmp_path / "run" / "model").exists()
    assert main(["train", str(path), "--no-progress", "--device", "cpu"]) == 0
    assert "finished at step 3/3" in capsys.readouterr().out
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    steps = [json.loads(line)["step"] for line in lines]
    assert steps[:3] == [1, 2, 3]
    assert (tmp_path / "run" / "model" / "adapter.safetensors").exists()
    assert list((tmp_path / "run" / "validation" / "step_0000003").glob("0_albedo*.png"))


def test_train_command_reports_bad_configs(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text("[train]\nsteps = 1\n")
    assert main(["train", str(path)]) == 2
    assert "at least one [[data]] source" in capsys.readouterr().err


def test_train_command_exports_when_pausing_on_request(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.replace("{run}", str(tmp_path / "run")))
    args = ["train", str(path), "--until-step", "1", "--export", "--no-progress", "--device", "cpu"]
    assert main(args) == 0
    info = json.loads((tmp_path / "run" / "model" / "model.json").read_text())
    assert info["step"] == 1
    assert (tmp_path / "run" / "model" / "adapter.safetensors").exists()
