"""``estimate(photo, options)``: one photo in, material maps out (the app's and CLI's entry point).

Embedded models live in ``assets/models/<task>/`` in the layout written by training
(``engine.pipelines.export_model``): ``adapter.safetensors`` (official Teamwork format),
``model.json`` and ``base/`` (diffusers pixel UNet folder). A task folder without ``base/`` uses the
shared ``assets/models/base/``. When the adapter is absent, :class:`ModelNotAvailable` says so.

The photo (linear RGB) is downscaled to ``max_size`` (longest side), exposure-normalised like the
training data, paired with the halfway map of ``fov_degrees`` when the task reads one, and sampled
(tiled above the model's tile size). Maps come back at the processed size as HxWxC float32.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine.progress import CancelToken, ProgressCallback

log = logging.getLogger(__name__)

DEFAULT_FOV = 45.0


class ModelNotAvailable(RuntimeError):
    """The requested model (usually an embedded one) is not on this machine."""


@dataclass
class EstimateOptions:
    task: str = "svbrdf"
    model: str = "embedded"
    """``"embedded"`` or a path to a Teamwork ``.safetensors`` adapter file."""
    base: str | None = None
    """Local diffusers folder of the base model (needed for an adapter file without ``base/`` beside it)."""
    fov_degrees: float | None = None
    steps: int = 10
    """Denoising steps; 10 chosen by measurement (benchmarks/sampling_defaults.py: 20 adds nothing)."""
    seed: int | None = 0
    samples: int = 2
    """Samples averaged (normals renormalised); 2 chosen by measurement: re-render error -17 % vs 1."""
    tileable: bool = False
    max_size: int | None = 1024
    device: str = "auto"
    outputs: list[str] | None = None
    scheduler: str | None = None
    tile: int | None = None
    """Tile size in latent pixels (default: twice the model's training size)."""
    offload: str = "none"
    """CPU offload for large bases on small GPUs: ``none``, ``model`` or ``sequential`` (see
    ``engine.pipelines.offload``)."""
    dtype: str = "auto"
    """``auto`` (fp32 on CPU, bf16/fp16 on CUDA), ``fp32``, ``fp16`` or ``bf16``."""
    gguf: str | None = None
    """A GGUF-quantised Flux transformer file used instead of the base folder's (``gguf`` extra)."""


@dataclass
class EstimateResult:
    maps: dict[str, np.ndarray]
    task: str
    model: str
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class ModelCache:
    """Keeps loaded pipelines warm between calls (keyed by model, base and load options); thread-safe."""

    def __init__(self, max_models: int = 2) -> None:
        self.max_models = max_models
        self._models: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, loader):
        with self._lock:
            if key in self._models:
                self._models[key] = self._models.pop(key)  # most recent last
                return self._models[key]
        pipeline = loader()
        with self._lock:
            self._models[key] = pipeline
            while len(self._models) > self.max_models:
                self._models.pop(next(iter(self._models)))
        return pipeline

    def clear(self) -> None:
        with self._lock:
            self._models.clear()

    def __len__(self) -> int:
        return len(self._models)


def embedded_folder(task: str) -> Path:
    from engine.paths import embedded_models_dir

    return embedded_models_dir() / task


def embedded_model_available(task: str) -> bool:
    """Whether this build ships trained embedded adapters for ``task``."""
    return (embedded_folder(task) / "adapter.safetensors").is_file()


def resolve_model(options: EstimateOptions) -> tuple[Path, Path]:
    """(adapter file, base folder) for the options; raises ModelNotAvailable / ValueError."""
    if options.model == "embedded":
        folder = embedded_folder(options.task)
        adapter = folder / "adapter.safetensors"
        if not adapter.is_file():
            raise ModelNotAvailable(
                f"The embedded {options.task} model is not shipped with this build yet; "
                "train one with 'teamwork-studio train' or choose a model file."
            )
    else:
        adapter = Path(options.model)
        if not adapter.is_file():
            raise ModelNotAvailable(f"The model file {adapter} does not exist.")
        folder = adapter.parent
    if options.base:
        base = Path(options.base)
    elif (folder / "base").is_dir():
        base = folder / "base"
    else:
        base = folder.parent / "base"
        if not base.is_dir():
            raise ModelNotAvailable(f"No base model found for {adapter.name}; give the base model folder.")
    return adapter, base


