"""Reader for MatSynth materials extracted to folders (one folder per material, any depth):

    root/<split>/<category>/<name>/basecolor.png diffuse.png specular.png metallic.png
                                   roughness.png normal.png height.png [displacement, opacity]

Diffuse/specular are taken as stored when present (gamma 2.2 PNG, MATERIALS.md); otherwise they are
derived from basecolor + metallic by ``conversions.metallic_to_specular`` (diffuse = base (1 - m),
F0 = lerp(0.04, base, m)). ``normal`` is
read as (n+1)/2 in the OpenGL convention (``normal_convention="directx"`` flips green). ``height``
(or ``displacement``) comes as a 1-channel linear map in [0,1].
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from torch.utils.data import Dataset

from engine.data.sample import NAME, from_numpy, resize
from engine.export.pixels import read_pixels
from engine.materials.conversions import metallic_to_specular

log = logging.getLogger(__name__)
_EXT = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr")
GAMMA = 2.2


def _find(folder: Path, stem: str) -> Path | None:
    for ext in _EXT:
        for candidate in (folder / f"{stem}{ext}", folder / f"{stem.capitalize()}{ext}"):
            if candidate.is_file():
                return candidate
    return None


def _read(path: Path, channels: int) -> np.ndarray:
    x = read_pixels(path)
    if channels == 1:
        return x[:, :, :3].mean(axis=2, keepdims=True)
    return np.repeat(x, 3, axis=2) if x.shape[2] == 1 else x[:, :, :3]


def _is_material(folder: Path) -> bool:
    return _find(folder, "normal") is not None and (
        _find(folder, "basecolor") is not None or _find(folder, "diffuse") is not None
    )


def read_matsynth_material(folder: str | Path, normal_convention: str = "opengl") -> dict:
    """One MatSynth material folder -> sample with diffuse, specular, roughness, normals[, height]."""
    folder = Path(folder)
    if normal_convention not in ("opengl", "directx"):
        raise ValueError(f"The normal convention must be 'opengl' or 'directx', got {normal_convention!r}.")
    if not _is_material(folder):
        raise ValueError(f"The folder {folder} is not a MatSynth material (it needs normal and basecolor).")
    diffuse_p, specular_p = _find(folder, "diffuse"), _find(folder, "specular")
    if diffuse_p is not None and specular_p is not None:
        diffuse = _read(diffuse_p, 3) ** GAMMA
        specular = _read(specular_p, 3) ** GAMMA
    else:
        base = _read(_find(folder, "basecolor"), 3) ** GAMMA
        metal_p = _find(folder, "metallic")
        metal = _read(metal_p, 1) if metal_p is not None else np.zeros_like(base[:, :, :1])
        diffuse, specular = metallic_to_specular(base, metal)
    normals = _read(_find(folder, "normal"), 3) * 2 - 1
    if normal_convention == "directx":
        normals[:, :, 1] *= -1
    normals /= np.maximum(np.linalg.norm(normals, axis=2, keepdims=True), 1e-6)
    rough_p = _find(folder, "roughness")
    roughness = _read(rough_p, 1) if rough_p is not None else np.full_like(diffuse[:, :, :1], 0.5)
    sample = {NAME: folder.name, "diffuse": from_numpy(diffuse), "specular": from_numpy(specular),
              "roughness": from_numpy(roughness), "normals": from_numpy(normals)}
    height_p = _find(folder, "height") or _find(folder, "displacement")
    if height_p is not None:
        sample["height"] = from_numpy(_read(height_p, 1))
    return sample


class MatSynthDataset(Dataset):
    """All MatSynth material folders under ``root`` (searched recursively, sorted by path)."""

    def __init__(self, root: str | Path, size: int | None = None, normal_convention: str = "opengl"):
        self.root = Path(root)
        if not self.root.is_dir():
            raise ValueError(f"The MatSynth folder {self.root} does not exist.")
        self.size = size
        self.normal_convention = normal_convention
        self.folders = sorted(p for p in [self.root, *self.root.rglob("*")] if p.is_dir() and _is_material(p))
        log.info("MatSynth %s: %d materials", self.root, len(self.folders))

    def __len__(self) -> int:
        return len(self.folders)

    def __getitem__(self, index: int) -> dict:
        sample = read_matsynth_material(self.folders[index], self.normal_convention)
        return resize(sample, self.size) if self.size else sample

    def names(self) -> list[str]:
        return [str(p.relative_to(self.root)) for p in self.folders]
