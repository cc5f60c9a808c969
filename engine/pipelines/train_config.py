"""Training configuration read from a TOML file (``teamwork-studio train CONFIG.toml``).

Example (every key optional except one data source)::

    [model]
    family = "pixel_unet"            # pixel_unet | sd2 | sdxl | sd3 | flux (latent: base is a folder)
    base = "embedded"                # "embedded" (assets/models/base), a diffusers folder, or "fresh"
    [model.fresh]                    # UNet2DModel kwargs when base = "fresh" (pretraining the base)
    block_out_channels = [32, 64, 128]
    [model.scheduler]                # overrides of the noise-scheduler config
    prediction_type = "v_prediction"

    [teamwork]
    method = "teamwork"              # teamwork | lora (no communication) | pretrain | head_expansion
    task = "svbrdf"                  # or teammates = ["image.in", "albedo.out"]
    rank = 16

    [[data]]                         # a weighted mix of sources; see engine.pipelines.train_data
    source = "svbrdf"
    weight = 1.0

    [train]
    steps = 10000
    batch_size = 8
    lr = 1e-4

    [output]
    dir = "runs/svbrdf"
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

METHODS = ("teamwork", "lora", "pretrain", "head_expansion")
FAMILIES = ("pixel_unet", "sd2", "sdxl", "sd3", "flux")
WARMUP_STABLE_DECAY = "warmup_stable_decay"
LR_SCHEDULES = ("constant", "constant_with_warmup", "linear", "cosine", WARMUP_STABLE_DECAY)


@dataclass
class ModelSection:
    family: str = "pixel_unet"
    base: str = "embedded"
    fresh: dict[str, Any] = field(default_factory=dict)
    scheduler: dict[str, Any] = field(default_factory=dict)


@dataclass
class TeamworkSection:
    method: str = "teamwork"
    task: str | None = None
    teammates: list[str] = field(default_factory=list)
    rank: int = 16
    bias: bool = True
    title: str = "Teamwork Studio model"


@dataclass
class DataSection:
    source: str
    weight: float = 1.0
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainSection:
    steps: int = 1000
    batch_size: int = 4
    grad_accum: int = 1
    size: int = 64
    lr: float = 1e-4
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    lr_schedule: str = "constant_with_warmup"
    warmup_steps: int = 0
    decay_steps: int = 0
    """warmup_stable_decay: the last steps over which the rate anneals to zero (cosine)."""
    ema_decay: float = 0.0
    max_grad_norm: float = 1.0
    mixed_precision: str = "no"
    gradient_checkpointing: bool = False
    timestep_sharing: str = "batch"
    flow_sampling: str = "logit_normal"
    """SD3/Flux: how u is drawn before the scheduler's shift (``logit_normal`` or ``uniform``)."""
    seed: int = 0


@dataclass
class OutputSection:
    dir: str = "runs/teamwork"
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    validate_every: int = 500
    validation_samples: int = 2
    validation_steps: int = 10
    log_every: int = 10


@dataclass
class TrainConfig:
    model: ModelSection = field(default_factory=ModelSection)
    teamwork: TeamworkSection = field(default_factory=TeamworkSection)
    data: list[DataSection] = field(default_factory=list)
    train: TrainSection = field(default_factory=TrainSection)
    output: OutputSection = field(default_factory=OutputSection)

    def __post_init__(self) -> None:
        if self.teamwork.method not in METHODS:
            raise ValueError(
                f"Unknown training method {self.teamwork.method!r}; use one of {', '.join(METHODS)}."
            )
        if self.train.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"Unknown lr_schedule {self.train.lr_schedule!r}; use one of {', '.join(LR_SCHEDULES)}."
            )
        if self.train.lr_schedule == WARMUP_STABLE_DECAY and not (
                0 < self.train.decay_steps <= self.train.steps - self.train.warmup_steps):
            raise ValueError("warmup_stable_decay needs 0 < decay_steps <= steps - warmup_steps.")
        if self.train.timestep_sharing not in ("batch", "sample"):
            raise ValueError("timestep_sharing must be 'batch' or 'sample'.")
        if self.model.family not in FAMILIES:
            raise ValueError(
                f"Unknown [model] family {self.model.family!r}; use one of {', '.join(FAMILIES)}."
            )
        if self.train.flow_sampling not in ("logit_normal", "uniform"):
            raise ValueError("flow_sampling must be 'logit_normal' or 'uniform'.")
        if self.train.mixed_precision not in ("no", "bf16", "fp16"):
            raise ValueError("mixed_precision must be 'no', 'bf16' or 'fp16'.")
        if not self.data:
            raise ValueError("The training config needs at least one [[data]] source.")
        if self.train.steps < 1 or self.train.batch_size < 1 or self.train.grad_accum < 1:
            raise ValueError("steps, batch_size and grad_accum must be positive.")

    def teammates(self) -> list[str]:
        """The teammate list: explicit ``teammates`` or the task's."""
        if self.teamwork.teammates:
            return list(self.teamwork.teammates)
        if self.teamwork.task:
            from engine.tasks import get_task

            return get_task(self.teamwork.task).teammates()
        raise ValueError("Give [teamwork] task or teammates.")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TrainConfig:
        def section(kind, values):
            values = dict(values or {})
            names = {f.name for f in dataclasses.fields(kind)}
            unknown = set(values) - names
            if unknown:
                where = kind.__name__[: -len("Section")].lower()
                raise ValueError(f"Unknown key(s) {', '.join(sorted(unknown))} in [{where}].")
            return kind(**values)

        data = []
        for entry in raw.get("data", []):
            entry = dict(entry)
            if "source" not in entry:
                raise ValueError("Every [[data]] entry needs a 'source'.")
            options = dict(entry.pop("options", {}))
            source, weight = entry.pop("source"), float(entry.pop("weight", 1.0))
            options.update(entry)
            data.append(DataSection(source, weight, options))
        train = dict(raw.get("train", {}))
        if "betas" in train:
            train["betas"] = tuple(train["betas"])
        unknown = set(raw) - {"model", "teamwork", "data", "train", "output"}
        if unknown:
            raise ValueError(f"Unknown section(s) {', '.join(sorted(unknown))} in the training config.")
        return cls(
            model=section(ModelSection, raw.get("model")),
            teamwork=section(TeamworkSection, raw.get("teamwork")),
            data=data,
            train=section(TrainSection, train),
            output=section(OutputSection, raw.get("output")),
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> TrainConfig:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(f"Training config {path} does not exist.") from None
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"Training config {path} is not valid TOML: {error}.") from None
        return cls.from_dict(raw)
