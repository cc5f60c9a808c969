"""Teamwork: coordinated low-rank adapters that turn one diffusers denoiser into a team.

Public API (issue 3): `TeamworkConfig`, `adapt(model, config, state=None)`, `active(model, rows)`,
`save_checkpoint(model, config, path)`, `load_checkpoint(path) -> (config, state)`.
"""

from engine.teamwork.adapt import (
    adapt,
    adapted_layers,
    structural_copy,
    teamwork_config,
    trainable_parameters,
)
from engine.teamwork.checkpoint import TeamworkCheckpointError, load_checkpoint, save_checkpoint
from engine.teamwork.config import TeamworkConfig
from engine.teamwork.profiles import PROFILES, Profile, get_profile, profile_for_model
from engine.teamwork.selection import Selection, active
from engine.teamwork.training import gradient_checkpointing_func

__all__ = [
    "PROFILES",
    "Profile",
    "Selection",
    "TeamworkCheckpointError",
    "TeamworkConfig",
    "active",
    "adapt",
    "adapted_layers",
    "get_profile",
    "gradient_checkpointing_func",
    "load_checkpoint",
    "profile_for_model",
    "save_checkpoint",
    "structural_copy",
    "teamwork_config",
    "trainable_parameters",
]
