"""A tiny end-to-end check used by ``teamwork-studio selftest``: no trained weights needed.

It builds a small random pixel UNet, adapts it with Teamwork for the SVBRDF task (random, non-zero
adapters so coordination is exercised), samples a few steps from a rendered procedural photo and
renders the estimate under a flash. It proves the stack runs here, not that the result is good.
"""

from __future__ import annotations

import torch

from engine.materials import halfway_map, render_flash
from engine.tasks import SVBRDF


def tiny_estimate(
    size: int = 32, steps: int = 2, seed: int = 0, device: str = "cpu"
) -> dict[str, torch.Tensor]:
    from diffusers import UNet2DModel

    from engine.pipelines import PixelUNetPipeline
    from engine.teamwork import TeamworkConfig, adapt

    torch.manual_seed(seed)
    unet = UNet2DModel(
        sample_size=size, in_channels=3, out_channels=3, layers_per_block=1,
        block_out_channels=(16, 32), norm_num_groups=8,
        down_block_types=("DownBlock2D", "AttnDownBlock2D"), up_block_types=("AttnUpBlock2D", "UpBlock2D"),
    ).eval()
    config = TeamworkConfig(teammates=tuple(SVBRDF.teammates()), lora_rank=4, profile="pixel")
    adapted = adapt(unet, config)
    with torch.no_grad():
        for name, parameter in adapted.named_parameters():
            if name.endswith("adapter.up"):
                parameter.normal_(0.0, 0.02)
    flat = torch.zeros(1, 3, size, size)
    flat[:, 2] = 1.0
    photo_maps = {
        "diffuse": torch.full((1, 3, size, size), 0.5),
        "specular": torch.full((1, 3, size, size), 0.04),
        "roughness": torch.full((1, 1, size, size), 0.4),
        "normals": flat,
    }
    photo = render_flash(photo_maps, fov_degrees=45.0).clamp(0, 1)
    pipeline = PixelUNetPipeline(adapted, teammates=SVBRDF.teammates(), teamwork=config, device=device)
    inputs = {"image": photo, "halfway": halfway_map(size, size, 45.0)[None]}
    estimate = pipeline(inputs, steps=steps, seed=seed).maps
    estimate["render"] = render_flash(estimate, fov_degrees=45.0)
    return estimate
