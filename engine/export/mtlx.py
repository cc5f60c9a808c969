"""MaterialX (.mtlx) document: a ``standard_surface`` whose inputs read the exported texture files.

Each texture file is one ``image`` node (``color3`` for sRGB base colour, ``float`` for a grey file,
``vector3``/``vector4`` otherwise, then ``extract`` picks the channel); normals go through a
``normalmap`` node (tangent space, +Y up). File names are relative to the .mtlx.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MTLX_VERSION = "1.38"


@dataclass(frozen=True)
class ChannelRef:
    """A scalar input read from channel ``index`` of a file with ``channels`` channels."""

    file: str
    index: int
    channels: int


@dataclass(frozen=True)
class MtlxInputs:
    base_color: str | None  # an sRGB (or linear) RGB file
    base_color_srgb: bool
    metalness: ChannelRef | None
    roughness: ChannelRef | None
    normal: str | None  # an OpenGL normal map file
    occlusion: ChannelRef | None = None


def _node(parent: ET.Element, tag: str, name: str, type_: str) -> ET.Element:
    return ET.SubElement(parent, tag, name=name, type=type_)


def _input(node: ET.Element, name: str, type_: str, **attrs: str) -> ET.Element:
    return ET.SubElement(node, "input", name=name, type=type_, **attrs)


def _vector_type(channels: int) -> str:
    return {1: "float", 3: "vector3", 4: "vector4"}[channels]


def build_mtlx(name: str, inputs: MtlxInputs) -> ET.ElementTree:
    """The MaterialX document as an ElementTree (see the module docstring)."""
    root = ET.Element("materialx", version=MTLX_VERSION)
    graph = ET.SubElement(root, "nodegraph", name=f"NG_{name}")
    images: dict[str, str] = {}
    outputs: dict[str, tuple[str, str]] = {}

    def image(file: str, type_: str, colorspace: str | None) -> str:
        key = f"{file}:{type_}"
        if key not in images:
            node_name = f"image_{len(images)}"
            node = _node(graph, "image", node_name, type_)
            attrs = {"value": file}
            if colorspace:
                attrs["colorspace"] = colorspace
            _input(node, "file", "filename", **attrs)
            images[key] = node_name
        return images[key]

    def scalar(ref: ChannelRef, label: str) -> str:
        if ref.channels == 1:
            return image(ref.file, "float", None)
        source = image(ref.file, _vector_type(ref.channels), None)
        node = _node(graph, "extract", f"extract_{label}", "float")
        _input(node, "in", _vector_type(ref.channels), nodename=source)
        _input(node, "index", "integer", value=str(ref.index))
        return node.get("name")

    if inputs.base_color:
        colorspace = "srgb_texture" if inputs.base_color_srgb else "lin_rec709"
        outputs["base_color"] = (image(inputs.base_color, "color3", colorspace), "color3")
    if inputs.metalness:
        outputs["metalness"] = (scalar(inputs.metalness, "metalness"), "float")
    if inputs.roughness:
        outputs["specular_roughness"] = (scalar(inputs.roughness, "roughness"), "float")
    if inputs.normal:
        source = image(inputs.normal, "vector3", None)
        node = _node(graph, "normalmap", "normalmap", "vector3")
        _input(node, "in", "vector3", nodename=source)
        outputs["normal"] = ("normalmap", "vector3")
    for label, (node_name, type_) in outputs.items():
        ET.SubElement(graph, "output", name=f"{label}_out", type=type_, nodename=node_name)

    shader = _node(root, "standard_surface", f"SR_{name}", "surfaceshader")
    _input(shader, "base", "float", value="1")
    for label, (_, type_) in outputs.items():
        _input(shader, label, type_, nodegraph=graph.get("name"), output=f"{label}_out")
    material = _node(root, "surfacematerial", f"M_{name}", "material")
    _input(material, "surfaceshader", "surfaceshader", nodename=shader.get("name"))
    ET.indent(root)
    return ET.ElementTree(root)


def write_mtlx(path: Path, name: str, inputs: MtlxInputs) -> None:
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if not safe or safe[0].isdigit():
        safe = "m_" + safe
    build_mtlx(safe, inputs).write(path, encoding="utf-8", xml_declaration=True)
    log.debug("wrote %s", path)
