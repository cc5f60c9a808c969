"""What the evaluation measures: a predictor turns a held-out photo into maps.

- ``BaselinePredictor``: the trivial baselines (``benchmarks.eval.baselines``).
- ``PipelinePredictor``: a Teamwork / LoRA / head-expansion pipeline sampled with the given steps,
  samples and seed. The photo is exposure-normalised first exactly like the trainer's data (the 99th
  percentile of the brightest channel at 0.8), so the model sees what it was trained on.
- ``EstimatePredictor``: the app's own path, ``engine.pipelines.estimate.estimate`` (used for
  ``embedded``): its exposure normalisation, halfway map, tiling and default steps.
Models get the halfway map a user would have: the colocated one of the known FOV, not the simulated
photo's exact one (its small random light offset is unknown to a user).
- ``load_predictor(spec, task)``: ``baseline``; ``random-tiny`` (a randomly initialised tiny adapted
  UNet, to prove the harness runs without trained weights); ``embedded`` (``assets/models/<task>``);
  or a path to an exported model folder (``model.json`` + ``base/`` + ``adapter.safetensors``, or
  ``unet/`` for head expansion — the layout ``engine.pipelines.export_model`` writes) or to a training
  run folder holding ``model/``. A folder without ``base/`` uses its sibling ``../base`` (the shared
  embedded base of ``assets/models/base``).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from benchmarks.eval.baselines import intrinsic_baseline, svbrdf_baseline

log = logging.getLogger(__name__)

# the maps each evaluation scores; models run with *every* output of their task active, as the app does:
# Teamwork outputs are estimated jointly, and deactivating some changes the others (requesting only
# albedo and shading from the intrinsic model made its shading 40 % worse)
SVBRDF_OUTPUTS = ("diffuse", "specular", "roughness", "normals")
INTRINSIC_OUTPUTS = ("albedo", "diffuseshading")


def normalize_exposure(image: Tensor, target: float = 0.8, quantile: float = 0.99) -> Tensor:
    """The trainer's exposure normalisation (engine.pipelines.train_data): brightest-channel quantile."""
    peak = torch.quantile(image.amax(dim=-3).flatten(-2).float(), quantile, dim=-1)
    return image * (target / peak.clamp_min(1e-6))[..., None, None, None]


@dataclass
class BaselinePredictor:
    name: str = "baseline"
    info: dict = field(default_factory=lambda: {"kind": "baseline"})

    def svbrdf(self, image: Tensor, halfway: Tensor, fov_degrees: float) -> dict[str, Tensor]:
        return svbrdf_baseline(image)

    def intrinsic(self, image: Tensor) -> dict[str, Tensor]:
        return intrinsic_baseline(image)


@dataclass
class PipelinePredictor:
    """Samples a Teamwork-family pipeline (``engine.pipelines``) on one photo at a time."""

    pipeline: object
    name: str = "model"
    steps: int = 20
    samples: int = 1
    seed: int = 0
    info: dict = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    scheduler: str | None = None
    """A diffusers scheduler name of ``engine.pipelines.common.SCHEDULERS`` (None: the model's)."""

    def _run(self, inputs: dict[str, Tensor], wanted: tuple[str, ...]) -> dict[str, Tensor]:
        teammates = self.pipeline.teammates
        if not any(f"{c}.out" in teammates for c in wanted):
            raise ValueError(f"Model {self.name!r} estimates none of {', '.join(wanted)}.")
        outputs = [t.rsplit(".", 1)[0] for t in teammates if t.endswith(".out")]
        inputs = {k: v for k, v in inputs.items() if f"{k}.in" in teammates}
        started = time.perf_counter()
        result = self.pipeline(inputs, outputs, steps=self.steps, samples=self.samples, seed=self.seed,
                               scheduler=self.scheduler)
        self.seconds.append(time.perf_counter() - started)
        return {k: v.float() for k, v in result.maps.items()}

    def svbrdf(self, image: Tensor, halfway: Tensor, fov_degrees: float) -> dict[str, Tensor]:
        from engine.materials import halfway_map

        colocated = halfway_map(image.shape[-2], image.shape[-1], fov_degrees).to(image)[None]
        return self._run({"image": normalize_exposure(image), "halfway": colocated}, SVBRDF_OUTPUTS)

    def intrinsic(self, image: Tensor) -> dict[str, Tensor]:
        return self._run({"image": normalize_exposure(image)}, INTRINSIC_OUTPUTS)


