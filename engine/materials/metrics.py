"""Error measures for predicted maps and images; every function returns one value per sample (B,).

- ``rmse(pred, ref)``; ``si_rmse(pred, ref)``: RMSE after the per-channel least-squares scale of the
  prediction to the reference (MATERIALS.md); ``psnr(pred, ref, peak=1)``;
- ``angular_error_degrees(pred_normals, ref_normals)``: mean angle between unit normals;
- ``rerender_rmse(pred_maps, ref_maps)``: RMSE between renders of both map sets under a fixed set of
  novel point lights (``NOVEL_LIGHTS``), camera of the flash photo; renders clipped to [0,1].
An optional ``mask`` (B,1,H,W) in [0,1] weights the pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from engine.materials.brdf import normalize
from engine.materials.geometry import camera_distance
from engine.materials.render import render_point

# Light positions (x, y, z) around the material for re-render errors: off-axis, grazing, overhead.
NOVEL_LIGHTS: tuple[tuple[float, float, float], ...] = (
    (0.0, 0.0, 2.0),
    (1.5, 0.0, 1.5),
    (-1.5, 0.0, 1.5),
    (0.0, 1.5, 1.5),
    (0.0, -1.5, 1.5),
    (1.2, 1.2, 1.0),
    (-1.2, -1.2, 1.0),
    (2.0, -1.0, 0.8),
    (-0.5, 2.0, 0.6),
)


def _check(pred: Tensor, ref: Tensor) -> None:
    if pred.shape != ref.shape or pred.dim() != 4:
        raise ValueError(
            f"Prediction {tuple(pred.shape)} and reference {tuple(ref.shape)} must be the same (B,C,H,W)."
        )


def _mean(x: Tensor, mask: Tensor | None) -> Tensor:
    if mask is None:
        return x.flatten(1).mean(dim=1)
    w = mask.expand_as(x)
    return (x * w).flatten(1).sum(dim=1) / w.flatten(1).sum(dim=1).clamp_min(1e-12)


def mse(pred: Tensor, ref: Tensor, mask: Tensor | None = None) -> Tensor:
    _check(pred, ref)
    return _mean((pred - ref) ** 2, mask)


def rmse(pred: Tensor, ref: Tensor, mask: Tensor | None = None) -> Tensor:
    return torch.sqrt(mse(pred, ref, mask))


def scale_to(pred: Tensor, ref: Tensor, mask: Tensor | None = None) -> Tensor:
    """The prediction times its per-channel least-squares scale to the reference."""
    _check(pred, ref)
    w = torch.ones_like(pred) if mask is None else mask.expand_as(pred)
    num = (w * pred * ref).sum(dim=(2, 3), keepdim=True)
    den = (w * pred * pred).sum(dim=(2, 3), keepdim=True).clamp_min(1e-12)
    return pred * (num / den)


def si_rmse(pred: Tensor, ref: Tensor, mask: Tensor | None = None) -> Tensor:
    """Scale-invariant RMSE: RMSE of the per-channel least-squares scaled prediction."""
    return rmse(scale_to(pred, ref, mask), ref, mask)


def psnr(pred: Tensor, ref: Tensor, peak: float = 1.0, mask: Tensor | None = None) -> Tensor:
    return 10.0 * torch.log10(peak**2 / mse(pred, ref, mask).clamp_min(1e-20))


def angular_error_degrees(pred: Tensor, ref: Tensor, mask: Tensor | None = None) -> Tensor:
    """Mean angle (degrees) between normal fields (B,3,H,W); inputs are normalised first."""
    _check(pred, ref)
    p, r = normalize(pred), normalize(ref)
    cos = (p * r).sum(dim=1, keepdim=True).clamp(-1.0, 1.0)
    return _mean(torch.rad2deg(torch.acos(cos)), mask)


def rerender_rmse(
    pred: Mapping[str, Tensor],
    ref: Mapping[str, Tensor],
    lights: Sequence[tuple[float, float, float]] = NOVEL_LIGHTS,
    fov_degrees: float = 45.0,
    intensity: float = 1.0,
    clip: bool = True,
) -> Tensor:
    """RMSE between renders of two SVBRDFs, averaged over ``lights`` (camera at the flash position)."""
    camera = (0.0, 0.0, camera_distance(fov_degrees))
    total = None
    for light in lights:
        a = render_point(pred, light, camera, intensity)
        b = render_point(ref, light, camera, intensity)
        if clip:
            a, b = a.clamp(0, 1), b.clamp(0, 1)
        err = rmse(a, b)
        total = err if total is None else total + err
    assert total is not None, "at least one light is needed"
    return total / len(lights)


def map_errors(pred: Mapping[str, Tensor], ref: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Per-map RMSE for the maps both have, plus normals' angular error and the re-render RMSE."""
    out = {f"{k}_rmse": rmse(pred[k], ref[k]) for k in ref if k in pred and pred[k].shape == ref[k].shape}
    if "normals" in pred and "normals" in ref:
        out["normals_degrees"] = angular_error_degrees(pred["normals"], ref["normals"])
    if all(k in pred and k in ref for k in ("diffuse", "specular", "roughness", "normals")):
        out["rerender_rmse"] = rerender_rmse(pred, ref)
    return out


