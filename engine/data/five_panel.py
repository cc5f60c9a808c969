"""Reader for the side-by-side five-panel layout of the classic single-image SVBRDF datasets
(Deschaintre et al. 2018 and successors): one PNG per sample, five square panels left to right:

    photo | normals | diffuse | roughness | specular

The photo and the colour maps are gamma 2.2 encoded, normals (n+1)/2 (``flip_green`` for a
DirectX-style source), roughness grey. Panel width = image width / 5.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from torch.utils.data import Dataset

from engine.data.sample import NAME, from_numpy, resize
from engine.export.pixels import read_pixels

log = logging.getLogger(__name__)
PANELS = ("image", "normals", "diffuse", "roughness", "specular")
GAMMA = 2.2


def split_panels(pixels: np.ndarray, flip_green: bool = False, name: str = "") -> dict:
    """(H, 5W, C) stored pixels in [0,1] -> sample with the five components."""
    h, w5 = pixels.shape[:2]
    if w5 % 5 != 0:
        raise ValueError(f"A five-panel image must be 5 panels wide; width {w5} is not a multiple of 5.")
    w = w5 // 5
    rgb = np.repeat(pixels, 3, axis=2) if pixels.shape[2] == 1 else pixels[:, :, :3]
    panel = {key: rgb[:, i * w:(i + 1) * w] for i, key in enumerate(PANELS)}
    normals = panel["normals"] * 2 - 1
    if flip_green:
        normals[:, :, 1] *= -1
    normals /= np.maximum(np.linalg.norm(normals, axis=2, keepdims=True), 1e-6)
    return {
        NAME: name,
        "image": from_numpy(panel["image"] ** GAMMA),
        "normals": from_numpy(normals),
        "diffuse": from_numpy(panel["diffuse"] ** GAMMA),
        "roughness": from_numpy(panel["roughness"].mean(axis=2, keepdims=True)),
        "specular": from_numpy(panel["specular"] ** GAMMA),
    }


def join_panels(sample: dict) -> np.ndarray:
    """The inverse of ``split_panels``: a (H, 5W, 3) image in [0,1] (for tests and conversions)."""
    def arr(key):
        return sample[key].detach().cpu().permute(1, 2, 0).numpy()

    parts = [arr("image").clip(0, 1) ** (1 / GAMMA), (arr("normals") + 1) / 2,
             arr("diffuse").clip(0, 1) ** (1 / GAMMA), np.repeat(arr("roughness"), 3, axis=2),
             arr("specular").clip(0, 1) ** (1 / GAMMA)]
    return np.concatenate(parts, axis=1).astype(np.float32)


class FivePanelDataset(Dataset):
    """Every PNG/JPEG directly in ``root`` (sorted) is one sample."""

    def __init__(self, root: str | Path, size: int | None = None, flip_green: bool = False):
        self.root = Path(root)
        if not self.root.is_dir():
            raise ValueError(f"The five-panel dataset folder {self.root} does not exist.")
        self.size = size
        self.flip_green = flip_green
        self.files = sorted(p for p in self.root.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
        log.info("five-panel dataset %s: %d samples", self.root, len(self.files))

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict:
        path = self.files[index]
        sample = split_panels(read_pixels(path), self.flip_green, path.stem)
        return resize(sample, self.size) if self.size else sample

    def names(self) -> list[str]:
        return [p.stem for p in self.files]
