"""Training pieces for the latent families (SD2, SDXL, SD3, Flux) with a local diffusers base folder.

The trainer's loop stays one loop: a :class:`LatentTraining` reuses the family's sampling pipeline
class (``engine.pipelines.latent``) for the deterministic VAE encoding (distribution mode, scaled
and shifted like sampling), the cached empty-prompt conditioning and the denoiser forward (SDXL's
size conditioning, SD3's patchified transformer, Flux's packed latents, rotary ids and guidance).

Targets:

- SD2 / SDXL: the ``DDPMScheduler`` built from the base folder's scheduler config (epsilon or v).
- SD3 / Flux: rectified flow, ``x_t = (1 - sigma) x0 + sigma * noise``, target ``noise - x0``,
  timestep ``1000 * sigma``. ``u`` is drawn logit-normal (mean 0, std 1; the SD3 paper's default)
  or uniform (``[train] flow_sampling``), then shifted with the scheduler config's shift,
  ``sigma = s u / (1 + (s - 1) u)``; with dynamic shifting (Flux) ``s = exp(mu)`` where ``mu``
  comes from the latent sequence length, the same formula sampling uses.

One ``u`` per batch (or per sample with ``timestep_sharing = "sample"``): input teammates get their
clean latent at that same timestep; the loss is on output rows only, with the per-pixel weights
area-resized to the latent grid.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import torch
import torch.nn.functional as F

from engine.pipelines.latent import FAMILIES, _shift

log = logging.getLogger(__name__)

LATENT_FAMILIES = tuple(FAMILIES)
FLOW_FAMILIES = ("sd3", "flux")
FLOW_SAMPLING = ("logit_normal", "uniform")


def load_latent_training_base(config) -> tuple[torch.nn.Module, dict, object]:
    """(denoiser, scheduler config, pipeline builder) of ``[model] base`` for a latent family."""
    from engine.pipelines.latent import load_latent_base
    from engine.pipelines.load import detect_family

    model = config.model
    if model.base in ("fresh", "embedded"):
        raise ValueError(f"The {model.family} family trains on a local diffusers folder; "
                         f"set [model] base to that folder, not {model.base!r}.")
    folder = Path(model.base)
    found = detect_family(folder)
    if found != model.family:
        raise ValueError(f"[model] family is {model.family!r} but {folder} holds a {found} model.")
    if config.teamwork.method not in ("teamwork", "lora"):
        raise ValueError(f"The {model.family} family trains with method 'teamwork' or 'lora', "
                         f"not {config.teamwork.method!r}.")
    denoiser, parts = load_latent_base(folder, model.family, torch.float32)
    scheduler = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
    scheduler.update(model.scheduler)
    return denoiser, scheduler, parts["pipeline"]


class LatentTraining:
    """Encodes a trainer's pixel batch to latents and gives the family's noisy input and target."""

    def __init__(self, trainer, build) -> None:
        self.trainer = trainer
        self.family = trainer.config.model.family
        self.flow = self.family in FLOW_FAMILIES
        self.pipeline = build(trainer.model, teamwork=trainer.teamwork, device=trainer.device,
                              dtype=torch.float32)
        size = trainer.config.train.size
        if size % self.pipeline.size_factor:
            raise ValueError(f"[train] size must be a multiple of {self.pipeline.size_factor} for the "
                             f"{self.family} family, got {size}.")
        self.pipeline.vae.requires_grad_(False).eval()

    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        return self.pipeline.encode_images(images.to(self.pipeline.dtype)).float()

    def flow_sigmas(self, samples: list[int], latent_hw: tuple[int, int], fixed: int | None) -> torch.Tensor:
        """Shifted sigmas in (0, 1), one per row (shared by the batch unless per-sample sharing)."""
        train = self.trainer.config.train
        count = 1 if train.timestep_sharing == "batch" else max(samples) + 1
        generator = self.trainer.generator
        if fixed is not None:
            u = torch.full((count,), fixed / 1000.0)
        elif train.flow_sampling == "uniform":
            u = torch.rand((count,), generator=generator)
        else:
            u = torch.sigmoid(torch.randn((count,), generator=generator))
        config = self.trainer.noise_scheduler.config
        if config.get("use_dynamic_shifting", False):
            sequence = latent_hw[0] * latent_hw[1] // 4
            shift = math.exp(_shift(self.trainer.noise_scheduler, sequence)["mu"])
        else:
            shift = float(config.get("shift", 1.0))
        sigma = shift * u / (1 + (shift - 1) * u)
        rows = torch.zeros(len(samples), dtype=torch.long) if count == 1 else torch.tensor(samples)
        return sigma[rows].clamp(1e-4, 1.0).to(self.trainer.device)

    def loss(self, examples, timestep: int | None = None) -> torch.Tensor:
        from engine.pipelines.train import weighted_mse

        trainer = self.trainer
        rows, images, is_out, weights, known = trainer.collate(examples)
        x0 = self.encode(images)
        lh, lw = x0.shape[-2:]
        weights = F.interpolate(weights, size=(lh, lw), mode="area")
        known = 1 - F.adaptive_max_pool2d(1 - known, (lh, lw))  # a latent is known only if all its pixels are
        samples = [r[0] for r in rows]
        noise = torch.randn(x0.shape, generator=trainer.generator).to(trainer.device)
        keep = is_out[:, None, None, None]
        if self.flow:
            sigma = self.flow_sigmas(samples, (lh, lw), timestep)
            s = sigma[:, None, None, None]
            x_t = torch.where(keep, (1 - s) * x0 + s * noise, x0)
            target = noise - x0
            t = sigma * 1000
        else:
            t = trainer._timesteps(samples, timestep)
            x_t = torch.where(keep, trainer.noise_scheduler.add_noise(x0, noise, t), x0)
            target = trainer.target(x0, noise, t)
        x_t = torch.lerp(x_t, x0, known)
        with trainer._autocast(), trainer._active(rows):
            prediction = self.pipeline._forward(x_t.to(self.pipeline.dtype), t, len(set(samples)))
        return weighted_mse(prediction, target, weights, is_out)
