"""Datasets generated on the fly from the procedural materials and scenes (deterministic per index).

- ``GeneratedSVBRDFDataset``: a simulated flash photo (image, halfway) with its maps (diffuse,
  specular, roughness, normals); optionally some samples photographed under an HDR environment
  instead (those carry no halfway map).
- ``GeneratedIntrinsicDataset``: a synthetic scene with image, albedo, diffuse, specular, roughness,
  diffuseshading, residual, inverseshading, normals, depth, mask.
Sample ``i`` is a pure function of (seed, i), so workers, epochs and machines agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch.utils.data import Dataset

from engine.data.sample import NAME
from engine.materials.environment import environment_names, load_environment
from engine.materials.generator import FAMILIES, random_material
from engine.materials.photo import PhotoSettings, simulate_environment_photo, simulate_flash_photo
from engine.materials.scenes import KINDS, random_scene, render_scene

SVBRDF_COMPONENTS = ("diffuse", "specular", "roughness", "normals")


def _mix(seed: int, index: int) -> int:
    return (int(seed) * 1_000_003 + int(index) * 7_919 + 12_345) % (2**62)


@dataclass
class GeneratedSVBRDFDataset(Dataset):
    length: int
    resolution: int = 256
    seed: int = 0
    families: Sequence[str] = FAMILIES
    mix_probability: float = 0.25
    environment_probability: float = 0.0
    photo: PhotoSettings = field(default_factory=PhotoSettings)
    device: str = "cpu"
    environments: Sequence[str] | None = None
    """HDR environments for the environment-lit photos (default: every one in assets/hdri)."""

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < self.length:
            raise IndexError(f"Index {index} is outside this dataset of {self.length} samples.")
        s = _mix(self.seed, index)
        families = list(self.families)
        maps, name = random_material(self.resolution, s, self.mix_probability, families, self.device)
        g = torch.Generator().manual_seed(s)
        sample: dict = {NAME: f"{index:06d}_{name}"}
        envs = list(self.environments) if self.environments is not None else environment_names()
        if envs and float(torch.rand((), generator=g)) < self.environment_probability:
            env = load_environment(envs[int(torch.randint(len(envs), (), generator=g))])
            photo = simulate_environment_photo(maps, env, s, self.photo)
        else:
            photo = simulate_flash_photo(maps, s, self.photo)
            sample["halfway"] = photo.halfway[0]
        sample["image"] = photo.image[0]
        for key in SVBRDF_COMPONENTS:
            sample[key] = maps[key][0]
        return sample


@dataclass
class GeneratedIntrinsicDataset(Dataset):
    length: int
    resolution: int = 256
    seed: int = 0
    kinds: Sequence[str] = KINDS
    texture_size: int = 128
    device: str = "cpu"
    families: Sequence[str] | None = None
    """Material families drawn (default all); training leaves the held-out ones out."""
    environments: Sequence[str] | None = None
    """HDR environments drawn (default all bundled ones)."""

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < self.length:
            raise IndexError(f"Index {index} is outside this dataset of {self.length} samples.")
        s = _mix(self.seed, index)
        g = torch.Generator().manual_seed(s)
        kind = list(self.kinds)[int(torch.randint(len(self.kinds), (), generator=g))]
        spec = random_scene(s, kind=kind,
                            environments=list(self.environments) if self.environments is not None else None,
                            families=list(self.families) if self.families is not None else None)
        out = render_scene(spec, self.resolution, self.texture_size, self.device)
        sample: dict = {NAME: f"{index:06d}_{kind}"}
        sample.update({k: v[0] for k, v in out.items()})
        return sample