@dataclass
class EstimatePredictor:
    """Runs ``engine.pipelines.estimate.estimate`` (the app's entry point) on each photo."""

    task: str
    model: str = "embedded"
    steps: int | None = None
    samples: int = 1
    seed: int = 0
    device: str = "cpu"
    name: str = "embedded"
    info: dict = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        from engine.pipelines.estimate import ModelCache

        self.cache = ModelCache(max_models=1)

    def _run(self, image: Tensor, fov_degrees: float | None) -> dict[str, Tensor]:
        from engine.pipelines.estimate import EstimateOptions, estimate

        options = EstimateOptions(task=self.task, model=self.model, fov_degrees=fov_degrees,
                                  samples=self.samples, seed=self.seed, max_size=None, device=self.device)
        if self.steps is not None:
            options.steps = self.steps
        self.info.setdefault("steps", options.steps)
        photo = image[0].permute(1, 2, 0).cpu().numpy()
        started = time.perf_counter()
        result = estimate(photo, options, cache=self.cache)
        self.seconds.append(time.perf_counter() - started)
        return {k: torch.from_numpy(v).permute(2, 0, 1)[None].float() for k, v in result.maps.items()}

    def svbrdf(self, image: Tensor, halfway: Tensor, fov_degrees: float) -> dict[str, Tensor]:
        return self._run(image, fov_degrees)

    def intrinsic(self, image: Tensor) -> dict[str, Tensor]:
        return self._run(image, None)


def load_model_folder(folder: str | Path, device: str = "cpu", dtype: torch.dtype = torch.float32):
    """(pipeline, info) of an exported model folder or a run folder holding ``model/``."""
    folder = Path(folder)
    if not (folder / "model.json").exists() and (folder / "model" / "model.json").exists():
        folder = folder / "model"
    if not (folder / "model.json").exists():
        raise ValueError(f"{folder} is not an exported model folder (no model.json).")
    info = json.loads((folder / "model.json").read_text())
    method = info.get("method", "teamwork")
    if method == "head_expansion":
        from diffusers import UNet2DModel

        from engine.pipelines.head_expansion import HeadExpansionPipeline

        unet = UNet2DModel.from_pretrained(folder / "unet", use_safetensors=True).eval().requires_grad_(False)
        pipeline = HeadExpansionPipeline(unet, info["scheduler"], list(info["teammates"]), device, dtype)
    else:
        from engine.pipelines.pixel_unet import PixelUNetPipeline
        from engine.teamwork import adapt, load_checkpoint

        base_folder = folder / "base" if (folder / "base").exists() else folder.parent / "base"
        base, scheduler = PixelUNetPipeline.load_base(base_folder)
        config, state = load_checkpoint(folder / "adapter.safetensors")
        model = adapt(base, config, state, dtype=torch.float32).eval()
        pipeline = PixelUNetPipeline(model, scheduler, list(config.teammates), config, device, dtype)
    info = dict(info, folder=str(folder))
    return pipeline, info


def random_tiny_pipeline(task: str, seed: int = 0, device: str = "cpu"):
    """A randomly initialised tiny pixel UNet with random non-zero Teamwork adapters for ``task``."""
    from diffusers import UNet2DModel

    from engine.pipelines.pixel_unet import PixelUNetPipeline
    from engine.tasks import get_task
    from engine.teamwork import TeamworkConfig, adapt

    torch.manual_seed(seed)
    # no attention: at 128 px a two-level UNet would attend over 64x64 tokens (minutes per photo)
    unet = UNet2DModel(
        sample_size=32, in_channels=3, out_channels=3, layers_per_block=1, block_out_channels=(16, 32, 32),
        norm_num_groups=8, down_block_types=("DownBlock2D",) * 3, up_block_types=("UpBlock2D",) * 3,
    ).eval()
    teammates = tuple(get_task(task).teammates())
    config = TeamworkConfig(teammates=teammates, lora_rank=4, profile="pixel")
    model = adapt(unet, config, seed=seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("adapter.up"):
                parameter.normal_(0.0, 0.02)
    return PixelUNetPipeline(model.eval(), teammates=list(teammates), teamwork=config, device=device)


DEFAULT_STEPS = 20
"""Sampling steps for pipelines loaded here (``PixelUNetPipeline``'s default); ``embedded`` uses
``EstimateOptions``' default unless steps are given."""


def load_predictor(spec: str, task: str, steps: int | None = None, samples: int = 1, seed: int = 0,
                   device: str = "cpu"):
    """A predictor from a command-line spec (see the module docstring)."""
    from engine.allocator import keep_freed_memory

    keep_freed_memory()  # time the models as the engine worker runs them
    if spec == "baseline":
        return BaselinePredictor()
    if spec == "random-tiny":
        pipeline = random_tiny_pipeline(task, seed, device)
        return PipelinePredictor(pipeline, "random-tiny", steps or DEFAULT_STEPS, samples, seed,
                                 {"kind": "random-tiny", "steps": steps or DEFAULT_STEPS})
    if spec == "embedded":
        from engine.pipelines.estimate import embedded_folder

        folder = embedded_folder(task)
        if not (folder / "adapter.safetensors").is_file():
            raise ValueError(f"No embedded {task} model is shipped yet ({folder} has no adapter).")
        info = json.loads((folder / "model.json").read_text()) if (folder / "model.json").exists() else {}
        return EstimatePredictor(task, "embedded", steps, samples, seed, device, "embedded",
                                 dict(info, kind="embedded", folder=str(folder)))
    path = Path(spec)
    pipeline, info = load_model_folder(path, device)
    return PipelinePredictor(pipeline, path.name, steps or DEFAULT_STEPS, samples, seed,
                             dict(info, kind="model", steps=steps or DEFAULT_STEPS))
