"""Validation during training: sample fixed held-out examples, save images, compute metrics."""

from __future__ import annotations

import logging

import numpy as np
import torch

from engine.pipelines.common import cpu_generator
from engine.tasks import encode

log = logging.getLogger(__name__)


def _png(path, image: torch.Tensor) -> None:
    import imageio.v3 as iio

    array = ((image[0].clamp(-1, 1) + 1) / 2 * 255).round().byte().permute(1, 2, 0).cpu().numpy()
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, np.ascontiguousarray(array))


def metric(component: str, estimate: torch.Tensor, truth: torch.Tensor) -> float:
    """Mean angular error in degrees for normals, else RMSE of the model images in [-1,1]."""
    if component == "normals":
        cos = (estimate * truth).sum(1).clamp(-1, 1)
        return float(torch.rad2deg(torch.acos(cos)).mean())
    return float(((encode(component, estimate) - encode(component, truth)) ** 2).mean().sqrt())


def make_pipeline(trainer):
    from engine.pipelines.head_expansion import HeadExpansionPipeline
    from engine.pipelines.pixel_unet import PixelUNetPipeline

    if getattr(trainer, "latent", None) is not None:
        return trainer.latent.pipeline
    if trainer.method == "head_expansion":
        return HeadExpansionPipeline(trainer.model, trainer.scheduler_config, trainer.teammates,
                                     trainer.device)
    if trainer.method == "pretrain":
        return PixelUNetPipeline(trainer.model, trainer.scheduler_config, ["image.out"], None, trainer.device)
    return PixelUNetPipeline(trainer.model, trainer.scheduler_config, trainer.teammates, trainer.teamwork,
                             trainer.device)


def validate(trainer) -> dict[str, float]:
    """Metrics averaged over ``validation_samples`` fixed examples; images under validation/step_N/."""
    out = trainer.config.output
    size = trainer.config.train.size
    generator = cpu_generator(trainer.config.train.seed + 12345)
    examples = trainer.data.batch(generator, out.validation_samples, size)
    folder = trainer.run_dir / "validation" / f"step_{trainer.step:07d}"
    scores: dict[str, list[float]] = {}
    pipe = make_pipeline(trainer)
    trainer.model.eval()
    try:
        with trainer.ema_weights(), torch.no_grad():
            for i, example in enumerate(examples):
                if trainer.method == "pretrain":
                    result = pipe({}, ["image"], steps=out.validation_steps, seed=i, size=(size, size))
                    _png(folder / f"{i}_image.png", encode("image", result.maps["image"]))
                    continue
                inputs = {c: x[None] for c, x in example.maps.items() if f"{c}.in" in trainer.teammates}
                wanted = [c for c in example.maps if f"{c}.out" in trainer.teammates]
                if not wanted:
                    continue
                result = pipe(inputs, wanted, steps=out.validation_steps, seed=i)
                for c, estimate in result.maps.items():
                    truth = example.maps[c][None]
                    scores.setdefault(f"val/{c}", []).append(metric(c, estimate, truth))
                    _png(folder / f"{i}_{c}.png", encode(c, estimate))
                    _png(folder / f"{i}_{c}_truth.png", encode(c, truth))
    finally:
        trainer.model.train()
    return {k: sum(v) / len(v) for k, v in scores.items()}
