"""Error measures of the quality evaluation, built on ``engine.materials.metrics``.

SVBRDF (per case, values (B,)): ``<map>_rmse`` for diffuse, specular, roughness (linear) and normals
(unit vectors); ``normals_degrees`` (mean angle); ``rerender_rmse``: RMSE of renders clipped to
[0,1] under the novel point lights ``NOVEL_LIGHTS`` with the photo's camera, averaged over lights.
The reference renders are computed once per case set and shared by every predictor.

Intrinsic (masked where a mask is given):
- ``albedo_si_rmse``: linear albedo, per-channel least-squares scale of the prediction (MATERIALS.md);
- ``albedo_psnr``: PSNR in sRGB (peak 1) of that scaled prediction, clipped to [0,1];
- ``shading_si_rmse``: diffuse shading with the reference divided by its mean (a relative error, so
  scenes of any exposure weigh the same), prediction least-squares scaled per channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from engine.materials.geometry import camera_distance
from engine.materials.metrics import NOVEL_LIGHTS, angular_error_degrees, psnr, rmse, scale_to, si_rmse
from engine.materials.photo import srgb_encode
from engine.materials.render import render_point

SVBRDF_MAPS = ("diffuse", "specular", "roughness", "normals")


def novel_renders(maps: Mapping[str, Tensor], fov_degrees: Sequence[float],
                  lights: Sequence[tuple[float, float, float]] = NOVEL_LIGHTS) -> list[Tensor]:
    """Renders (B,3,H,W) clipped to [0,1], one per light, of a batch whose case b has FOV ``fov[b]``."""
    batch = maps["diffuse"].shape[0]
    if len(fov_degrees) != batch:
        raise ValueError(f"Give one field of view per material: {len(fov_degrees)} for {batch} materials.")
    ref = maps["diffuse"]
    cameras = torch.tensor([[0.0, 0.0, camera_distance(f)] for f in fov_degrees], dtype=ref.dtype,
                           device=ref.device)
    return [render_point(maps, light, cameras).clamp(0.0, 1.0) for light in lights]


def rerender_rmse(pred: Mapping[str, Tensor], reference_renders: Sequence[Tensor],
                  fov_degrees: Sequence[float],
                  lights: Sequence[tuple[float, float, float]] = NOVEL_LIGHTS) -> Tensor:
    """Mean over lights of the per-case RMSE between renders of ``pred`` and the reference renders."""
    if len(reference_renders) != len(lights):
        raise ValueError(f"Got {len(reference_renders)} reference renders for {len(lights)} lights.")
    ours = novel_renders(pred, fov_degrees, lights)
    return torch.stack([rmse(a, b) for a, b in zip(ours, reference_renders, strict=True)]).mean(dim=0)


def svbrdf_errors(pred: Mapping[str, Tensor], truth: Mapping[str, Tensor], fov_degrees: Sequence[float],
                  reference_renders: Sequence[Tensor] | None = None) -> dict[str, Tensor]:
    """Per-case SVBRDF errors (see the module docstring); every value has shape (B,)."""
    missing = [k for k in SVBRDF_MAPS if k not in pred]
    if missing:
        raise ValueError(f"The prediction lacks the {', '.join(missing)} map(s).")
    out = {f"{k}_rmse": rmse(pred[k].float(), truth[k].float()) for k in SVBRDF_MAPS}
    out["normals_degrees"] = angular_error_degrees(pred["normals"].float(), truth["normals"].float())
    if reference_renders is None:
        reference_renders = novel_renders(truth, fov_degrees)
    out["rerender_rmse"] = rerender_rmse(pred, reference_renders, fov_degrees)
    return out


def _masked_mean(x: Tensor, mask: Tensor | None) -> Tensor:
    if mask is None:
        return x.mean(dim=(1, 2, 3), keepdim=True)
    w = mask.expand_as(x)
    return (x * w).sum(dim=(1, 2, 3), keepdim=True) / w.sum(dim=(1, 2, 3), keepdim=True).clamp_min(1e-12)


def intrinsic_errors(pred: Mapping[str, Tensor], truth: Mapping[str, Tensor],
                     mask: Tensor | None = None) -> dict[str, Tensor]:
    """Per-case albedo si-RMSE and sRGB PSNR, and relative shading si-RMSE; values (B,)."""
    out: dict[str, Tensor] = {}
    if "albedo" in pred and "albedo" in truth:
        p, t = pred["albedo"].float(), truth["albedo"].float()
        out["albedo_si_rmse"] = si_rmse(p, t, mask)
        scaled = scale_to(p, t, mask).clamp(0.0, 1.0)
        out["albedo_psnr"] = psnr(srgb_encode(scaled), srgb_encode(t), 1.0, mask)
    if "diffuseshading" in pred and "diffuseshading" in truth:
        t = truth["diffuseshading"].float()
        t = t / _masked_mean(t, mask).clamp_min(1e-12)
        out["shading_si_rmse"] = si_rmse(pred["diffuseshading"].float(), t, mask)
    if not out:
        raise ValueError("Neither albedo nor diffuseshading is in both the prediction and the reference.")
    return out
