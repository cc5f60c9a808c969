"""Training the latent families (SD2, SD3, Flux) on tiny local diffusers folders, then loading back."""

import json

import pytest
import torch

from engine.pipelines.load import load
from engine.pipelines.prompts import store_empty_prompt
from engine.pipelines.train import Trainer
from engine.pipelines.train_config import TrainConfig
from engine.teamwork import load_checkpoint
from tests.engine.pipelines.test_latent_families import FLOW, prompt, tiny_vae
from tests.tiny_models import tiny_flux, tiny_sd3, tiny_unet_condition

DDPM = {"_class_name": "DDPMScheduler", "num_train_timesteps": 1000, "prediction_type": "v_prediction",
        "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "clip_sample": False}
FLUX_FLOW = {**FLOW, "use_dynamic_shifting": True, "base_shift": 0.5, "max_shift": 1.15,
             "base_image_seq_len": 256, "max_image_seq_len": 4096}


def flux_with_guidance():
    from diffusers import FluxTransformer2DModel

    torch.manual_seed(0)
    return FluxTransformer2DModel.from_config({**tiny_flux().config, "guidance_embeds": True})


CASES = {  # denoiser, sub-folder, scheduler, empty prompt, VAE latent channels, profile
    "sd2": (lambda: tiny_unet_condition("sd2"), "unet", DDPM, prompt(5, 12, None), 4, "SD2"),
    "sdxl": (lambda: tiny_unet_condition("sdxl"), "unet", DDPM, prompt(5, 12, 12), 4, "SDXL"),
    "sd3": (tiny_sd3, "transformer", FLOW, prompt(5, 12, 10), 4, "SD3"),
    "flux": (flux_with_guidance, "transformer", FLUX_FLOW, prompt(5, 12, 10), 1, "FLUX"),
}


def base_folder(tmp_path, family):
    make, sub, scheduler, embeds, channels, _ = CASES[family]
    folder = tmp_path / f"base-{family}"
    make().save_pretrained(folder / sub)
    tiny_vae(channels).save_pretrained(folder / "vae")
    (folder / "scheduler").mkdir()
    (folder / "scheduler" / "scheduler_config.json").write_text(json.dumps(scheduler))
    store_empty_prompt(folder, family, embeds)
    return folder


def config(tmp_path, family, base, validate_every=0, **train):
    raw = {
        "model": {"family": family, "base": str(base)},
        "teamwork": {"teammates": ["image.in", "albedo.out", "roughness.out"], "rank": 2},
        "data": [{"source": "toy", "outputs": ["albedo", "roughness"], "cells": 2, "mask": True}],
        "train": {"steps": 3, "batch_size": 2, "size": 8, "lr": 1e-2, "seed": 0, **train},
        "output": {"dir": str(tmp_path / f"run-{family}"), "checkpoint_every": 1000,
                   "validate_every": validate_every, "validation_samples": 1, "validation_steps": 2,
                   "log_every": 1},
    }
    return TrainConfig.from_dict(raw)


@pytest.mark.parametrize("family", ["sd2", "sdxl", "sd3", "flux"])
def test_latent_family_trains_exports_and_loads_back(tmp_path, family):
    base = base_folder(tmp_path, family)
    trainer = Trainer(config(tmp_path, family, base, validate_every=3), device="cpu", resume=False)
    assert trainer.latent is not None and trainer.latent.pipeline.family == family
    base_before = {n: p.detach().clone() for n, p in trainer.base.named_parameters()}
    vae_before = [p.detach().clone() for p in trainer.latent.pipeline.vae.parameters()]
    adapters_before = {n: p.detach().clone() for n, p in trainer.params.items()}
    assert trainer.run() == 3
    lines = (trainer.run_dir / "metrics.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    losses = [r["loss"] for r in records if "loss" in r]
    assert any("val/albedo" in r for r in records)  # validation samples through the family pipeline
    assert len(losses) == 3 and all(torch.isfinite(torch.tensor(losses)))
    changed = [n for n, p in trainer.params.items() if not torch.equal(p, adapters_before[n])]
    assert len(changed) == len(adapters_before)  # every adapter tensor moved (down, up and bias)
    assert all(torch.equal(p, base_before[n]) for n, p in trainer.base.named_parameters())
    vae_after = list(trainer.latent.pipeline.vae.parameters())
    assert all(torch.equal(a, b) for a, b in zip(vae_after, vae_before, strict=True))

    adapter = trainer.run_dir / "model" / "adapter.safetensors"
    saved, _ = load_checkpoint(adapter)
    assert saved.profile == CASES[family][5]
    info = json.loads((trainer.run_dir / "model" / "model.json").read_text())
    assert info["family"] == family and info["base"] == str(base.resolve())
    pipe = load(adapter, base=base, device="cpu")
    assert pipe.family == family
    image = torch.rand(1, 3, 8, 12, generator=torch.Generator().manual_seed(1))
    out = pipe({"image": image}, steps=2)
    assert out.maps["albedo"].shape == (1, 3, 8, 12) and out.maps["roughness"].shape == (1, 1, 8, 12)
    assert all(torch.isfinite(x).all() for x in out.maps.values())


def test_one_timestep_for_the_batch_and_clean_inputs(tmp_path, monkeypatch):
    base = base_folder(tmp_path, "sd3")
    trainer = Trainer(config(tmp_path, "sd3", base), device="cpu", resume=False)
    seen = {}
    forward = trainer.latent.pipeline._forward

    def spy(x, t, groups):
        seen["x"], seen["t"] = x.detach().clone(), t.detach().clone()
        return forward(x, t, groups)

    monkeypatch.setattr(trainer.latent.pipeline, "_forward", spy)
    examples = trainer.data.batch(torch.Generator().manual_seed(0), 2, 8)
    rows, images, is_out, _, _ = trainer.collate(examples)
    loss = trainer.loss(examples)
    assert torch.isfinite(loss)
    t = seen["t"]
    assert t.shape == (len(rows),) and torch.all(t == t[0]) and 0 < float(t[0]) <= 1000
    clean = trainer.latent.encode(images)
    assert torch.equal(seen["x"][~is_out], clean[~is_out])  # input teammates: clean latents
    assert not torch.allclose(seen["x"][is_out], clean[is_out])  # outputs: noised


def test_flow_sigmas_follow_the_scheduler_shift(tmp_path):
    base = base_folder(tmp_path, "sd3")
    trainer = Trainer(config(tmp_path, "sd3", base, flow_sampling="uniform"), device="cpu", resume=False)
    sigma = trainer.latent.flow_sigmas([0, 0, 1], (4, 4), fixed=500)
    assert torch.allclose(sigma, torch.full((3,), 3.0 * 0.5 / (1 + 2.0 * 0.5)))  # shift 3 of u = 0.5
    draws = torch.cat([trainer.latent.flow_sigmas([0], (4, 4), None) for _ in range(200)])
    assert draws.min() > 0 and draws.max() <= 1 and draws.mean() > 0.6  # shifted towards noise


def test_latent_family_needs_a_matching_folder(tmp_path):
    base = base_folder(tmp_path, "sd3")
    with pytest.raises(ValueError, match="holds a sd3 model"):
        Trainer(config(tmp_path, "flux", base), device="cpu", resume=False)
    with pytest.raises(ValueError, match="local diffusers folder"):
        Trainer(config(tmp_path, "sd2", "fresh"), device="cpu", resume=False)


def test_latent_training_resumes_exactly(tmp_path):
    base = base_folder(tmp_path, "flux")
    straight = Trainer(config(tmp_path / "a", "flux", base), device="cpu", resume=False)
    straight.run()
    first = Trainer(config(tmp_path / "b", "flux", base), device="cpu", resume=False)
    assert first.run(until_step=2) == 2
    resumed = Trainer(config(tmp_path / "b", "flux", base), device="cpu")
    assert resumed.step == 2 and resumed.run() == 3
    for name, p in straight.params.items():
        assert torch.equal(p, resumed.params[name]), name
