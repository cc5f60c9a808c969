"""Official Teamwork checkpoints: one .safetensors file of adapter tensors + string metadata.

Keys are `<module path>.adapter.{down,up,bias}` relative to the denoiser, exactly the adapted
model's own `state_dict()` keys, so saving is a key filter. Tensors are stored and loaded as they
are (no dtype change), so loading is bit-exact.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from engine.io.modes import give_default_mode
from engine.teamwork.adapt import ADAPTER_SUFFIXES, teamwork_config
from engine.teamwork.config import TeamworkConfig


class TeamworkCheckpointError(ValueError):
    """A file that is not a readable Teamwork checkpoint."""


def adapter_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The adapted model's adapter tensors under their official keys."""
    return {
        key: value.detach() for key, value in model.state_dict().items() if key.endswith(ADAPTER_SUFFIXES)
    }


def save_checkpoint(model: nn.Module, config: TeamworkConfig, path: str | os.PathLike) -> Path:
    """Write the adapters of `model` with `config`'s metadata to `path` (atomically)."""
    state = adapter_state(model)
    if not state:
        raise ValueError("The model has no Teamwork adapters to save; adapt it first.")
    teammates = next(iter(state.values())).shape[0]
    if teammates != config.num_teammates:
        raise ValueError(
            f"The adapters hold {teammates} teammates but the config lists {config.num_teammates}."
        )
    if str(config.profile).lower() == "auto":
        config = TeamworkConfig(**{**config.__dict__, "profile": teamwork_config(model).profile})
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp), metadata=config.to_metadata())
    give_default_mode(tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | os.PathLike) -> tuple[TeamworkConfig, dict[str, torch.Tensor]]:
    """Read a Teamwork checkpoint: (config from metadata, {official key: tensor})."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Teamwork checkpoint not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
            state = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise TeamworkCheckpointError(f"{path.name} is not a readable .safetensors file ({exc}).") from None
    try:
        config = TeamworkConfig.from_metadata(metadata)
    except ValueError as exc:
        raise TeamworkCheckpointError(f"{path.name}: {exc}") from None
    adapters = {k: v for k, v in state.items() if k.endswith(ADAPTER_SUFFIXES)}
    if not adapters:
        raise TeamworkCheckpointError(f"{path.name} holds no '<layer>.adapter.down/up' tensors.")
    bad = [k for k, v in adapters.items() if v.shape[0] != config.num_teammates]
    if bad:
        raise TeamworkCheckpointError(
            f"{path.name}: {bad[0]} has {adapters[bad[0]].shape[0]} teammates but the metadata lists "
            f"{config.num_teammates}."
        )
    return config, state
