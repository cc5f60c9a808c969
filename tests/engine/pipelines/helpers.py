"""Tiny Teamwork pipelines for tests: adapters randomised so they are never the identity."""

from __future__ import annotations

import torch

from engine.pipelines import PixelUNetPipeline
from engine.tasks import SVBRDF
from engine.teamwork import TeamworkConfig, adapt, trainable_parameters
from tests.tiny_models import tiny_unet2d


def randomise_adapters(model: torch.nn.Module, seed: int = 0, scale: float = 0.3) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in trainable_parameters(model):
            p.copy_(torch.randn(p.shape, generator=generator) * scale)


def pixel_pipeline(teammates=None, communication: bool = True, seed: int = 0, **kwargs) -> PixelUNetPipeline:
    teammates = list(teammates or SVBRDF.teammates())
    config = TeamworkConfig(tuple(teammates), lora_rank=4, profile="pixel", lora_communication=communication)
    model = adapt(tiny_unet2d(), config, seed=seed)
    randomise_adapters(model, seed)
    return PixelUNetPipeline(model, teammates=teammates, teamwork=config, **kwargs)


def svbrdf_inputs(size: tuple[int, int] = (16, 16), seed: int = 0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    h, w = size
    return {
        "image": torch.rand(1, 3, h, w, generator=generator),
        "halfway": torch.rand(1, 3, h, w, generator=generator) * 2 - 1,
    }


def export_tiny_svbrdf_model(folder):
    """A tiny SVBRDF model with random adapters in the embedded layout (adapter + ``base/``)."""
    return export_tiny_model(folder, SVBRDF.teammates())


def export_tiny_model(folder, teammates):
    """A tiny model of ``teammates`` with random adapters in the embedded layout (adapter + ``base/``)."""
    from engine.pipelines.export_model import save_base
    from engine.pipelines.pixel_unet import DEFAULT_SCHEDULER
    from engine.teamwork import save_checkpoint

    unet = tiny_unet2d(sample_size=8)
    save_base(unet, DEFAULT_SCHEDULER, folder / "base")
    config = TeamworkConfig(tuple(teammates), lora_rank=2, profile="pixel")
    model = adapt(unet, config, seed=0)
    randomise_adapters(model)
    save_checkpoint(model, config, folder / "adapter.safetensors")
    return folder
