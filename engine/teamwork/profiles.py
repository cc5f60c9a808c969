"""Profiles: which layers of each diffusers denoiser family are adapted (data only).

Patterns are module paths where `*` stands for exactly one path segment (TEAMWORK.md, "Which
layers are adapted"). "pixel" is our own profile for the small pixel-space `UNet2DModel`: its
self-attention (`attentions.*.to_q/k/v/out`) and resnet convs, the way SD2 adapts its UNet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from torch import nn


@dataclass(frozen=True)
class Profile:
    name: str
    model_class: str
    patterns: tuple[str, ...]

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        alternatives = [
            r"\.".join("[^.]+" if part == "*" else re.escape(part) for part in p.split("."))
            for p in self.patterns
        ]
        return re.compile("|".join(f"(?:{a})" for a in alternatives))

    def matches(self, module_path: str) -> bool:
        return self._regex.fullmatch(module_path) is not None


def _under(prefix: str, leaves: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{prefix}.{leaf}" for leaf in leaves)


_UNET_BLOCK = ("attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0", "ff.net.0.proj", "ff.net.2")
_RESNET = ("conv1", "conv2", "conv_shortcut")
_UNET_PATTERNS = _under("*.*.attentions.*.transformer_blocks.*", _UNET_BLOCK) + _under(
    "*.*.resnets.*", _RESNET
)
_DIT_BLOCK = (
    "norm1.linear",
    "attn.to_q",
    "attn.to_k",
    "attn.to_v",
    "attn.to_out.0",
    "ff.net.0.proj",
    "ff.net.2",
)
_FLUX_SINGLE = ("norm.linear", "attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp", "proj_out")

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "pixel",
            "UNet2DModel",
            _under("*.*.attentions.*", ("to_q", "to_k", "to_v", "to_out.0"))
            + _under("*.*.resnets.*", _RESNET),
        ),
        Profile("SD2", "UNet2DConditionModel", _UNET_PATTERNS),
        Profile("SDXL", "UNet2DConditionModel", _UNET_PATTERNS),
        Profile("SD3", "SD3Transformer2DModel", _under("transformer_blocks.*", _DIT_BLOCK)),
        Profile(
            "FLUX",
            "FluxTransformer2DModel",
            _under("transformer_blocks.*", _DIT_BLOCK) + _under("single_transformer_blocks.*", _FLUX_SINGLE),
        ),
    )
}


def get_profile(name: str) -> Profile:
    """A profile by name (case-insensitive): pixel, SD2, SDXL, SD3, FLUX."""
    for key, profile in PROFILES.items():
        if key.lower() == str(name).lower():
            return profile
    raise ValueError(f"Unknown Teamwork profile {name!r}; known profiles: {', '.join(PROFILES)}.")


def profile_for_model(model: nn.Module) -> Profile:
    """The profile matching a model's class (SDXL vs SD2 by the UNet's `addition_embed_type`)."""
    for cls in type(model).__mro__:
        name = cls.__name__
        if name == "UNet2DConditionModel":
            config = getattr(model, "config", None)
            sdxl = config is not None and config.get("addition_embed_type") == "text_time"
            return PROFILES["SDXL" if sdxl else "SD2"]
        for profile in PROFILES.values():
            if profile.model_class == name:
                return profile
    raise ValueError(
        f"No Teamwork profile for {type(model).__name__}; name one of {', '.join(PROFILES)} in the config."
    )


def resolve_profile(name: str, model: nn.Module) -> Profile:
    """`name` ("auto" = by model class), checked against the model's class when it is a known family."""
    if str(name).lower() == "auto":
        return profile_for_model(model)
    profile = get_profile(name)
    try:
        expected = profile_for_model(model)
    except ValueError:
        return profile  # an unknown model class: trust the named profile's patterns
    if expected.model_class != profile.model_class:
        raise ValueError(
            f"Profile {profile.name!r} is for {profile.model_class}, but the model is {type(model).__name__}."
        )
    return profile
