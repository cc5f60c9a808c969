"""The Teamwork denoising loop shared by every family.

The canvas holds, per sample, one latent per active teammate: inputs first, then outputs. At every
step the input teammates get their *clean* latent and the same timestep as the outputs; only the
outputs are stepped by the diffusers scheduler. With a :class:`TilePlan` the prediction is made tile
by tile and blended before the (whole-canvas) scheduler step, so tiles agree at every step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch

from engine.pipelines.tiling import TilePlan, map_tiles
from engine.progress import CancelToken, ProgressCallback

log = logging.getLogger(__name__)

Predict = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``predict(x (N,T,C,h,w), t) -> (N,O,C,h,w)``: the model output for the O output teammates."""


def denoise(
    predict: Predict,
    scheduler,
    clean: torch.Tensor,
    noise: torch.Tensor,
    *,
    tiles: TilePlan | None = None,
    tile_batch: int = 4,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    generator: torch.Generator | None = None,
    known: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """Run the scheduler's timesteps (already set) and return the clean output latents.

    ``clean``: ``(S, I, C, h, w)`` input-teammate latents (I may be 0); ``noise``: ``(S, O, C, h, w)``.
    ``known``: ``(latents (S, O, C, h, w), keep (S|1, O, 1, h, w))`` for inpainting: where ``keep`` is
    1 the outputs are held at these clean latents at every step (as in training), elsewhere denoised.
    Returns ``(S, O, C, h, w)`` float32. Raises :class:`engine.progress.Cancelled` between steps.
    """
    samples, outputs = noise.shape[:2]
    latents = (noise.float() * getattr(scheduler, "init_noise_sigma", 1.0)).flatten(0, 1)
    clean = clean.float()
    if known is not None:
        known_latents = known[0].float().expand(samples, -1, -1, -1, -1).flatten(0, 1)
        keep = known[1].float().expand(samples, outputs, -1, -1, -1).flatten(0, 1)
    timesteps = scheduler.timesteps
    total = len(timesteps)
    for step, t in enumerate(timesteps):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if known is not None:
            latents = torch.lerp(latents, known_latents, keep)
        model_in = latents
        if hasattr(scheduler, "scale_model_input"):
            model_in = scheduler.scale_model_input(latents, t)
        x = torch.cat([clean, model_in.unflatten(0, (samples, outputs))], dim=1)
        if tiles is None:
            prediction = predict(x, t)
        else:
            prediction = map_tiles(tiles, lambda pieces, t=t: predict(pieces, t), x, tile_batch)
        step_out = scheduler.step(prediction.flatten(0, 1).float(), t, latents, generator=generator)
        latents = step_out.prev_sample
        if progress is not None:
            progress(step + 1, total)
    if known is not None:
        latents = torch.lerp(latents, known_latents, keep)
    return latents.unflatten(0, (samples, outputs))
