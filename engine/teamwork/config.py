"""`TeamworkConfig`: which teammates exist and how the adapters are shaped, with the official metadata.

The metadata strings are the interchange format of the official release (see TEAMWORK.md,
"Official checkpoint format"); `to_metadata` / `from_metadata` produce and read exactly those.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TEAMMATE_PATTERN = re.compile(r"[a-z]+\.(in|out)")
RESOLUTION_PATTERN = re.compile(r"[1-9][0-9]*x[1-9][0-9]*")
IMPLEMENTATION = "teamwork-studio"


def _parse_bool(key: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"Metadata {key!r} must be 'True' or 'False', got {value!r}.")
    return lowered == "true"


@dataclass(frozen=True)
class TeamworkConfig:
    """How a base denoiser is turned into a team.

    teammates: names `<component>.in|out` (lowercase letters); index = position in this tuple.
    lora_rank: rank r of the shared low-rank offset per adapted layer.
    profile: which layers to adapt by default ("pixel", "SD2", "SDXL", "SD3", "FLUX"), or "auto"
        to pick it from the model class when adapting.
    lora_communication: False gives the independent-LoRA baseline (no mixing between teammates).
    use_bias: learn a per-teammate bias for adapted layers that have a bias.
    base_model, title, resolution ("WxH" or None): descriptive metadata.
    """

    teammates: tuple[str, ...]
    lora_rank: int = 64
    profile: str = "auto"
    lora_communication: bool = True
    use_bias: bool = True
    base_model: str = "unknown"
    title: str = "Teamwork Model"
    resolution: str | None = None
    implementation: str = field(default=IMPLEMENTATION, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.teammates, str):
            raise TypeError("teammates must be a sequence of names, not one string.")
        teammates = tuple(self.teammates)
        object.__setattr__(self, "teammates", teammates)
        if not teammates:
            raise ValueError("A Teamwork config needs at least one teammate.")
        for name in teammates:
            if not isinstance(name, str) or TEAMMATE_PATTERN.fullmatch(name) is None:
                raise ValueError(
                    f"Teammate name {name!r} is invalid: use '<component>.in' or '<component>.out' "
                    "with a lowercase-letter component, e.g. 'diffuse.out'."
                )
        if len(set(teammates)) != len(teammates):
            raise ValueError(f"Teammate names must be unique, got {list(teammates)}.")
        if isinstance(self.lora_rank, bool) or not isinstance(self.lora_rank, int) or self.lora_rank < 1:
            raise ValueError(f"lora_rank must be a positive integer, got {self.lora_rank!r}.")
        if not isinstance(self.profile, str) or not self.profile:
            raise ValueError(f"profile must be a non-empty string, got {self.profile!r}.")
        if self.resolution is not None and RESOLUTION_PATTERN.fullmatch(self.resolution) is None:
            raise ValueError(f"resolution must look like '1024x1024', got {self.resolution!r}.")
        for name in ("lora_communication", "use_bias"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}.")

    # -- teammates ---------------------------------------------------------------------------
    @property
    def num_teammates(self) -> int:
        return len(self.teammates)

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(t for t in self.teammates if t.endswith(".in"))

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(t for t in self.teammates if t.endswith(".out"))

    def index(self, teammate: str) -> int:
        """Position of `teammate` in the adapter tensors."""
        try:
            return self.teammates.index(teammate)
        except ValueError:
            raise ValueError(
                f"Unknown teammate {teammate!r}; this model has {', '.join(self.teammates)}."
            ) from None

    def rows(self, num_samples: int = 1, teammates: Iterable[str] | None = None) -> list[tuple[int, str]]:
        """Rows for `num_samples` samples with the same teammates each (default: the full team),
        grouped by sample in teammate order: the usual batch layout."""
        names = self.teammates if teammates is None else tuple(teammates)
        for name in names:
            self.index(name)
        return [(s, name) for s in range(num_samples) for name in names]

    # -- metadata ----------------------------------------------------------------------------
    def to_metadata(self) -> dict[str, str]:
        """The official safetensors metadata strings for this config."""
        meta = {
            "modelspec.sai_model_spec": "1.0.0",
            "modelspec.architecture": f"{self.base_model}/teamwork",
            "modelspec.implementation": self.implementation,
            "modelspec.title": self.title,
            "modelspec.type": "teamwork",
            "base_model": self.base_model,
            "teamwork.version": "1.0",
            "teamwork.teammates": ",".join(self.teammates),
            "teamwork.lora_rank": str(self.lora_rank),
            "teamwork.profile": self.profile,
            "teamwork.lora_communication": str(self.lora_communication),
            "teamwork.use_bias": str(self.use_bias),
        }
        if self.resolution is not None:
            meta["modelspec.resolution"] = self.resolution
        return meta

    @classmethod
    def from_metadata(cls, meta: Mapping[str, str]) -> TeamworkConfig:
        """Read a config from checkpoint metadata; unknown `teamwork.*` keys are ignored."""
        if meta.get("modelspec.type") != "teamwork":
            raise ValueError(
                "This file is not a Teamwork checkpoint (metadata 'modelspec.type' is not 'teamwork')."
            )
        if "teamwork.teammates" not in meta:
            raise ValueError("This Teamwork checkpoint has no 'teamwork.teammates' metadata.")
        try:
            rank = int(meta.get("teamwork.lora_rank", "64"))
        except ValueError:
            raise ValueError(
                f"Metadata 'teamwork.lora_rank' is not an integer: {meta['teamwork.lora_rank']!r}."
            ) from None
        return cls(
            teammates=tuple(t.strip() for t in meta["teamwork.teammates"].split(",") if t.strip()),
            lora_rank=rank,
            profile=meta.get("teamwork.profile", "auto"),
            lora_communication=_parse_bool(
                "teamwork.lora_communication", meta.get("teamwork.lora_communication", "True")
            ),
            use_bias=_parse_bool("teamwork.use_bias", meta.get("teamwork.use_bias", "True")),
            base_model=meta.get("base_model", "unknown"),
            title=meta.get("modelspec.title", "Teamwork Model"),
            resolution=meta.get("modelspec.resolution") or None,
            implementation=meta.get("modelspec.implementation", IMPLEMENTATION),
        )
