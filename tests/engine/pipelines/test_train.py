import pytest
import torch

from engine.pipelines.train import Trainer
from engine.pipelines.train_config import TrainConfig
from engine.pipelines.train_data import Example

TINY_UNET = dict(
    layers_per_block=1, block_out_channels=[8, 16], down_block_types=["DownBlock2D", "AttnDownBlock2D"],
    up_block_types=["AttnUpBlock2D", "UpBlock2D"], norm_num_groups=4, attention_head_dim=8,
)


def config(tmp_path, method="teamwork", teammates=("image.in", "albedo.out"), data=None, **train):
    raw = {
        "model": {"base": "fresh", "fresh": TINY_UNET},
        "teamwork": {"method": method, "teammates": list(teammates), "rank": 4},
        "data": data or [{"source": "toy", "outputs": ["albedo"], "cells": 1}],
        "train": {"steps": 4, "batch_size": 2, "size": 8, "lr": 1e-2, "seed": 0, **train},
        "output": {"dir": str(tmp_path), "checkpoint_every": 1000, "validate_every": 0, "log_every": 1},
    }
    return TrainConfig.from_dict(raw)


def paired_losses(trainer: Trainer) -> tuple[float, float]:
    """Loss on true (input, output) pairs and on pairs whose input belongs to another example."""
    examples = trainer.data.batch(torch.Generator().manual_seed(5), 16, trainer.config.train.size)
    shuffled = [Example({"image": examples[(i + 1) % 16].maps["image"], "albedo": e.maps["albedo"]})
                for i, e in enumerate(examples)]
    losses = []
    for batch in (examples, shuffled):
        trainer.generator = torch.Generator().manual_seed(7)
        with torch.no_grad():
            losses.append(float(trainer.loss(batch, timestep=800)))
    return losses[0], losses[1]


@pytest.mark.slow  # ~30 s on a free CPU core (100 steps of two tiny models)
def test_communication_lets_outputs_learn_from_inputs(tmp_path):
    results = {}
    for method in ("teamwork", "lora"):
        trainer = Trainer(config(tmp_path / method, method, steps=100, batch_size=4, lr=3e-2),
                          device="cpu", resume=False)
        before = paired_losses(trainer)
        trainer.run()
        results[method] = (before, paired_losses(trainer))
    (tw_before, _), (tw_true, tw_shuffled) = results["teamwork"]
    _, (lora_true, lora_shuffled) = results["lora"]
    assert tw_true < 0.6 * tw_before                   # the loss clearly went down
    assert tw_shuffled - tw_true > 0.005                 # ... partly by reading the input teammate
    assert abs(lora_shuffled - lora_true) < 1e-6         # without communication the input is ignored
    assert tw_true < lora_true


def test_heterogeneous_batches_train_only_their_outputs(tmp_path):
    data = [{"source": "toy", "outputs": ["albedo"]},
            {"source": "toy", "outputs": ["roughness", "specular"], "mask": True}]
    teammates = ("image.in", "albedo.out", "roughness.out", "specular.out")
    trainer = Trainer(config(tmp_path, teammates=teammates, data=data, batch_size=4), device="cpu",
                      resume=False)
    examples = trainer.data.batch(torch.Generator().manual_seed(0), 4, 8)
    rows, images, is_out, weights, known = trainer.collate(examples)
    expected = [(s, f"{c}.{'in' if c == 'image' else 'out'}") for s, e in enumerate(examples)
                for c in ("image", "albedo", "roughness", "specular") if c in e.maps]
    assert rows == expected and len({len(e.maps) for e in examples}) == 2
    assert images.shape == (len(rows), 3, 8, 8) and is_out.sum() == len(rows) - 4
    assert weights.amin() == 0  # the masked source brings per-pixel weights
    assert not known.any()  # no inpainting: every output pixel is noised
    loss = trainer.loss(examples)
    loss.backward()
    up = trainer.params["down_blocks.0.resnets.0.conv1.adapter.up"]
    assert torch.isfinite(loss) and up.grad[1:].abs().sum() > 0  # every output teammate gets gradient


def test_per_pixel_weights_mask_the_loss():
    from engine.pipelines.train import weighted_mse

    prediction = torch.rand(3, 3, 8, 8)
    target = torch.rand(3, 3, 8, 8)
    weights = torch.ones(3, 1, 8, 8)
    weights[1, :, 4:] = 0
    is_out = torch.tensor([False, True, True])
    changed = target.clone()
    changed[1, :, 4:] += 5      # hidden by the weights
    changed[0] += 5             # an input row: never in the loss
    reference = weighted_mse(prediction, target, weights, is_out)
    assert weighted_mse(prediction, changed, weights, is_out) == reference
    changed[2] += 1
    assert weighted_mse(prediction, changed, weights, is_out) > reference


