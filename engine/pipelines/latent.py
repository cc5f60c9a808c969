"""Latent families: SD2 / SDXL (`UNet2DConditionModel`), SD3 (flow matching) and Flux (packed latents).

Shared: a VAE with deterministic encoding (the latent distribution's mode), scaling and shift
factors, tiled VAE encode/decode for large images, and the cached empty-prompt embedding (the text
encoders are never loaded by sampling). Each family only adds its denoiser call.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch
from torch import nn

from engine.pipelines.base import TeamworkPipeline
from engine.pipelines.tiling import tiled_map

log = logging.getLogger(__name__)

VAE_TILE = 512
"""Image pixels per VAE tile (encode and decode)."""


class LatentPipeline(TeamworkPipeline):
    """A Teamwork pipeline whose teammates live in a VAE's latent space."""

    default_tile = 96

    def __init__(self, denoiser: nn.Module, vae: nn.Module, scheduler_config: dict, teammates: list[str],
                 prompt: dict[str, torch.Tensor], teamwork=None, device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__(denoiser, scheduler_config, teammates, teamwork, vae, device, dtype)
        self.prompt = {k: v.to(self.device, self.dtype) for k, v in prompt.items()}

    @property
    def latent_channels(self) -> int:  # type: ignore[override]
        return self.vae.config.latent_channels

    @property
    def latent_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def size_factor(self) -> int:
        return self.latent_factor * self.denoiser_factor

    @property
    def denoiser_factor(self) -> int:
        return 1

    def _scale(self) -> tuple[float, float]:
        config = self.vae.config
        return float(config.scaling_factor), float(getattr(config, "shift_factor", None) or 0.0)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        scale, shift = self._scale()

        def encode(x: torch.Tensor) -> torch.Tensor:
            return (self.vae.encode(x).latent_dist.mode() - shift) * scale

        return tiled_map(encode, images, VAE_TILE, VAE_TILE // 8, 1 / self.latent_factor)

    def decode_latents(self, latents: torch.Tensor) -> torch.Tensor:
        scale, shift = self._scale()
        tile = VAE_TILE // self.latent_factor

        def decode(z: torch.Tensor) -> torch.Tensor:
            return self.vae.decode(z / scale + shift).sample

        return tiled_map(decode, latents, tile, tile // 8, self.latent_factor)

    def _embeds(self, rows: int) -> torch.Tensor:
        embeds = self.prompt["prompt_embeds"]
        return embeds.expand(rows, *embeds.shape[1:])

    def _pooled(self, rows: int) -> torch.Tensor:
        pooled = self.prompt["pooled"]
        return pooled.expand(rows, *pooled.shape[1:])


class SD2Pipeline(LatentPipeline):
    family = "sd2"

    @property
    def denoiser_factor(self) -> int:
        return 2 ** (len(self.denoiser.config.block_out_channels) - 1)

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        return self.denoiser(x, t, encoder_hidden_states=self._embeds(x.shape[0])).sample


class SDXLPipeline(SD2Pipeline):
    """SDXL: adds the pooled text embedding and the size conditioning (original, crop, target)."""

    family = "sdxl"

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        h, w = x.shape[-2] * self.latent_factor, x.shape[-1] * self.latent_factor
        time_ids = torch.tensor([h, w, 0, 0, h, w], device=x.device, dtype=x.dtype).expand(x.shape[0], 6)
        cond = {"text_embeds": self._pooled(x.shape[0]), "time_ids": time_ids}
        embeds = self._embeds(x.shape[0])
        return self.denoiser(x, t, encoder_hidden_states=embeds, added_cond_kwargs=cond).sample


def _shift(scheduler, sequence: int) -> dict:
    """``mu`` for schedulers with resolution-dependent shifting (Flux's formula)."""
    config = scheduler.config
    if not getattr(config, "use_dynamic_shifting", False):
        return {}
    lo, hi = config.get("base_image_seq_len", 256), config.get("max_image_seq_len", 4096)
    s_lo, s_hi = config.get("base_shift", 0.5), config.get("max_shift", 1.15)
    slope = (s_hi - s_lo) / (hi - lo)
    return {"mu": sequence * slope + s_lo - slope * lo}


class SD3Pipeline(LatentPipeline):
    """SD3: flow matching; the transformer patchifies the latent itself."""

    family = "sd3"

    @property
    def denoiser_factor(self) -> int:
        return int(self.denoiser.config.patch_size)

    def set_timesteps(self, scheduler, steps: int, latent_hw: tuple[int, int]) -> None:
        sequence = latent_hw[0] * latent_hw[1] // self.denoiser_factor**2
        scheduler.set_timesteps(steps, device=self.device, **_shift(scheduler, sequence))

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        rows = x.shape[0]
        return self.denoiser(hidden_states=x, timestep=t, encoder_hidden_states=self._embeds(rows),
                             pooled_projections=self._pooled(rows)).sample


class FluxPipeline(LatentPipeline):
    """Flux: latents packed 2x2 into tokens, rotary position ids, optional guidance embedding."""

    family = "flux"
    guidance = 3.5

    @property
    def latent_channels(self) -> int:  # type: ignore[override]
        return self.denoiser.config.in_channels // 4

    @property
    def denoiser_factor(self) -> int:
        return 2

    def set_timesteps(self, scheduler, steps: int, latent_hw: tuple[int, int]) -> None:
        import numpy as np

        sequence = latent_hw[0] * latent_hw[1] // 4
        sigmas = np.linspace(1.0, 1 / steps, steps)
        scheduler.set_timesteps(steps, device=self.device, sigmas=sigmas, **_shift(scheduler, sequence))

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        rows, c, h, w = x.shape
        packed = x.view(rows, c, h // 2, 2, w // 2, 2).permute(0, 2, 4, 1, 3, 5).reshape(rows, -1, c * 4)
        img_ids = torch.zeros(h // 2, w // 2, 3, device=x.device, dtype=x.dtype)
        img_ids[..., 1] = torch.arange(h // 2, device=x.device)[:, None]
        img_ids[..., 2] = torch.arange(w // 2, device=x.device)[None, :]
        embeds = self._embeds(rows)
        txt_ids = torch.zeros(embeds.shape[1], 3, device=x.device, dtype=x.dtype)
        guidance = None
        if self.denoiser.config.guidance_embeds:
            guidance = torch.full((rows,), self.guidance, device=x.device, dtype=x.dtype)
        out = self.denoiser(hidden_states=packed, timestep=t / 1000, guidance=guidance,
                            pooled_projections=self._pooled(rows), encoder_hidden_states=embeds,
                            txt_ids=txt_ids, img_ids=img_ids.reshape(-1, 3)).sample
        return out.view(rows, h // 2, w // 2, c, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(rows, c, h, w)


FAMILIES = {"sd2": SD2Pipeline, "sdxl": SDXLPipeline, "sd3": SD3Pipeline, "flux": FluxPipeline}


def load_latent_base(base: Path, family: str, dtype: torch.dtype):
    """(denoiser, parts for ``engine.pipelines.load``) of a local diffusers folder; no network."""
    import diffusers

    from engine.pipelines.load import ModelLoadError
    from engine.pipelines.prompts import empty_prompt

    sub = "unet" if family in ("sd2", "sdxl") else "transformer"
    for folder in (sub, "vae", "scheduler"):
        if not (base / folder).is_dir():
            raise ModelLoadError(f"The {family} base folder {base} has no {folder}/ folder.")
    try:
        config = json.loads((base / sub / "config.json").read_text())
        denoiser = getattr(diffusers, config["_class_name"]).from_pretrained(base / sub, torch_dtype=dtype)
        vae = diffusers.AutoencoderKL.from_pretrained(base / "vae", torch_dtype=dtype)
    except (OSError, KeyError, ValueError) as error:
        raise ModelLoadError(f"Cannot load the {family} base in {base}: {error}") from None
    scheduler = json.loads((base / "scheduler" / "scheduler_config.json").read_text())
    prompt = empty_prompt(base, family)
    cls = FAMILIES[family]

    def build(model, teamwork, device, dtype, **kwargs):
        return cls(model, vae, scheduler, list(teamwork.teammates), prompt, teamwork, device, dtype)

    return denoiser.eval().requires_grad_(False), {"pipeline": build, "kwargs": {}}


def _register() -> None:
    from engine.pipelines.load import register_loader

    for family in FAMILIES:
        register_loader(family, lambda base, dtype, family=family: load_latent_base(base, family, dtype))


_register()

