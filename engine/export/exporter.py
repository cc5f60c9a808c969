"""``export_material``: one preset, written atomically, with a ``material.json`` manifest.

Steps: check inputs -> resize -> derive the preset's sources (conversions) -> write every texture
into a staging folder -> scene files (.gltf/.glb/.mtlx) -> manifest -> move into place.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine import __version__
from engine.export import raw as raw_layout
from engine.export.atomic import ExportError, staged_folder
from engine.export.presets import FORMATS, Preset, TextureSpec, get_preset
from engine.export.sources import (
    UNBOUNDED,
    MissingSource,
    SourceMaps,
    channel_label,
    expand_channels,
    resize_maps,
    target_size,
)
from engine.io.writers import write_image
from engine.materials.conversions import roundtrip_error
from engine.progress import CancelToken, ProgressCallback

log = logging.getLogger(__name__)

MANIFEST = "material.json"
MANIFEST_VERSION = 1
_NAME_FORBIDDEN = set('/\\:*?"<>|')


@dataclass
class ExportedTexture:
    """One written file: its name, what it holds per channel, and how it is encoded."""

    file: str
    map: str
    channels: list[str]
    colorspace: str
    format: str
    bit_depth: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ExportReport:
    """What an export wrote (paths are inside ``out_dir``) and how lossy its conversions were."""

    preset: str
    out_dir: Path
    name: str
    size: tuple[int, int]
    textures: list[ExportedTexture] = field(default_factory=list)
    scenes: list[str] = field(default_factory=list)
    manifest: Path | None = None
    roundtrip: dict | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        names = [t.file for t in self.textures] + self.scenes + [MANIFEST]
        return [self.out_dir / n for n in names]


def _check_name(name: str) -> str:
    if not name or name in (".", "..") or any(c in _NAME_FORBIDDEN for c in name):
        raise ValueError(f"The material name {name!r} cannot be used in a file name.")
    return name


def _check_maps(maps: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not maps:
        raise ValueError("There are no maps to export.")
    checked = {name: raw_layout.check_map(name, array) for name, array in maps.items()}
    shapes = {name: a.shape[:2] for name, a in checked.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"The maps differ in size: {shapes}.")
    return checked


def _texture_format(texture: TextureSpec, fmt: str | None, unbounded: bool) -> tuple[str, str]:
    """(format, colour space) after the user's override; unbounded data always goes to EXR."""
    chosen = fmt or texture.format
    if unbounded and not chosen.startswith("exr"):
        chosen = "exr32"
    colorspace = texture.colorspace
    if chosen.startswith("exr") and colorspace != "linear":
        colorspace = "linear"  # EXR is linear by definition
    return chosen, colorspace


def _render_texture(sources: SourceMaps, texture: TextureSpec, colorspace: str) -> np.ndarray:
    expanded = expand_channels(texture.channels)
    planes = [sources.channel(source, index) for source, index in expanded]
    pixels = np.stack(planes, axis=-1)
    if colorspace == "gamma2.2":
        colour = min(3, pixels.shape[-1])
        pixels[..., :colour] = np.power(np.clip(pixels[..., :colour], 0.0, 1.0), 1.0 / raw_layout.GAMMA)
    return pixels


def _file_name(preset: Preset, texture_map: str, name: str, size: tuple[int, int], ext: str) -> str:
    stem = preset.template.format(name=name, map=texture_map, preset=preset.name, width=size[0],
                                  height=size[1])
    if not stem or any(c in _NAME_FORBIDDEN for c in stem):
        raise ValueError(f"The naming template {preset.template!r} gives the bad file name {stem!r}.")
    return stem + ext


def _plan(preset: Preset, sources: SourceMaps, name: str, size, fmt, warnings) -> list[tuple]:
    """The textures to write: (spec, file name, format, colour space); skips optional missing ones."""
    plan = []
    for texture in preset.textures:
        expanded = expand_channels(texture.channels)
        missing = []
        for source, index in expanded:
            if index is not None and not sources.has(source):
                try:
                    sources.get(source)
                except MissingSource as error:
                    missing.append(str(error))
        if missing:
            if texture.optional:
                warnings.append(f"{texture.map} skipped: {missing[0]}.")
                continue
            raise ValueError(f"The {preset.name} preset cannot make {texture.map}: {missing[0]}.")
        unbounded = any(s in UNBOUNDED for s, i in expanded if i is not None)
        chosen, colorspace = _texture_format(texture, fmt, unbounded)
        ext, _ = FORMATS[chosen]
        plan.append((texture, _file_name(preset, texture.map, name, size, ext), chosen, colorspace))
    files = [p[1] for p in plan]
    if len(set(files)) != len(files):
        raise ValueError(f"The naming template {preset.template!r} gives two textures the same file name.")
    return plan


