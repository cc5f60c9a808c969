"""Training sources backed by the procedural datasets of ``engine.data`` (simulated photos, scenes).

- ``generated_svbrdf``: a simulated flash photo (noise, exposure, 8-bit quantisation; optionally
  HDRI-lit photos, which carry no halfway map) with its SVBRDF maps. ``exclude_families`` keeps
  held-out material families out of training (see benchmarks/eval/heldout.py).
- ``generated_intrinsic``: a synthetic scene with image, albedo, diffuseshading, residual, normals,
  depth (…); its ``mask`` becomes the per-pixel loss weight of every output. ``exclude_families`` and
  ``exclude_environments`` keep held-out materials and HDRIs out of its scenes.
Examples are drawn at a random index of a deterministic dataset, so a run is reproducible from its
generator state (and resumes exactly).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from engine.pipelines.train_data import Example

_INDEX_RANGE = 2**31 - 1


def _keep(names: Sequence[str], excluded: Sequence[str], what: str) -> tuple[str, ...]:
    """``names`` without ``excluded``; naming an unknown one is a clear error (a typo would leak)."""
    unknown = set(excluded) - set(names)
    if unknown:
        raise ValueError(f"Unknown {what} to exclude: {', '.join(sorted(unknown))}.")
    return tuple(n for n in names if n not in set(excluded))


class GeneratedSVBRDFSource:
    components = ("image", "halfway", "diffuse", "specular", "roughness", "normals")

    def __init__(self, exclude_families: Sequence[str] = (), environment_probability: float = 0.0,
                 fov: Sequence[float] = (30.0, 70.0), mix_probability: float = 0.25,
                 jpeg_probability: float = 0.0, seed: int = 0,
                 exclude_environments: Sequence[str] = ()) -> None:
        from engine.materials.environment import environment_names
        from engine.materials.generator import FAMILIES

        self.families = _keep(FAMILIES, exclude_families, "material families")
        self.environments = _keep(environment_names(), exclude_environments, "HDR environments")
        self.environment_probability = float(environment_probability)
        self.fov = (float(fov[0]), float(fov[1]))
        self.mix_probability = float(mix_probability)
        self.jpeg_probability = float(jpeg_probability)
        self.seed = int(seed)
        self._datasets: dict[int, object] = {}

    def _dataset(self, size: int):
        from engine.data.generated import GeneratedSVBRDFDataset
        from engine.materials.photo import PhotoSettings

        if size not in self._datasets:
            self._datasets[size] = GeneratedSVBRDFDataset(
                _INDEX_RANGE, resolution=size, seed=self.seed, families=self.families,
                mix_probability=self.mix_probability, environment_probability=self.environment_probability,
                photo=PhotoSettings(fov_range=self.fov, jpeg_probability=self.jpeg_probability),
                environments=self.environments,
            )
        return self._datasets[size]

    def sample(self, generator: torch.Generator, size: int) -> Example:
        index = int(torch.randint(0, _INDEX_RANGE, (), generator=generator))
        item = self._dataset(size)[index]
        return Example({k: v.float() for k, v in item.items() if k in self.components})


class GeneratedIntrinsicSource:
    components = ("image", "albedo", "diffuseshading", "residual", "normals", "depth",
                  "diffuse", "specular", "roughness")

    def __init__(self, texture_size: int = 64, seed: int = 0, exclude_families: Sequence[str] = (),
                 exclude_environments: Sequence[str] = ()) -> None:
        from engine.materials.environment import environment_names
        from engine.materials.generator import FAMILIES

        self.texture_size = int(texture_size)
        self.seed = int(seed)
        self.families = _keep(FAMILIES, exclude_families, "material families")
        self.environments = _keep(environment_names(), exclude_environments, "HDR environments")
        self._datasets: dict[int, object] = {}

    def _dataset(self, size: int):
        from engine.data.generated import GeneratedIntrinsicDataset

        if size not in self._datasets:
            self._datasets[size] = GeneratedIntrinsicDataset(
                _INDEX_RANGE, resolution=size, seed=self.seed, texture_size=self.texture_size,
                families=self.families, environments=self.environments)
        return self._datasets[size]

    def sample(self, generator: torch.Generator, size: int) -> Example:
        index = int(torch.randint(0, _INDEX_RANGE, (), generator=generator))
        item = self._dataset(size)[index]
        maps = {k: v.float() for k, v in item.items() if k in self.components}
        weights = {}
        if "mask" in item:
            mask = item["mask"].float()[:1]
            weights = {k: mask for k in maps if k != "image"}
        return Example(maps, weights)
