"""Pixel-space Teamwork pipeline on a diffusers `UNet2DModel` (our small embedded base).

Folder layout (diffusers' DDPMPipeline layout): ``<base>/unet/`` (config.json +
diffusion_pytorch_model.safetensors) and ``<base>/scheduler/scheduler_config.json``. The
prediction type (epsilon or v_prediction) is read from the scheduler config.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from engine.pipelines.base import TeamworkPipeline

DEFAULT_SCHEDULER = {
    "_class_name": "DDIMScheduler",
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "prediction_type": "v_prediction",
    "clip_sample": False,
    "set_alpha_to_one": False,
    "timestep_spacing": "trailing",
}
"""Scheduler config for a freshly pretrained pixel base (cosine schedule, v-prediction)."""


class PixelUNetPipeline(TeamworkPipeline):
    family = "pixel_unet"
    latent_channels = 3

    def __init__(self, unet: nn.Module, scheduler_config: dict | None = None, teammates: list[str] = (),
                 teamwork=None, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32):
        super().__init__(unet, scheduler_config or DEFAULT_SCHEDULER, list(teammates), teamwork,
                         None, device, dtype)

    @property
    def size_factor(self) -> int:
        return 2 ** (len(self.denoiser.config.block_out_channels) - 1)

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        return self.denoiser(x, t).sample

    @staticmethod
    def load_base(folder: str | Path) -> tuple[nn.Module, dict]:
        """The UNet and scheduler config of a pixel base folder."""
        import json

        from diffusers import UNet2DModel

        folder = Path(folder)
        unet = UNet2DModel.from_pretrained(folder / "unet", use_safetensors=True)
        config_path = folder / "scheduler" / "scheduler_config.json"
        config = json.loads(config_path.read_text()) if config_path.exists() else dict(DEFAULT_SCHEDULER)
        return unet.eval().requires_grad_(False), config