def _raw_file(component: str, raw_fmt: str) -> tuple[str, str]:
    """(file name, format) of one map in the raw layout: unbounded maps are always float EXR."""
    if raw_layout.COMPONENT_ENCODINGS[component].kind == "hdr" and not raw_fmt.startswith("exr"):
        return f"{component}.exr", "exr32"
    return component + FORMATS[raw_fmt][0], raw_fmt


def _roundtrip(maps: dict[str, np.ndarray], fov_degrees: float) -> dict | None:
    if "diffuse" not in maps or "specular" not in maps:
        return None
    return roundtrip_error(maps, fov_degrees=fov_degrees).to_dict()


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def export_material(
    maps: dict[str, np.ndarray],
    preset: str | os.PathLike | Preset,
    out_dir: str | os.PathLike,
    name: str = "material",
    fmt: str | None = None,
    resolution: int | tuple[int, int] | str | None = None,
    overwrite: bool = False,
    *,
    tileable: bool = False,
    ambient_occlusion: bool = True,
    normal: str | None = None,
    scenes: tuple[str, ...] | None = None,
    template: str | None = None,
    fov_degrees: float = 45.0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ExportReport:
    """Export engine ``maps`` (numpy (H,W,C) float32) with ``preset`` into the folder ``out_dir``.

    ``fmt`` overrides every texture's format (png8, png16, tif16, exr16, exr32; unbounded maps stay
    EXR); ``resolution`` is N (longer side), (W, H) or "WxH"; ``tileable`` picks periodic height
    integration and AO (default: mirror-padded, right for maps that do not tile); ``normal``
    overrides the preset's normal convention, ``scenes`` its scene files and ``template`` its
    naming template. Nothing is written unless everything succeeds; an
    existing file of the same name is an error unless ``overwrite``. Raises ValueError for bad input
    and :class:`ExportError` when the file system refuses.
    """
    import dataclasses

    from engine.export import scenes as scene_files

    preset = get_preset(preset)
    overrides = {k: v for k, v in (("normal", normal), ("template", template)) if v is not None}
    if scenes is not None:
        overrides["scenes"] = tuple(scenes)
    if overrides:
        preset = dataclasses.replace(preset, **overrides)
    name = _check_name(name)
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")
    maps = _check_maps(maps)
    size = target_size(next(iter(maps.values())).shape[:2], resolution)
    maps = resize_maps(maps, size)
    report = ExportReport(preset.name, Path(out_dir), name, size)
    sources = SourceMaps(maps, preset.normal, periodic=tileable, ambient_occlusion=ambient_occlusion)

    if preset.raw:
        raw_fmt = fmt or "png16"
        plan = []
        names = [_raw_file(n, raw_fmt)[0] for n in maps]
    else:
        plan = _plan(preset, sources, name, size, fmt, report.warnings)
        names = [p[1] for p in plan]
    scene_names = {kind: f"{name}.{kind}" for kind in preset.scenes}
    total = len(names) + len(scene_names) + 1
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        if cancel is not None:
            cancel.raise_if_cancelled()
        if progress is not None:
            progress(step, total)

    with staged_folder(report.out_dir, names + list(scene_names.values()) + [MANIFEST], overwrite) as stage:
        if preset.raw:
            for path in raw_layout.write_raw(maps, stage, fmt=raw_fmt):
                file_name, chosen = _raw_file(path.stem, raw_fmt)
                report.textures.append(ExportedTexture(file_name, path.stem, [path.stem], "raw", chosen,
                                                       FORMATS[chosen][1]))
                tick()
        for texture, file_name, chosen, colorspace in plan:
            pixels = _render_texture(sources, texture, colorspace)
            bits = FORMATS[chosen][1]
            write_image(stage / file_name, pixels, bit_depth=bits, srgb=colorspace == "srgb")
            labels = [channel_label(s, i) for s, i in expand_channels(texture.channels)]
            report.textures.append(ExportedTexture(file_name, texture.map, labels, colorspace, chosen, bits))
            tick()
        for kind, file_name in scene_names.items():
            written = scene_files.write_scene(kind, stage / file_name, report, preset)
            if written:
                report.scenes.append(file_name)
            tick()
        report.roundtrip = _roundtrip(maps, fov_degrees)
        manifest = {
            "format_version": MANIFEST_VERSION,
            "generator": f"teamwork-studio {__version__}",
            "name": name,
            "preset": preset.name,
            "preset_source": preset.source,
            "size": list(size),
            "normal_convention": preset.normal,
            "source_maps": sorted(maps),
            "textures": [t.to_dict() for t in report.textures],
            "scenes": report.scenes,
            "conversions": {"roundtrip": report.roundtrip, **sources.info},
            "warnings": report.warnings,
        }
        (stage / MANIFEST).write_text(json.dumps(_json_safe(manifest), indent=2) + "\n", encoding="utf-8")
        tick()
    report.manifest = report.out_dir / MANIFEST
    log.info("exported %s with preset %s to %s (%d files)", name, preset.name, report.out_dir, total)
    return report


__all__ = ["ExportError", "ExportReport", "ExportedTexture", "export_material"]
