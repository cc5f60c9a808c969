"""Training data: sources of examples and their weighted, heterogeneous mix.

An :class:`Example` holds engine maps ``(C,H,W)`` (CONTRACTS.md conventions) for only the
components its dataset has, plus optional per-pixel loss weights ``(1,H,W)`` by component. The
trainer activates exactly the teammates whose component an example has: heterogeneous datasets mix
in one batch, the loss covers each example's own outputs only.

Sources (``[[data]] source = ...``):
- ``toy``: smooth random colours as ``image`` and simple colour transforms of it as outputs
  (albedo = rotated channels, specular = 1 - image, roughness = luminance, diffuse = image^2);
  options ``outputs`` (list), ``mask`` (bool: random rectangular loss weights), ``cells``
  (colour grid resolution; 1 = one flat colour per example).
- ``svbrdf``: procedural materials (engine.materials) rendered under a colocated flash, with the
  halfway map; options ``fov`` ([min, max] degrees).
- any source with ``inpaint_masks = true`` (or a table with ``coverage = [lo, hi]``): adds a random
  hole ``mask`` per example for the inpainting task (:class:`InpaintMasks`).
- ``folder``: ``path/<sample>/<component>.(png|exr|tif)``, optional ``weight.png``; 8/16-bit colour
  maps are gamma 2.2, normals and halfway stored as (x+1)/2; random crops of ``size``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import torch
import torch.nn.functional as F

from engine.tasks import channels

log = logging.getLogger(__name__)


@dataclass
class Example:
    maps: dict[str, torch.Tensor]
    weights: dict[str, torch.Tensor] = field(default_factory=dict)
    known: torch.Tensor | None = None
    """``(1,H,W)``, 1 where output teammates stay clean (inpainting: the pixels outside the hole)."""


class Source(Protocol):
    components: tuple[str, ...]

    def sample(self, generator: torch.Generator, size: int) -> Example: ...


def _uniform(generator: torch.Generator, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo + (hi - lo) * float(torch.rand((), generator=generator))


def smooth_colours(generator: torch.Generator, size: int, cells: int = 4) -> torch.Tensor:
    coarse = torch.rand(1, 3, cells, cells, generator=generator)
    return F.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)[0]


TOY_TRANSFORMS = {
    "albedo": lambda x: x[[2, 0, 1]] * 0.8 + 0.1,
    "specular": lambda x: 1 - x,
    "roughness": lambda x: x.mean(0, keepdim=True),
    "diffuse": lambda x: x**2,
}


class ToySource:
    """``image`` and fixed colour transforms of it: a task a coordinated team can learn fast."""

    def __init__(self, outputs: list[str] | tuple[str, ...] = ("albedo",), mask: bool = False,
                 cells: int = 4) -> None:
        unknown = [o for o in outputs if o not in TOY_TRANSFORMS]
        if unknown:
            raise ValueError(f"The toy source cannot make {unknown}; it makes {', '.join(TOY_TRANSFORMS)}.")
        self.outputs = tuple(outputs)
        self.mask = mask
        self.cells = cells
        self.components = ("image", *self.outputs)

    def sample(self, generator: torch.Generator, size: int) -> Example:
        image = smooth_colours(generator, size, self.cells)
        maps = {"image": image} | {name: TOY_TRANSFORMS[name](image) for name in self.outputs}
        weights = {}
        if self.mask:
            weight = torch.zeros(1, size, size)
            y0, x0 = (int(v) for v in torch.randint(0, size // 2, (2,), generator=generator))
            weight[:, y0:y0 + size // 2, x0:x0 + size // 2] = 1
            weights = {name: weight for name in self.outputs}
        return Example(maps, weights)


def normalize_exposure(image: torch.Tensor, target: float = 0.8, quantile: float = 0.99) -> torch.Tensor:
    """Scale a linear photo ``(...,3,H,W)`` so its ``quantile`` brightest channel value is ``target``."""
    peak = torch.quantile(image.amax(dim=-3).flatten(-2).float(), quantile, dim=-1)
    return image * (target / peak.clamp_min(1e-6))[..., None, None, None]


class SVBRDFSource:
    """Procedural materials rendered under a colocated flash (the SVBRDF task's data)."""

    components = ("image", "halfway", "diffuse", "specular", "roughness", "normals")

    def __init__(self, fov: tuple[float, float] = (40.0, 60.0)) -> None:
        self.fov = tuple(fov)

    def sample(self, generator: torch.Generator, size: int) -> Example:
        from engine.materials import halfway_map, random_material, render_flash

        seed = int(torch.randint(0, 2**31 - 1, (), generator=generator))
        fov = _uniform(generator, *self.fov)
        material, _ = random_material(size, seed)
        maps = {name: material[name].float() for name in ("diffuse", "specular", "roughness", "normals")}
        image = render_flash(maps, fov)
        maps = {name: x[0] for name, x in maps.items()}
        maps["image"] = normalize_exposure(image)[0]
        maps["halfway"] = halfway_map(size, size, fov).float()
        return Example(maps)


_SUFFIXES = (".png", ".exr", ".tif", ".tiff")
_GAMMA = {"image", "diffuse", "specular", "albedo"}


def _read(path: Path, component: str) -> torch.Tensor:
    import imageio.v3 as iio
    import numpy as np

    array = np.asarray(iio.imread(path))
    linear = array.dtype.kind == "f"
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255
    elif array.dtype == np.uint16:
        array = array.astype(np.float32) / 65535
    array = array.astype(np.float32)
    if array.ndim == 2:
        array = array[..., None]
    x = torch.from_numpy(array[..., :3].copy()).permute(2, 0, 1)
    if x.shape[0] == 1 and channels(component) == 3:
        x = x.expand(3, -1, -1)
    if component in _GAMMA and not linear:
        x = x.clamp(0, 1) ** 2.2
    if component in ("normals", "halfway") and not linear:
        x = x * 2 - 1
    return x[:1] if channels(component) == 1 else x


class FolderSource:
    """One sub-folder per example holding ``<component>.<ext>`` files (only the components it has)."""

    def __init__(self, path: str | Path) -> None:
        self.root = Path(path)
        if not self.root.is_dir():
            raise ValueError(f"Training data folder {self.root} does not exist.")
        self.folders = sorted(p for p in self.root.iterdir() if p.is_dir())
        if not self.folders:
            raise ValueError(f"Training data folder {self.root} has no example sub-folders.")
        names = {f.stem for folder in self.folders for f in folder.iterdir() if f.suffix.lower() in _SUFFIXES}
        self.components = tuple(sorted(names - {"weight"}))

    def sample(self, generator: torch.Generator, size: int) -> Example:
        folder = self.folders[int(torch.randint(0, len(self.folders), (), generator=generator))]
        files = {f.stem: f for f in folder.iterdir() if f.suffix.lower() in _SUFFIXES}
        maps = {name: _read(path, name) for name, path in files.items() if name != "weight"}
        weight = _read(files["weight"], "roughness") if "weight" in files else None
        h, w = next(iter(maps.values())).shape[-2:]
        scale = max(size / h, size / w, 1.0)
        if scale > 1:
            hh, ww = math.ceil(h * scale), math.ceil(w * scale)
            maps = {k: F.interpolate(v[None], size=(hh, ww), mode="bilinear")[0] for k, v in maps.items()}
            if weight is not None:
                weight = F.interpolate(weight[None], size=(hh, ww), mode="nearest")[0]
            h, w = hh, ww
        y = int(torch.randint(0, h - size + 1, (), generator=generator))
        x = int(torch.randint(0, w - size + 1, (), generator=generator))
        maps = {k: v[:, y:y + size, x:x + size] for k, v in maps.items()}
        if "normals" in maps:
            maps["normals"] = F.normalize(maps["normals"], dim=0)
        weights = {}
        if weight is not None:
            weights = {k: weight[:, y:y + size, x:x + size] for k in maps}
        return Example(maps, weights)


def _generated(name: str):
    def build(**options):
        from engine.pipelines import train_generated

        return getattr(train_generated, name)(**options)

    return build


SOURCES = {
    "toy": ToySource,
    "svbrdf": SVBRDFSource,
    "folder": FolderSource,
    "generated_svbrdf": _generated("GeneratedSVBRDFSource"),
    "generated_intrinsic": _generated("GeneratedIntrinsicSource"),
}


class InpaintMasks:
    """Wraps a source for the inpainting task: a random hole ``mask`` per example; outside the hole
    the outputs stay clean (``Example.known``), inside it they are denoised and carry the loss."""

    def __init__(self, source: Source, coverage: tuple[float, float] = (0.05, 0.45)) -> None:
        self.source = source
        self.coverage = (float(coverage[0]), float(coverage[1]))
        self.components = (*source.components, "mask")

    def sample(self, generator: torch.Generator, size: int) -> Example:
        from engine.data.masks import random_hole_mask

        example = self.source.sample(generator, size)
        hole = random_hole_mask(generator, size, self.coverage)
        weights = {name: hole * example.weights.get(name, 1.0) for name in example.maps}
        return Example(example.maps | {"mask": hole}, weights, known=1 - hole)


def make_source(name: str, options: dict) -> Source:
    if name not in SOURCES:
        raise ValueError(f"Unknown data source {name!r}; use one of {', '.join(SOURCES)}.")
    options = dict(options)
    inpaint = options.pop("inpaint_masks", False)
    try:
        source = SOURCES[name](**options)
    except TypeError as error:
        raise ValueError(f"Bad options for data source {name!r}: {error}.") from None
    if inpaint:
        coverage = inpaint.get("coverage", (0.05, 0.45)) if isinstance(inpaint, dict) else (0.05, 0.45)
        source = InpaintMasks(source, coverage)
    return source


class DataMix:
    """Draw examples from several sources with the given weights (reproducible from a generator)."""

    def __init__(self, sources: list[Source], weights: list[float]) -> None:
        if not sources or len(sources) != len(weights) or min(weights) < 0 or sum(weights) <= 0:
            raise ValueError("A data mix needs at least one source and non-negative weights summing above 0.")
        self.sources = sources
        self.probabilities = torch.tensor(weights, dtype=torch.float64) / sum(weights)

    def batch(self, generator: torch.Generator, batch_size: int, size: int) -> list[Example]:
        picks = torch.multinomial(self.probabilities, batch_size, replacement=True, generator=generator)
        return [self.sources[int(i)].sample(generator, size) for i in picks]