def _check_photo(photo: np.ndarray) -> None:
    if not isinstance(photo, np.ndarray) or photo.ndim != 3 or photo.shape[2] != 3:
        shape = getattr(photo, "shape", None)
        raise ValueError(f"The photo must be an HxWx3 array, got shape {shape}.")
    if min(photo.shape[:2]) < 8:
        h, w = photo.shape[:2]
        raise ValueError(f"The photo is too small ({w}x{h}); use at least 8x8 pixels.")
    if not np.isfinite(photo).all():
        raise ValueError("The photo contains NaN or infinite values.")


def prepare_photo(photo: np.ndarray, max_size: int | None) -> tuple[torch.Tensor, bool]:
    """(1,3,H,W) float32, downscaled (antialiased) so the longest side is at most ``max_size``."""
    x = torch.from_numpy(np.ascontiguousarray(photo, dtype=np.float32)).permute(2, 0, 1)[None].clamp_min(0)
    h, w = x.shape[-2:]
    if max_size and max(h, w) > max_size:
        scale = max_size / max(h, w)
        size = (max(8, round(h * scale)), max(8, round(w * scale)))
        return F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False), True
    return x, False


def load_pipeline(options: EstimateOptions, cache: ModelCache | None = None):
    """The pipeline for ``options`` (model, base, device, dtype, offload, gguf), warm from ``cache``."""
    from engine.pipelines.load import load

    adapter, base = resolve_model(options)
    gguf = str(Path(options.gguf).resolve()) if options.gguf else None
    key = (str(adapter.resolve()), str(base.resolve()), options.device, options.offload, options.dtype, gguf)
    cache = cache if cache is not None else ModelCache()
    return cache.get(key, lambda: load(adapter, base=base, device=options.device, dtype=options.dtype,
                                       offload=options.offload, gguf=gguf))


def estimate(photo: np.ndarray, options: EstimateOptions, progress: ProgressCallback | None = None,
             cancel: CancelToken | None = None, cache: ModelCache | None = None) -> EstimateResult:
    """Estimate ``options.outputs`` (default: all of the task's) from a linear HxWx3 photo."""
    from engine.materials import halfway_map
    from engine.pipelines.train_data import normalize_exposure
    from engine.tasks import get_task

    started = time.perf_counter()
    task = get_task(options.task)
    _check_photo(photo)
    warnings: list[str] = []
    pipeline = load_pipeline(options, cache)
    loaded = time.perf_counter()
    image, downscaled = prepare_photo(photo, options.max_size)
    if downscaled:
        warnings.append(f"The photo was downscaled to {image.shape[-1]}x{image.shape[-2]} (max_size).")
    if options.tileable:
        f = pipeline.size_factor
        h, w = image.shape[-2:]
        aligned = (max(f, round(h / f) * f), max(f, round(w / f) * f))
        if aligned != (h, w):
            image = F.interpolate(image, size=aligned, mode="bilinear", antialias=True, align_corners=False)
            warnings.append(f"Tileable mode resized the photo to {aligned[1]}x{aligned[0]}.")
    inputs = {"image": normalize_exposure(image)}
    if "halfway" in task.inputs and "halfway.in" in pipeline.teammates:
        fov = options.fov_degrees
        if fov is None:
            fov = DEFAULT_FOV
            warnings.append(f"The camera field of view is unknown; assuming {DEFAULT_FOV:g} degrees.")
        inputs["halfway"] = halfway_map(image.shape[-2], image.shape[-1], fov).float()[None]
    outputs = list(options.outputs) if options.outputs else [c for c in task.outputs
                                                             if f"{c}.out" in pipeline.teammates]
    tile = options.tile
    if tile is None:
        sample_size = getattr(pipeline.denoiser.config, "sample_size", 64)
        tile = 2 * int(sample_size if isinstance(sample_size, int) else sample_size[0])
    result = pipeline(inputs, outputs, steps=options.steps, scheduler=options.scheduler, seed=options.seed,
                      samples=options.samples, tile=tile, tileable=options.tileable, progress=progress,
                      cancel=cancel)
    maps = {name: x[0].permute(1, 2, 0).numpy().astype(np.float32) for name, x in result.maps.items()}
    done = time.perf_counter()
    timings = {"load": loaded - started, "sample": done - loaded, "total": done - started}
    return EstimateResult(maps, task.name, options.model, timings, warnings)
