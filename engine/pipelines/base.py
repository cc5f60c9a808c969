"""`TeamworkPipeline`: the family-independent ``__call__`` (diffusers' numbered stages).

A family subclass provides the denoiser forward (``_forward``), latent encode/decode and the size
factor; everything else — checking inputs, seeded noise, the Teamwork loop, tiling, tileable mode,
ensembling, progress and cancellation — lives here once.
"""

from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from engine.pipelines.common import (
    average_samples,
    circular_padding,
    cpu_generator,
    free_memory,
    make_scheduler,
    randn,
)
from engine.pipelines.loop import denoise
from engine.pipelines.tiling import TilePlan
from engine.progress import CancelToken, ProgressCallback
from engine.tasks import decode, encode, split_teammate

log = logging.getLogger(__name__)


@dataclass
class PipelineOutput:
    """Engine maps ``(1,C,H,W)`` float32 by component, averaged over samples, at the input size."""

    maps: dict[str, torch.Tensor]
    samples: dict[str, torch.Tensor] = field(default_factory=dict)
    """Per-sample engine maps ``(S,C,H,W)`` before averaging."""


def _part(progress: ProgressCallback | None, index: int, count: int) -> ProgressCallback | None:
    """Progress of part ``index`` of ``count`` equal parts, reported on the whole's scale."""
    if progress is None or count == 1:
        return progress
    return lambda step, total: progress(index * total + step, count * total)


