"""glTF 2.0 scene files: the exported material on a unit quad (.gltf by relative URI, .glb embedded).

The quad spans [-0.5, 0.5]^2 in the XY plane facing +Z (glTF is +Y up), with UVs (origin at the
image's top-left, as glTF defines), normals and tangents (+X, w = +1: OpenGL-style normal maps).
Textures follow the glTF channel rules: baseColor sRGB, metallicRoughness G = roughness and
B = metallic, occlusion R, normal (OpenGL). Only PNG textures can be referenced (glTF core).
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

POSITIONS = np.array([[-0.5, -0.5, 0], [0.5, -0.5, 0], [0.5, 0.5, 0], [-0.5, 0.5, 0]], np.float32)
NORMALS = np.tile(np.float32([0, 0, 1]), (4, 1))
TANGENTS = np.tile(np.float32([1, 0, 0, 1]), (4, 1))
UVS = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], np.float32)
INDICES = np.array([0, 1, 2, 0, 2, 3], np.uint16)


@dataclass(frozen=True)
class GltfTextures:
    """File names (inside the export folder) for each glTF slot; occlusion is optional."""

    base_color: str
    metallic_roughness: str
    normal: str | None
    occlusion: str | None


def _geometry() -> tuple[bytes, list[tuple[int, int, int, str, list | None, list | None]]]:
    """The quad's buffer bytes and (offset, length, count, type, min, max) per accessor."""
    blobs = [POSITIONS, NORMALS, TANGENTS, UVS, INDICES]
    types = ["VEC3", "VEC3", "VEC4", "VEC2", "SCALAR"]
    data = b""
    views = []
    for blob, kind in zip(blobs, types, strict=True):
        raw = blob.tobytes()
        lo = hi = None
        if blob is POSITIONS:
            lo, hi = POSITIONS.min(0).tolist(), POSITIONS.max(0).tolist()
        views.append((len(data), len(raw), len(blob), kind, lo, hi))
        data += raw + b"\0" * (-len(raw) % 4)
    return data, views


def build_gltf(name: str, textures: GltfTextures, folder: Path, embed: bool):
    """A pygltflib GLTF2 of the quad; ``embed`` puts geometry and PNGs in the binary blob (.glb)."""
    import pygltflib as g

    geometry, views = _geometry()
    blob = bytearray(geometry)
    gltf = g.GLTF2(asset=g.Asset(generator="teamwork-studio", version="2.0"))
    for i, (offset, length, count, kind, lo, hi) in enumerate(views):
        target = g.ELEMENT_ARRAY_BUFFER if kind == "SCALAR" else g.ARRAY_BUFFER
        gltf.bufferViews.append(g.BufferView(buffer=0, byteOffset=offset, byteLength=length, target=target))
        component = g.UNSIGNED_SHORT if kind == "SCALAR" else g.FLOAT
        gltf.accessors.append(g.Accessor(bufferView=i, componentType=component, count=count, type=kind,
                                         min=lo, max=hi))
    slots: dict[str, int] = {}
    by_file: dict[str, int] = {}  # an ORM file serves occlusion and metallicRoughness: one texture
    for slot, file_name in (("base", textures.base_color), ("mr", textures.metallic_roughness),
                            ("normal", textures.normal), ("occlusion", textures.occlusion)):
        if file_name is None:
            continue
        if file_name in by_file:
            slots[slot] = by_file[file_name]
            continue
        if embed:
            data = (folder / file_name).read_bytes()
            offset = len(blob)
            blob += data + b"\0" * (-len(data) % 4)
            gltf.bufferViews.append(g.BufferView(buffer=0, byteOffset=offset, byteLength=len(data)))
            gltf.images.append(g.Image(bufferView=len(gltf.bufferViews) - 1, mimeType="image/png",
                                       name=file_name))
        else:
            gltf.images.append(g.Image(uri=file_name, name=file_name))
        gltf.textures.append(g.Texture(source=len(gltf.images) - 1, sampler=0))
        slots[slot] = by_file[file_name] = len(gltf.textures) - 1
    gltf.samplers.append(g.Sampler(magFilter=g.LINEAR, minFilter=g.LINEAR_MIPMAP_LINEAR,
                                   wrapS=g.REPEAT, wrapT=g.REPEAT))
    material = g.Material(
        name=name,
        pbrMetallicRoughness=g.PbrMetallicRoughness(
            baseColorTexture=g.TextureInfo(index=slots["base"]),
            metallicRoughnessTexture=g.TextureInfo(index=slots["mr"]),
            metallicFactor=1.0,
            roughnessFactor=1.0,
        ),
        normalTexture=g.NormalMaterialTexture(index=slots["normal"]) if "normal" in slots else None,
        occlusionTexture=g.OcclusionTextureInfo(index=slots["occlusion"]) if "occlusion" in slots else None,
        doubleSided=False,
    )
    gltf.materials.append(material)
    primitive = g.Primitive(
        attributes=g.Attributes(POSITION=0, NORMAL=1, TANGENT=2, TEXCOORD_0=3), indices=4, material=0
    )
    gltf.meshes.append(g.Mesh(name=f"{name}_quad", primitives=[primitive]))
    gltf.nodes.append(g.Node(name=name, mesh=0))
    gltf.scenes.append(g.Scene(nodes=[0]))
    gltf.scene = 0
    if embed:
        gltf.buffers.append(g.Buffer(byteLength=len(blob)))
        gltf.set_binary_blob(bytes(blob))
    else:
        uri = "data:application/octet-stream;base64," + base64.b64encode(geometry).decode("ascii")
        gltf.buffers.append(g.Buffer(byteLength=len(geometry), uri=uri))
    return gltf


def write_gltf(path: Path, name: str, textures: GltfTextures) -> None:
    """Write ``path`` (.gltf referencing the PNGs beside it, or a self-contained .glb)."""
    embed = path.suffix.lower() == ".glb"
    gltf = build_gltf(name, textures, path.parent, embed)
    if embed:
        gltf.save_binary(str(path))
    else:
        gltf.save_json(str(path))
    log.debug("wrote %s", path)
