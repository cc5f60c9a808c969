"""Cases for the Teamwork tests: one entry per diffusers family, with inputs and a forward call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from tests import tiny_models

TEAM = ("image.in", "halfway.in", "diffuse.out", "normals.out")


@dataclass(frozen=True)
class Family:
    name: str
    profile: str
    build: Callable[[], nn.Module]
    make_input: Callable[[int, int], torch.Tensor]  # (batch, seed) -> the denoiser's main input
    call: Callable[[nn.Module, torch.Tensor], torch.Tensor]
    num_layers: int  # layers the profile adapts in the tiny model


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _call_pixel(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return model(x, 10).sample


def _call_unet(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    b = x.shape[0]
    return model(x, 10, encoder_hidden_states=torch.ones(b, 3, 12) * 0.1).sample


def _call_sdxl(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    b = x.shape[0]
    added = {"text_embeds": torch.ones(b, 12) * 0.1, "time_ids": torch.ones(b, 6) * 0.5}
    return model(x, 10, encoder_hidden_states=torch.ones(b, 3, 12) * 0.1, added_cond_kwargs=added).sample


def _call_sd3(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    b = x.shape[0]
    return model(
        hidden_states=x,
        encoder_hidden_states=torch.ones(b, 3, 12) * 0.1,
        pooled_projections=torch.ones(b, 10) * 0.1,
        timestep=torch.full((b,), 10.0),
    ).sample


def _call_flux(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    b, tokens = x.shape[:2]
    ids = torch.stack(
        torch.meshgrid(torch.zeros(1), torch.arange(4.0), torch.arange(tokens / 4), indexing="ij")
    )
    return model(
        hidden_states=x,
        encoder_hidden_states=torch.ones(b, 3, 12) * 0.1,
        pooled_projections=torch.ones(b, 10) * 0.1,
        timestep=torch.full((b,), 0.5),
        img_ids=ids.reshape(3, -1).T,
        txt_ids=torch.zeros(3, 3),
    ).sample


FAMILIES = {
    f.name: f
    for f in (
        Family(
            "pixel",
            "pixel",
            tiny_models.tiny_unet2d,
            lambda b, s: torch.randn(b, 3, 16, 16, generator=_gen(s)),
            _call_pixel,
            29,
        ),
        Family(
            "sd2",
            "SD2",
            lambda: tiny_models.tiny_unet_condition("sd2"),
            lambda b, s: torch.randn(b, 4, 8, 8, generator=_gen(s)),
            _call_unet,
            35,
        ),
        Family(
            "sdxl",
            "SDXL",
            lambda: tiny_models.tiny_unet_condition("sdxl"),
            lambda b, s: torch.randn(b, 4, 8, 8, generator=_gen(s)),
            _call_sdxl,
            53,
        ),
        Family(
            "sd3",
            "SD3",
            tiny_models.tiny_sd3,
            lambda b, s: torch.randn(b, 4, 8, 8, generator=_gen(s)),
            _call_sd3,
            14,
        ),
        Family(
            "flux",
            "FLUX",
            tiny_models.tiny_flux,
            lambda b, s: torch.randn(b, 16, 4, generator=_gen(s)),
            _call_flux,
            13,
        ),
    )
}


def randomize_adapters(model: nn.Module, seed: int = 0, scale: float = 0.3) -> None:
    """Give every adapter a non-zero U and bias so that tests can fail."""
    from engine.teamwork import adapted_layers

    gen = _gen(seed)
    with torch.no_grad():
        for layer in adapted_layers(model).values():
            for p in layer.adapter.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * scale)
