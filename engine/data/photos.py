"""Turn any SVBRDF map dataset (MatSynth, folders of maps) into flash-photo training samples.

``SimulatedPhotoDataset(base, resolution, seed)``: item i takes base item i, optionally a random
crop (``crop``, before resizing to ``resolution``), a random quarter turn and mirror
(``augment``), then adds a simulated flash photo (``image``) and its ``halfway`` map; all random
choices are a pure function of (seed, i). Base samples need diffuse, specular, roughness, normals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch.utils.data import Dataset

from engine.data.augment import random_crop, rotate_flip
from engine.data.sample import NAME, resize
from engine.materials.photo import PhotoSettings, simulate_flash_photo

NEEDED = ("diffuse", "specular", "roughness", "normals")


@dataclass
class SimulatedPhotoDataset(Dataset):
    base: Dataset
    resolution: int | None = 256
    seed: int = 0
    crop: int | None = None
    augment: bool = True
    photo: PhotoSettings = field(default_factory=PhotoSettings)

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, index: int) -> dict:
        sample = dict(self.base[index])
        missing = [k for k in NEEDED if k not in sample]
        if missing:
            name = sample.get(NAME, index)
            raise ValueError(f"Sample {name} lacks {', '.join(missing)}, needed for a flash photo.")
        s = (self.seed * 1_000_003 + index * 7_919 + 99_991) % (2**62)
        g = torch.Generator().manual_seed(s)
        sample = {k: v for k, v in sample.items() if k == NAME or k in NEEDED or k == "height"}
        if self.crop:
            sample = random_crop(sample, self.crop, g)
        if self.resolution:
            sample = resize(sample, self.resolution)
        if self.augment:
            turns = int(torch.randint(4, (), generator=g))
            flip = bool(torch.rand((), generator=g) < 0.5)
            sample = rotate_flip(sample, turns, flip)
        maps = {k: sample[k].unsqueeze(0) for k in NEEDED}
        photo = simulate_flash_photo(maps, s, self.photo)
        sample["image"] = photo.image[0]
        sample["halfway"] = photo.halfway[0]
        return sample
