"""The sample every dataset yields, and the helpers shared by the readers.

A sample is ``dict[str, Tensor]`` of components (C,H,W) float32 in the engine conventions
(docs/architecture/contracts.md: linear colour, unit normals, 1-channel roughness/depth), plus the key
``"name"`` holding a str. A sample carries only the components its source has.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

NAME = "name"
GAMMA = 2.2


def components(sample: dict) -> list[str]:
    """The component names of a sample (every key but ``name``), sorted."""
    return sorted(k for k in sample if k != NAME)


def from_numpy(array: np.ndarray) -> Tensor:
    """(H,W,C) float array -> (C,H,W) float32 tensor."""
    return torch.from_numpy(np.ascontiguousarray(np.asarray(array, dtype=np.float32).transpose(2, 0, 1)))


def to_numpy(tensor: Tensor) -> np.ndarray:
    """(C,H,W) tensor -> (H,W,C) float32 array."""
    return tensor.detach().float().cpu().permute(1, 2, 0).numpy()


def resize(sample: dict, size: int | tuple[int, int]) -> dict:
    """Centre-crop every component to the target aspect, then resize (area for shrinking, bilinear
    otherwise); normals are renormalised."""
    h_out, w_out = (size, size) if isinstance(size, int) else size
    out = {}
    for key, value in sample.items():
        if key == NAME:
            out[key] = value
            continue
        _, h, w = value.shape
        target = h_out / w_out
        if h / w > target:
            ch = round(w * target)
            value = value[:, (h - ch) // 2:(h - ch) // 2 + ch]
        elif h / w < target:
            cw = round(h / target)
            value = value[:, :, (w - cw) // 2:(w - cw) // 2 + cw]
        if value.shape[1:] != (h_out, w_out):
            mode = "area" if value.shape[1] >= h_out else "bilinear"
            kwargs = {} if mode == "area" else {"align_corners": False}
            value = F.interpolate(value.unsqueeze(0), size=(h_out, w_out), mode=mode, **kwargs).squeeze(0)
        if key in ("normals", "halfway"):
            value = value / value.norm(dim=0, keepdim=True).clamp_min(1e-8)
        out[key] = value
    return out


def collate(samples: list[dict]) -> dict:
    """Batch samples with different component sets: every component present in any sample becomes a
    (B,C,H,W) tensor (zeros where a sample lacks it), ``present`` is a (B, K) bool tensor over the
    sorted ``components`` list, ``name`` a list of str. Spatial sizes must agree."""
    names = sorted({c for s in samples for c in components(s)})
    batch: dict = {NAME: [s.get(NAME, "") for s in samples], "components": names}
    present = torch.zeros(len(samples), len(names), dtype=torch.bool)
    for k, comp in enumerate(names):
        ref = next(s[comp] for s in samples if comp in s)
        rows = []
        for i, s in enumerate(samples):
            if comp in s:
                if s[comp].shape != ref.shape:
                    shapes = f"{tuple(s[comp].shape)} and {tuple(ref.shape)}"
                    raise ValueError(f"Cannot batch {comp}: its shapes differ ({shapes}).")
                rows.append(s[comp])
                present[i, k] = True
            else:
                rows.append(torch.zeros_like(ref))
        batch[comp] = torch.stack(rows)
    batch["present"] = present
    return batch