def test_resume_continues_identically(tmp_path):
    settings = dict(steps=4, ema_decay=0.9, lr_schedule="cosine", warmup_steps=2)
    straight = Trainer(config(tmp_path / "a", **settings), device="cpu")
    straight.run()
    first = Trainer(config(tmp_path / "b", **settings), device="cpu")
    assert first.run(until_step=2) == 2
    second = Trainer(config(tmp_path / "b", **settings), device="cpu")
    assert second.step == 2
    second.run()
    for name, p in straight.params.items():
        assert torch.equal(p, second.params[name]), name
        assert torch.equal(straight.ema[name], second.ema[name])
    assert straight.lr_scheduler.get_last_lr() == second.lr_scheduler.get_last_lr()


def test_ema_turned_on_when_resuming_starts_from_the_resumed_weights(tmp_path):
    Trainer(config(tmp_path, steps=4), device="cpu").run(until_step=2)
    resumed = Trainer(config(tmp_path, steps=4, ema_decay=0.9), device="cpu")
    assert resumed.step == 2
    moved = [n for n, p in resumed.params.items() if not torch.equal(resumed.ema[n], p)]
    assert not moved, moved[:3]


def test_resuming_forgets_metrics_logged_after_the_checkpoint(tmp_path):
    import json

    Trainer(config(tmp_path), device="cpu").run(until_step=2)
    with (tmp_path / "metrics.jsonl").open("a") as f:  # a run killed after step 3, before its checkpoint
        f.write(json.dumps({"step": 3, "loss": 9.0}) + "\n")
    Trainer(config(tmp_path), device="cpu").run()
    steps = [json.loads(line)["step"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4]


def test_training_time_accumulates_across_chunks_and_is_logged(tmp_path):
    import json

    first = Trainer(config(tmp_path), device="cpu")
    first.run(until_step=2)
    spent = first.elapsed_seconds
    assert spent > 0
    second = Trainer(config(tmp_path), device="cpu")
    assert second.elapsed_seconds == pytest.approx(spent)  # restored from the checkpoint
    second.run()
    assert second.elapsed_seconds > spent
    logged = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert logged[-1]["elapsed_s"] == pytest.approx(second.elapsed_seconds, abs=0.01)
    assert [row["elapsed_s"] for row in logged] == sorted(row["elapsed_s"] for row in logged)


def test_lr_schedule_applies(tmp_path):
    trainer = Trainer(config(tmp_path, steps=6, lr_schedule="cosine", warmup_steps=2), device="cpu")
    lrs = []
    for _ in range(6):
        lrs.append(trainer.optimizer.param_groups[0]["lr"])
        trainer.train_step()
    assert lrs[0] == 0 and lrs[2] == pytest.approx(1e-2) and lrs[5] < lrs[3] < lrs[2]


def test_gradient_accumulation_averages_micro_batches(tmp_path):
    trainer = Trainer(config(tmp_path, grad_accum=2, batch_size=1), device="cpu")
    loss = trainer.train_step()
    assert trainer.step == 1 and loss > 0


def test_export_writes_the_official_adapter_and_base(tmp_path):
    from engine.pipelines.pixel_unet import PixelUNetPipeline
    from engine.teamwork import load_checkpoint

    trainer = Trainer(config(tmp_path, steps=1), device="cpu")
    trainer.run()
    model = tmp_path / "model"
    tw, state = load_checkpoint(model / "adapter.safetensors")
    assert tw.teammates == ("image.in", "albedo.out") and tw.lora_communication
    key = "down_blocks.0.resnets.0.conv1.adapter.up"
    assert torch.equal(state[key], trainer.params[key].detach())
    unet, scheduler = PixelUNetPipeline.load_base(model / "base")
    assert scheduler["prediction_type"] == "v_prediction"
    pairs = zip(unet.state_dict().values(), trainer.base.state_dict().values(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)


def test_pretrain_trains_the_whole_base(tmp_path):
    data = [{"source": "toy", "outputs": ["albedo", "roughness"]}]
    trainer = Trainer(config(tmp_path, "pretrain", data=data, steps=2), device="cpu")
    before = trainer.model.conv_in.weight.detach().clone()
    trainer.run()
    assert not torch.equal(before, trainer.model.conv_in.weight)
    assert (tmp_path / "model" / "base" / "unet" / "config.json").exists()


def test_bad_configs_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match="Unknown training method"):
        config(tmp_path, "magic")
    with pytest.raises(ValueError, match="Unknown key"):
        TrainConfig.from_dict({"train": {"stepz": 1}, "data": [{"source": "toy"}]})
    with pytest.raises(ValueError, match="at least one"):
        TrainConfig.from_dict({})


def test_head_expansion_starts_as_the_base_and_samples(tmp_path):
    from engine.pipelines.head_expansion import HeadExpansionPipeline, widen
    from tests.tiny_models import tiny_unet2d

    base = tiny_unet2d()
    wide = widen(base, ["image.in", "albedo.out"])
    x, t = torch.randn(2, 3, 16, 16), torch.tensor([10, 900])
    with torch.no_grad():
        expected = base(x, t).sample
        got = wide(torch.cat([x, torch.randn(2, 3, 16, 16) * 0], dim=1), t).sample
        changed = wide(torch.cat([x, torch.randn(2, 3, 16, 16)], dim=1), t).sample
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(changed, expected)  # zero-initialised condition weights
    trainer = Trainer(config(tmp_path, "head_expansion", steps=2), device="cpu")
    trainer.run()
    assert trainer.model.conv_in.weight[:, 3:].abs().sum() > 0  # the condition channels learned
    pipe = HeadExpansionPipeline(trainer.model, trainer.scheduler_config, trainer.teammates)
    out = pipe({"image": torch.rand(1, 3, 8, 8)}, steps=2)
    assert out.maps["albedo"].shape == (1, 3, 8, 8)


def test_teamwork_training_leaves_the_base_frozen(tmp_path):
    trainer = Trainer(config(tmp_path, steps=2), device="cpu")
    before = {k: v.clone() for k, v in trainer.base.state_dict().items()}
    trainer.run()
    assert all(torch.equal(before[k], v) for k, v in trainer.base.state_dict().items())
    assert all(not p.requires_grad for p in trainer.base.parameters())
    frozen = [p.requires_grad for n, p in trainer.model.named_parameters() if ".adapter." not in n]
    assert frozen and not any(frozen)


def test_mixed_precision_and_gradient_checkpointing_train(tmp_path):
    trainer = Trainer(config(tmp_path, steps=1, mixed_precision="bf16", gradient_checkpointing=True),
                      device="cpu")
    key = "down_blocks.0.resnets.0.conv1.adapter.up"  # (down has no gradient while up is 0)
    before = trainer.params[key].detach().clone()
    loss = trainer.train_step()
    assert loss > 0 and not torch.equal(before, trainer.params[key])


def test_inpainting_training_keeps_known_output_pixels_clean(tmp_path):
    data = [{"source": "toy", "outputs": ["albedo"], "inpaint_masks": True}]
    trainer = Trainer(config(tmp_path, teammates=("mask.in", "image.out", "albedo.out"), data=data,
                             batch_size=2), device="cpu", resume=False)
    examples = trainer.data.batch(torch.Generator().manual_seed(1), 2, 16)
    rows, x0, is_out, weights, known = trainer.collate(examples)
    holes = torch.stack([e.maps["mask"] for e in examples])
    assert [name for _, name in rows] == ["mask.in", "image.out", "albedo.out"] * 2
    assert torch.equal(known[1], 1 - holes[0]) and not known[0].any()  # outputs only
    assert torch.equal(weights[1], holes[0])  # the loss covers the hole only
    seen = []
    forward = trainer.forward_model.forward
    trainer.forward_model.forward = lambda x, t: seen.append(x) or forward(x, t)
    trainer.loss(examples, timestep=900)
    x_t = seen[0]
    outside = known.bool().expand_as(x0)
    assert torch.equal(x_t[outside], x0[outside])
    assert (x_t - x0)[~outside & is_out[:, None, None, None]].abs().mean() > 0.3  # the hole is noised


def test_warmup_stable_decay_holds_then_anneals_to_zero(tmp_path):
    trainer = Trainer(config(tmp_path, steps=10, lr_schedule="warmup_stable_decay", warmup_steps=2,
                             decay_steps=4), device="cpu")
    lrs = []
    for _ in range(10):
        lrs.append(trainer.optimizer.param_groups[0]["lr"])
        trainer.train_step()
    lrs.append(trainer.optimizer.param_groups[0]["lr"])
    assert lrs[0] == 0 and lrs[1] == pytest.approx(0.5e-2)
    assert lrs[2:7] == [pytest.approx(1e-2)] * 5           # stable until steps - decay_steps
    assert lrs[6] > lrs[7] > lrs[8] > lrs[9] > lrs[10] == pytest.approx(0.0, abs=1e-12)


def test_warmup_stable_decay_needs_a_decay_length(tmp_path):
    with pytest.raises(ValueError, match="decay_steps"):
        config(tmp_path, steps=10, lr_schedule="warmup_stable_decay", warmup_steps=2)


def test_each_output_component_logs_its_own_loss(tmp_path):
    import json

    trainer = Trainer(config(tmp_path, steps=2, teammates=("image.in", "albedo.out", "specular.out"),
                             data=[{"source": "toy", "outputs": ["albedo", "specular"], "cells": 1}]),
                      device="cpu")
    trainer.run()
    logged = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert {"loss/albedo", "loss/specular"} <= set(logged[-1]) and "loss/image" not in logged[-1]
    # the total is the pixel-weighted mean of the components (equal pixel counts here)
    parts = (logged[-1]["loss/albedo"] + logged[-1]["loss/specular"]) / 2
    assert logged[-1]["loss"] == pytest.approx(parts, rel=1e-3)