class TeamworkPipeline:
    """Sampling with one base denoiser running all teammates of a Teamwork model."""

    family = "base"
    latent_channels = 3
    default_tile = 64
    """Default tile size in latent pixels."""

    def __init__(self, denoiser: nn.Module, scheduler_config: dict, teammates: list[str],
                 teamwork=None, vae: nn.Module | None = None,
                 device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> None:
        self.denoiser = denoiser
        self.vae = vae
        self.scheduler_config = dict(scheduler_config)
        self.teammates = list(teammates)
        for name in self.teammates:
            split_teammate(name)
        self.teamwork = teamwork
        self.device = torch.device(device)
        self.dtype = dtype
        self.to(self.device, dtype)

    # ---- family hooks -------------------------------------------------------------------------
    @property
    def size_factor(self) -> int:
        """Input sizes must be multiples of this many pixels."""
        return 1

    @property
    def latent_factor(self) -> int:
        """Image pixels per latent pixel."""
        return 1

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return images

    def decode_latents(self, latents: torch.Tensor) -> torch.Tensor:
        return latents

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        raise NotImplementedError

    def set_timesteps(self, scheduler, steps: int, latent_hw: tuple[int, int]) -> None:
        scheduler.set_timesteps(steps, device=self.device)

    # ---- shared machinery ---------------------------------------------------------------------
    def to(self, device: torch.device | str, dtype: torch.dtype | None = None) -> TeamworkPipeline:
        self.device = torch.device(device)
        self.dtype = dtype or self.dtype
        for module in (self.denoiser, self.vae):
            if module is None:
                continue
            module.to(self.device)
            if next(module.parameters()).dtype != self.dtype:
                module.to(dtype=self.dtype)
        return self

    def _active(self, rows: list[tuple[int, str]]):
        if self.teamwork is None:
            return contextlib.nullcontext()
        from engine.teamwork import active

        return active(self.denoiser, rows)

    def predict(self, x: torch.Tensor, t: torch.Tensor, names: list[str], outputs: int) -> torch.Tensor:
        """Model output for the last ``outputs`` teammates of ``x`` ``(N,T,C,h,w)``."""
        n, teammates = x.shape[:2]
        rows = [(i, name) for i in range(n) for name in names]
        flat = x.flatten(0, 1).to(self.dtype)
        timestep = t.to(self.device).expand(flat.shape[0]) if t.ndim == 0 else t
        with self._active(rows):
            out = self._forward(flat, timestep, n)
        return out.unflatten(0, (n, teammates))[:, teammates - outputs:]

    def check_inputs(self, inputs: dict[str, torch.Tensor], outputs: list[str],
                     tileable: bool) -> tuple[int, int]:
        if not outputs:
            raise ValueError("Request at least one output.")
        for name in outputs:
            if f"{name}.out" not in self.teammates:
                raise ValueError(f"This model has no '{name}' output; it estimates "
                                 f"{', '.join(self._names('out'))}.")
        sizes = set()
        for name, x in inputs.items():
            if f"{name}.in" not in self.teammates:
                reads = ", ".join(self._names("in"))
                raise ValueError(f"This model takes no '{name}' input; it reads {reads}.")
            if x.ndim != 4 or x.shape[0] != 1:
                raise ValueError(f"Input '{name}' must be a (1,C,H,W) tensor, got {tuple(x.shape)}.")
            sizes.add(tuple(x.shape[-2:]))
        if len(sizes) > 1:
            raise ValueError(f"All inputs must have the same size, got {sorted(sizes)}.")
        if not sizes:
            raise ValueError("Give the height and width when no input is provided.")
        h, w = sizes.pop()
        f = self.size_factor
        if tileable and (h % f or w % f):
            raise ValueError(
                f"Tileable output needs a width and height that are multiples of {f}, got {w}x{h}."
            )
        return h, w

    def _names(self, role: str) -> list[str]:
        return [split_teammate(t)[0] for t in self.teammates if split_teammate(t)[1] == role]

    @torch.no_grad()
    def __call__(
        self,
        inputs: dict[str, torch.Tensor],
        outputs: list[str] | None = None,
        *,
        steps: int = 20,
        scheduler: str | None = None,
        seed: int | None = 0,
        samples: int = 1,
        tile: int | None = None,
        overlap: int | None = None,
        tileable: bool = False,
        size: tuple[int, int] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        known: dict[str, torch.Tensor] | None = None,
        known_mask: torch.Tensor | None = None,
    ) -> PipelineOutput:
        """Estimate ``outputs`` (components, default all) from engine-map ``inputs`` (component -> map).

        ``tile``/``overlap`` in latent pixels enable tiled sampling when the canvas is larger than
        ``tile``; ``tileable`` makes outputs wrap seamlessly (circular padding, wrapping tiles).
        ``known`` (output component -> engine map) with ``known_mask`` ``(1,1,H,W)`` (1 = known pixel)
        inpaints: those outputs keep their known pixels exactly and are completed elsewhere.
        """
        # 1. check inputs
        outputs = list(outputs) if outputs is not None else self._names("out")
        if not inputs and size is not None:
            h, w = size
        else:
            h, w = self.check_inputs(inputs, outputs, tileable)
        f = self.size_factor
        ph, pw = math.ceil(h / f) * f, math.ceil(w / f) * f
        in_names = [n for n in self._names("in") if n in inputs]
        names = [f"{n}.in" for n in in_names] + [f"{n}.out" for n in outputs]
        generator = cpu_generator(seed)
        wrap = tileable
        try:
            with circular_padding(self.denoiser, self.vae) if tileable else contextlib.nullcontext():
                # 2. encode inputs
                lh, lw = ph // self.latent_factor, pw // self.latent_factor
                tile_size = tile or self.default_tile
                tiles = None
                if max(lh, lw) > tile_size:
                    shared = overlap if overlap is not None else tile_size // 4
                    tiles = TilePlan(lh, lw, tile_size, shared, wrap)
                clean = [self._encode(n, inputs[n], ph, pw, tiles) for n in in_names]
                clean_t = (torch.stack(clean, dim=0)[None] if clean else
                           torch.zeros((1, 0, self.latent_channels, lh, lw), device=self.device))
                clean_t = clean_t.expand(samples, *clean_t.shape[1:])
                # 3. prepare latents
                noise = randn((samples, len(outputs), self.latent_channels, lh, lw), generator,
                              self.device, torch.float32)
                held = self._known_latents(known, known_mask, outputs, (h, w), (ph, pw), tiles)
                # 4.-5. timesteps and denoising loop; a tiled (large) canvas denoises one sample at a
                # time so that peak memory does not grow with the number of samples averaged
                groups = ([slice(k, k + 1) for k in range(samples)] if tiles is not None
                          else [slice(0, samples)])
                parts = []
                for g, group in enumerate(groups):
                    sched = make_scheduler(self.scheduler_config, scheduler)
                    self.set_timesteps(sched, steps, (lh, lw))
                    parts.append(denoise(
                        lambda x, t: self.predict(x, t, names, len(outputs)), sched, clean_t[group],
                        noise[group], tiles=tiles, progress=_part(progress, g, len(groups)), cancel=cancel,
                        generator=generator, known=held,
                    ))
                latents = torch.cat(parts) if len(parts) > 1 else parts[0]
                del parts
                # 6. decode
                per_sample = {}
                for k, name in enumerate(outputs):
                    images = self._decode(latents[:, k], tiles)
                    per_sample[name] = decode(name, images[..., :h, :w].float().cpu())
                    if known and name in known:  # known pixels come back exactly as given
                        per_sample[name] = torch.lerp(per_sample[name], known[name].float().cpu(),
                                                      known_mask.float().cpu())
        finally:
            free_memory(self.device)
        # 7. output
        return PipelineOutput(maps=average_samples(per_sample), samples=per_sample)

    def _known_latents(self, known: dict[str, torch.Tensor] | None, known_mask: torch.Tensor | None,
                       outputs: list[str], size: tuple[int, int], padded: tuple[int, int],
                       tiles: TilePlan | None) -> tuple[torch.Tensor, torch.Tensor] | None:
        """(latents (1,O,C,h,w), keep (1,O,1,h,w)) of the known outputs, or None when not inpainting."""
        if not known:
            return None
        if known_mask is None or known_mask.ndim != 4 or tuple(known_mask.shape[-2:]) != size:
            raise ValueError(
                f"Inpainting needs a (1,1,H,W) known_mask of the input size {size[1]}x{size[0]}.")
        unknown = sorted(set(known) - set(outputs))
        if unknown:
            raise ValueError(f"Known maps given for components that are not outputs: {', '.join(unknown)}.")
        (h, w), (ph, pw) = size, padded
        mask = F.pad(known_mask.float().to(self.device), (0, pw - w, 0, ph - h))  # padding is unknown
        lh, lw = ph // self.latent_factor, pw // self.latent_factor
        # a latent pixel is held only when every image pixel under it is known
        mask = 1 - F.adaptive_max_pool2d(1 - mask, (lh, lw))
        latents, keep = [], []
        for name in outputs:
            if name in known:
                if tuple(known[name].shape[-2:]) != size:
                    raise ValueError(f"The known {name} map must be {w}x{h}.")
                latents.append(self._encode(name, known[name], ph, pw, tiles))
                keep.append(mask[0])
            else:
                latents.append(torch.zeros((self.latent_channels, lh, lw), device=self.device))
                keep.append(torch.zeros_like(mask[0]))
        return torch.stack(latents)[None], torch.stack(keep)[None]

    def _encode(self, name: str, x: torch.Tensor, ph: int, pw: int, tiles: TilePlan | None) -> torch.Tensor:
        image = encode(name, x.to(self.device))
        h, w = image.shape[-2:]
        if (ph, pw) != (h, w):
            image = F.pad(image, (0, pw - w, 0, ph - h), mode="replicate")
        return self.encode_images(image.to(self.dtype)).float()[0]

    def _decode(self, latents: torch.Tensor, tiles: TilePlan | None) -> torch.Tensor:
        return self.decode_latents(latents.to(self.dtype)).float()

    @classmethod
    def scheduler_from(cls, name: str | None, config: dict):
        return make_scheduler(config, name)
