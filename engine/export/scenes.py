"""Scene files for an export: find which written texture feeds which shader slot, then write.

A scene file only references textures the preset wrote; when the preset's packing cannot feed the
scene format (e.g. glTF needs roughness in G and metallic in B of one file), the scene is skipped
with a warning in the report rather than written wrong.
"""

from __future__ import annotations

import logging
from pathlib import Path

from engine.export.gltf import GltfTextures, write_gltf
from engine.export.mtlx import ChannelRef, MtlxInputs, write_mtlx

log = logging.getLogger(__name__)

_RGB = ["{0}.r", "{0}.g", "{0}.b"]


def _rgb_file(textures, source: str, formats=None):
    labels = [f.format(source) for f in _RGB]
    for t in textures:
        if t.channels[:3] == labels and (formats is None or t.format in formats):
            return t
    return None


def _channel(textures, label: str, formats=None) -> ChannelRef | None:
    for t in textures:
        if label in t.channels and (formats is None or t.format in formats):
            return ChannelRef(t.file, t.channels.index(label), len(t.channels))
    return None


def _gltf_textures(textures, normal_convention: str) -> tuple[GltfTextures | None, str]:
    png = ("png8", "png16")
    base = _rgb_file(textures, "basecolor", png)
    if base is None or base.colorspace != "srgb":
        return None, "it needs an sRGB PNG base colour"
    mr = next((t for t in textures if len(t.channels) >= 3 and t.channels[1] == "roughness"
               and t.channels[2] == "metallic" and t.format in png), None)
    if mr is None:
        return None, "it needs a PNG with roughness in G and metallic in B (an ORM texture)"
    normal = _rgb_file(textures, "normal", png) if normal_convention == "opengl" else None
    occlusion = next((t for t in textures if t.channels[0] == "ao" and t.format in png), None)
    return GltfTextures(base.file, mr.file, normal.file if normal else None,
                        occlusion.file if occlusion else None), ""


def _mtlx_inputs(textures, normal_convention: str) -> MtlxInputs | None:
    base = _rgb_file(textures, "basecolor")
    if base is None:
        return None
    normal = _rgb_file(textures, "normal") if normal_convention == "opengl" else None
    return MtlxInputs(
        base_color=base.file,
        base_color_srgb=base.colorspace == "srgb",
        metalness=_channel(textures, "metallic"),
        roughness=_channel(textures, "roughness"),
        normal=normal.file if normal else None,
        occlusion=_channel(textures, "ao"),
    )


def write_scene(kind: str, path: Path, report, preset) -> bool:
    """Write one scene file (gltf, glb or mtlx) for ``report.textures``; False (and a warning) if the
    preset's textures cannot feed it."""
    if kind in ("gltf", "glb"):
        textures, why = _gltf_textures(report.textures, preset.normal)
        if textures is None:
            report.warnings.append(f"{path.name} skipped: {why}; the {preset.name} preset writes none.")
            return False
        if textures.normal is None and preset.normal != "opengl":
            report.warnings.append(f"{path.name} has no normal map: glTF expects OpenGL normals.")
        write_gltf(path, report.name, textures)
        return True
    if kind == "mtlx":
        inputs = _mtlx_inputs(report.textures, preset.normal)
        if inputs is None:
            report.warnings.append(f"{path.name} skipped: the {preset.name} preset writes no base colour.")
            return False
        write_mtlx(path, report.name, inputs)
        return True
    raise ValueError(f"Unknown scene file kind {kind!r}; use gltf, glb or mtlx.")
