"""Joint material inpainting and Make tileable: repair a photo and all its maps in one pass.

``inpaint(maps, mask, options)`` fills the pixels where ``mask`` is 1 in every map at once. With a
Teamwork inpainting model (task ``inpaint``: ``mask.in`` + the photo and its SVBRDF maps as output
teammates) known pixels are held clean at every denoising step and the hole is denoised jointly,
so the repaired photo, diffuse, specular, roughness and normals agree. Maps the model does not write
(e.g. intrinsic layers), ``model = "telea"`` and ``"auto"`` without a shipped model use OpenCV's
Telea inpainting per map (the classical baseline; no model needed). Only the bounding box of the
hole plus a context margin is sampled.

``make_tileable(maps, options)`` rolls every map by half its size, so the wrap seams cross the
middle, inpaints a band around them (rows, then columns), and rolls back: the set tiles seamlessly
and the centre of the photo is untouched.

Maps are engine maps ``HxWxC`` float32 (docs/architecture/contracts.md), all of one size.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from engine.progress import CancelToken, ProgressCallback

log = logging.getLogger(__name__)

TELEA = "telea"
_RADIUS = 5


@dataclass
class InpaintOptions:
    model: str = "auto"
    """``"auto"`` (the embedded model when shipped, else Telea with a warning), ``"embedded"``, a path
    to a Teamwork inpainting ``.safetensors`` file, or ``"telea"``."""
    base: str | None = None
    steps: int = 20
    seed: int | None = 0
    samples: int = 1
    device: str = "auto"
    scheduler: str | None = None
    margin: int | None = None
    """Context pixels sampled around the hole (default: the model's training size)."""
    band: int | None = None
    """Make tileable: width of the repaired seam band in pixels (default: 1/8 of the shorter side)."""
    tile: int | None = None
    dtype: str = "auto"
    offload: str = "none"
    """CPU offload for large bases (see EstimateOptions)."""


@dataclass
class InpaintResult:
    maps: dict[str, np.ndarray]
    method: str
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _check(maps: dict[str, np.ndarray], mask: np.ndarray | None = None) -> tuple[int, int]:
    if not maps:
        raise ValueError("Give at least one map to inpaint.")
    sizes = set()
    for name, x in maps.items():
        if not isinstance(x, np.ndarray) or x.ndim != 3 or x.shape[2] not in (1, 3):
            shape = getattr(x, "shape", None)
            raise ValueError(f"The {name} map must be an HxWx1 or HxWx3 array, got {shape}.")
        if not np.isfinite(x).all():
            raise ValueError(f"The {name} map contains NaN or infinite values.")
        sizes.add(x.shape[:2])
    if len(sizes) > 1:
        raise ValueError(f"All maps must have the same size, got {sorted(sizes)}.")
    size = sizes.pop()
    if min(size) < 8:
        raise ValueError(f"The maps are too small ({size[1]}x{size[0]}); use at least 8x8 pixels.")
    if mask is not None:
        if mask.ndim == 3:
            mask = mask[..., 0]
        if mask.shape != size:
            raise ValueError(
                f"The mask is {mask.shape[1]}x{mask.shape[0]} but the maps are {size[1]}x{size[0]}.")
    return size


def telea(maps: dict[str, np.ndarray], mask: np.ndarray, progress: ProgressCallback | None = None,
          cancel: CancelToken | None = None) -> dict[str, np.ndarray]:
    """OpenCV Telea inpainting of every channel of every map (normals renormalised); progress per map."""
    import cv2

    hole = (np.asarray(mask).reshape(mask.shape[0], mask.shape[1], -1)[..., 0] > 0.5).astype(np.uint8)
    known = hole == 0
    out = {}
    for index, (name, x) in enumerate(maps.items()):
        if cancel is not None:
            cancel.raise_if_cancelled()
        channels = []
        for c in range(x.shape[2]):
            # 16-bit: OpenCV's Telea is wrong on float images; the known range maps to 0..65535
            values = x[..., c][known] if known.any() else np.zeros(1, np.float32)
            lo, hi = float(values.min()), float(values.max())
            span = max(hi - lo, 1e-12)
            quantised = np.round((np.clip(x[..., c], lo, hi) - lo) / span * 65535).astype(np.uint16)
            filled = cv2.inpaint(quantised, hole, _RADIUS, cv2.INPAINT_TELEA).astype(np.float32)
            channels.append(np.where(known, x[..., c], filled / 65535 * span + lo))
        filled = np.stack(channels, axis=-1)
        if name == "normals":
            unit = filled / np.maximum(np.linalg.norm(filled, axis=-1, keepdims=True), 1e-6)
            filled = np.where(known[..., None], x, unit)
        out[name] = filled.astype(np.float32)
        if progress is not None:
            progress(index + 1, len(maps))
    return out


def _box(hole: np.ndarray, margin: int) -> tuple[slice, slice] | None:
    rows, cols = np.nonzero(hole)
    if rows.size == 0:
        return None
    h, w = hole.shape
    return (slice(max(0, rows.min() - margin), min(h, rows.max() + 1 + margin)),
            slice(max(0, cols.min() - margin), min(w, cols.max() + 1 + margin)))


def inpaint(maps: dict[str, np.ndarray], mask: np.ndarray, options: InpaintOptions | None = None,
            progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
            cache=None) -> InpaintResult:
    """Fill ``mask`` (HxW or HxWx1, 1 = fill) in every map; the maps outside the hole are unchanged."""
    options = options or InpaintOptions()
    started = time.perf_counter()
    size = _check(maps, mask)
    hole = np.asarray(mask, np.float32).reshape(*size, -1)[..., 0] > 0.5
    warnings: list[str] = []
    out = {name: np.array(x, np.float32, copy=True) for name, x in maps.items()}
    if not hole.any():
        return InpaintResult(out, "none", {"total": time.perf_counter() - started}, ["The mask is empty."])
    if options.model == "auto":
        from engine.pipelines.estimate import embedded_model_available

        if embedded_model_available("inpaint"):
            options = replace(options, model="embedded")
        else:
            options = replace(options, model=TELEA)
            warnings.append("No embedded inpainting model is shipped with this build; "
                            "used OpenCV Telea inpainting.")
    if options.model == TELEA:
        out = telea(maps, hole, progress, cancel)
        return InpaintResult(out, TELEA, {"total": time.perf_counter() - started}, warnings)
    pipeline = _load(options, cache)
    teammate_maps = [n for n in maps if f"{n}.out" in pipeline.teammates]
    others = [n for n in maps if n not in teammate_maps]
    if others:
        warnings.append(f"The inpainting model does not write {', '.join(others)}; "
                        "those maps were filled with OpenCV Telea.")
        out |= telea({n: maps[n] for n in others}, hole)
    if teammate_maps:
        margin = options.margin if options.margin is not None else _training_size(pipeline)
        rows, cols = _box(hole, margin)
        crop = {n: maps[n][rows, cols] for n in teammate_maps}
        filled = _sample(pipeline, crop, hole[rows, cols], options, progress, cancel)
        for n in teammate_maps:
            out[n][rows, cols] = np.where(hole[rows, cols, None], filled[n], maps[n][rows, cols])
    return InpaintResult(out, "teamwork", {"total": time.perf_counter() - started}, warnings)


def make_tileable(maps: dict[str, np.ndarray], options: InpaintOptions | None = None,
                  progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                  cache=None) -> InpaintResult:
    """Make every map tile seamlessly: roll by half, inpaint the seam band (rows, then columns), roll back."""
    from engine.data.masks import seam_band_mask

    options = options or InpaintOptions()
    started = time.perf_counter()
    h, w = _check(maps)
    band = options.band or max(8, min(h, w) // 8)
    if band >= min(h, w) // 2:
        raise ValueError(f"The seam band ({band} px) must be narrower than half the texture ({w}x{h}).")
    shift = (h // 2, w // 2)
    rolled = {n: np.roll(x, shift, axis=(0, 1)) for n, x in maps.items()}
    cross = seam_band_mask(h, w, band)[0].numpy() > 0.5
    rows_band = np.zeros_like(cross)
    y0 = max(0, h // 2 - band // 2)
    rows_band[y0:y0 + band] = True
    passes = [rows_band, cross & ~rows_band]
    warnings: list[str] = []
    method = "none"

    def part(k: int) -> ProgressCallback | None:
        if progress is None:
            return None
        return lambda step, total: progress(k * total + step, len(passes) * total)

    for k, hole in enumerate(passes):
        result = inpaint(rolled, hole.astype(np.float32), options, part(k), cancel, cache)
        rolled, method = result.maps, result.method
        warnings += [w for w in result.warnings if w not in warnings]
    out = {n: np.roll(x, (-shift[0], -shift[1]), axis=(0, 1)) for n, x in rolled.items()}
    return InpaintResult(out, method, {"total": time.perf_counter() - started}, warnings)


def seam_steps(x: np.ndarray) -> tuple[float, float]:
    """(mean absolute step across the wrap seams, mean absolute step between interior neighbours).

    A map tiles seamlessly when the first is no larger than the second.
    """
    x = np.asarray(x, np.float64)
    wrap = np.concatenate([np.abs(x[0] - x[-1]).ravel(), np.abs(x[:, 0] - x[:, -1]).ravel()]).mean()
    interior = np.concatenate([np.abs(np.diff(x, axis=0)).ravel(), np.abs(np.diff(x, axis=1)).ravel()]).mean()
    return float(wrap), float(interior)


# ---- the Teamwork path --------------------------------------------------------------------------
def _load(options: InpaintOptions, cache):
    from engine.pipelines.estimate import EstimateOptions, load_pipeline

    pipeline = load_pipeline(EstimateOptions(task="inpaint", model=options.model, base=options.base,
                                             device=options.device, dtype=options.dtype,
                                             offload=options.offload), cache)
    if "mask.in" not in pipeline.teammates:
        name = Path(options.model).name
        raise ValueError(f"{name} is not an inpainting model (it has no mask.in teammate).")
    return pipeline


def _training_size(pipeline) -> int:
    size = getattr(pipeline.denoiser.config, "sample_size", 64)
    return int(size if isinstance(size, int) else size[0])


def _sample(pipeline, maps: dict[str, np.ndarray], hole: np.ndarray, options: InpaintOptions,
            progress: ProgressCallback | None, cancel: CancelToken | None) -> dict[str, np.ndarray]:
    from engine.pipelines.train_data import normalize_exposure

    def tensor(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(x, np.float32)).permute(2, 0, 1)[None]

    known = {n: tensor(x) for n, x in maps.items()}
    keep = torch.from_numpy((~hole).astype(np.float32))[None, None]
    scale = None
    if "image" in known:  # the model saw exposure-normalised photos; measure on known pixels only
        photo = known["image"]
        visible = photo * keep
        scale = (normalize_exposure(visible).amax() / visible.amax().clamp_min(1e-6)).item()
        known["image"] = photo * scale
    tile = options.tile or 2 * _training_size(pipeline)
    result = pipeline({"mask": 1 - keep}, list(known), steps=options.steps, scheduler=options.scheduler,
                      seed=options.seed, samples=options.samples, tile=tile, progress=progress,
                      cancel=cancel, known=known, known_mask=keep)
    out = {n: x[0].permute(1, 2, 0).numpy().astype(np.float32) for n, x in result.maps.items()}
    if scale is not None:
        out["image"] = out["image"] / scale
    return out
