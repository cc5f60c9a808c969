"""The on-disk dataset format: one folder per sample, one image per component named after it.

    root/<sample>/image.exr, diffuse.png, specular.png, roughness.png, normals.png, ...

Encodings are those of the raw material layout (engine.export.raw): colour maps x^(1/2.2) in PNG,
normals/halfway (n+1)/2, roughness/metallic grey, unbounded components (image, diffuseshading,
residual, depth, height) as EXR. Two additions for datasets: ``mask`` is stored as a grey 8-bit PNG,
and an ``image`` stored as PNG/JPEG (a real photo) is read as sRGB and linearised.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from torch.utils.data import Dataset

from engine.data.sample import NAME, from_numpy, resize, to_numpy
from engine.export.pixels import read_pixels
from engine.export.raw import COMPONENT_ENCODINGS, decode_map, write_raw
from engine.io.writers import srgb_decode, write_image

log = logging.getLogger(__name__)
EXTRA = {"mask": 1}
_EXTENSIONS = (".png", ".exr", ".tif", ".tiff", ".jpg", ".jpeg")


def write_sample(folder: str | Path, sample: dict, fmt: str = "png16", photo_png: bool = False) -> list[Path]:
    """Write a sample's components into ``folder`` (created); returns the written paths.

    ``photo_png`` stores ``image`` as an 8-bit sRGB PNG (lossless for simulated 8-bit photos)
    instead of a float EXR.
    """
    folder = Path(folder)
    known = {k: to_numpy(v) for k, v in sample.items() if k in COMPONENT_ENCODINGS}
    photo = known.pop("image") if photo_png and "image" in known else None
    unknown = [k for k in sample if k != NAME and k not in COMPONENT_ENCODINGS and k not in EXTRA]
    if unknown:
        raise ValueError(f"Cannot store components {', '.join(unknown)} in the folder format.")
    paths = write_raw(known, folder, fmt) if known else []
    if photo is not None:
        folder.mkdir(parents=True, exist_ok=True)
        stale = folder / "image.exr"
        if stale.exists():
            stale.unlink()
        paths.append(write_image(folder / "image.png", photo.clip(0, 1), bit_depth=8, srgb=True))
    if "mask" in sample:
        folder.mkdir(parents=True, exist_ok=True)
        paths.append(write_image(folder / "mask.png", to_numpy(sample["mask"]).clip(0, 1), bit_depth=8))
    return paths


def sample_files(folder: Path) -> dict[str, Path]:
    """Component -> file for the recognised files in a sample folder."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        name, ext = path.stem, path.suffix.lower()
        if ext in _EXTENSIONS and (name in COMPONENT_ENCODINGS or name in EXTRA) and path.is_file():
            if name in found:
                twins = f"{found[name].name} and {path.name}"
                raise ValueError(f"The sample {folder} has two files for {name}: {twins}.")
            found[name] = path
    return found


def read_sample(folder: str | Path, components: Sequence[str] | None = None) -> dict:
    """Read one sample folder (all components, or only ``components``) into a sample dict."""
    folder = Path(folder)
    files = sample_files(folder)
    if components is not None:
        files = {k: v for k, v in files.items() if k in components}
    if not files:
        raise ValueError(f"The folder {folder} holds no dataset components (expected files like image.exr).")
    sample: dict = {NAME: folder.name}
    for name, path in files.items():
        pixels = read_pixels(path)
        linear = path.suffix.lower() == ".exr"
        if name == "mask":
            sample[name] = from_numpy(pixels[:, :, :1])
        elif name == "image" and not linear:
            sample[name] = from_numpy(srgb_decode(pixels[:, :, :3]))
        else:
            sample[name] = from_numpy(decode_map(name, pixels, linear))
    return sample


class FolderDataset(Dataset):
    """Every sub-folder of ``root`` holding at least one component file is a sample (sorted by name)."""

    def __init__(self, root: str | Path, components: Sequence[str] | None = None, size: int | None = None):
        self.root = Path(root)
        if not self.root.is_dir():
            raise ValueError(f"The dataset folder {self.root} does not exist.")
        self.components = list(components) if components else None
        self.size = size
        self.folders = [p for p in sorted(self.root.iterdir()) if p.is_dir() and sample_files(p)]
        log.info("folder dataset %s: %d samples", self.root, len(self.folders))

    def __len__(self) -> int:
        return len(self.folders)

    def __getitem__(self, index: int) -> dict:
        sample = read_sample(self.folders[index], self.components)
        return resize(sample, self.size) if self.size else sample

    def names(self) -> list[str]:
        return [p.name for p in self.folders]


