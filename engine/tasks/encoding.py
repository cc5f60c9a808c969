"""Encode engine maps as model images in [-1, 1] and decode them back.

Engine maps follow docs/architecture/contracts.md (torch ``(B,C,H,W)`` float, linear). Every component
becomes a 3-channel image ``x01`` in [0, 1] and then ``x01 * 2 - 1``:

============== ======== ================================================================
component      channels  image in [0, 1]
============== ======== ================================================================
image          3         clamp(x, 0, 1) ** (1/2.2)   (HDR is clipped; expose it first)
diffuse,       3         clamp(x, 0, 1) ** (1/2.2)
specular,
albedo
roughness,     1         grey RGB, linear
mask                     (inpainting: 1 = pixel to fill, 0 = known)
normals        3         (n + 1) / 2
halfway        3         h itself (official quirk: the [-1,1] field goes through ×2−1, so the
                         model image is 2h − 1, in [-3, 1])
depth          1         grey RGB of d normalised to [0, 1] per image (relative depth)
diffuseshading 3         x / (1 + x)  (bounded, like the official inverse shading); decoded as
residual                 y / (1 − y)
inverseshading 3         as given (already in [0, 1])
============== ======== ================================================================

Decoding averages grey images to one channel and renormalises normals.
"""

from __future__ import annotations

import torch

GAMMA = 2.2
_COLOUR = frozenset({"image", "diffuse", "specular", "albedo"})
_GREY = frozenset({"roughness", "depth", "mask"})
_RATIO = frozenset({"diffuseshading", "residual"})
COMPONENTS = frozenset(_COLOUR | _GREY | _RATIO | {"normals", "halfway", "inverseshading"})
_EPS = 1e-4


def channels(component: str) -> int:
    """Number of channels of the engine map for ``component`` (1 or 3)."""
    _check(component)
    return 1 if component in _GREY else 3


def _check(component: str) -> None:
    if component not in COMPONENTS:
        known = ", ".join(sorted(COMPONENTS))
        raise ValueError(f"Unknown component {component!r}; known components: {known}.")


def _grey(x: torch.Tensor, component: str) -> torch.Tensor:
    if x.shape[1] == 1:
        return x.expand(-1, 3, -1, -1)
    raise ValueError(f"The {component} map must have 1 channel, got {x.shape[1]}.")


def encode(component: str, x: torch.Tensor) -> torch.Tensor:
    """Engine map ``(B,C,H,W)`` -> model image ``(B,3,H,W)`` (in [-1,1]; halfway in [-3,1])."""
    _check(component)
    if x.ndim != 4:
        raise ValueError(f"The {component} map must be a (B,C,H,W) tensor, got shape {tuple(x.shape)}.")
    x = x.float()
    if component in _GREY:
        x = _grey(x, component)
        if component == "depth":
            lo = x.amin(dim=(1, 2, 3), keepdim=True)
            hi = x.amax(dim=(1, 2, 3), keepdim=True)
            x = (x - lo) / (hi - lo).clamp_min(1e-8)
        x01 = x.clamp(0, 1)
    elif x.shape[1] != 3:
        raise ValueError(f"The {component} map must have 3 channels, got {x.shape[1]}.")
    elif component in _COLOUR:
        x01 = x.clamp(0, 1) ** (1 / GAMMA)
    elif component == "normals":
        x01 = (x.clamp(-1, 1) + 1) / 2
    elif component == "halfway":
        x01 = x  # the official quirk: a [-1,1] field treated as a [0,1] image
    elif component in _RATIO:
        x = x.clamp_min(0)
        x01 = x / (1 + x)
    else:  # inverseshading
        x01 = x.clamp(0, 1)
    return x01 * 2 - 1


def decode(component: str, image: torch.Tensor) -> torch.Tensor:
    """Model image ``(B,3,H,W)`` -> engine map ``(B,C,H,W)`` following the table above."""
    _check(component)
    if image.ndim != 4 or image.shape[1] != 3:
        raise ValueError(f"A model image must be (B,3,H,W), got shape {tuple(image.shape)}.")
    image = image.float()
    if component == "halfway":
        return ((image + 1) / 2).clamp(-1, 1)
    x01 = ((image + 1) / 2).clamp(0, 1)
    if component in _COLOUR:
        return x01**GAMMA
    if component in _GREY:
        return x01.mean(dim=1, keepdim=True)
    if component == "normals":
        return normalize_normals(x01 * 2 - 1)
    if component in _RATIO:
        y = x01.clamp(max=1 - _EPS)
        return y / (1 - y)
    return x01


def normalize_normals(n: torch.Tensor) -> torch.Tensor:
    """Unit-length normals; a zero vector becomes +Z."""
    length = n.norm(dim=1, keepdim=True)
    up = torch.zeros_like(n)
    up[:, 2] = 1
    return torch.where(length > 1e-6, n / length.clamp_min(1e-6), up)
