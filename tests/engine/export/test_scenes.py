"""Scene files: the glTF/GLB load and reference the right images and channels; the .mtlx validates."""

from __future__ import annotations

import numpy as np
import pygltflib
import pytest

from engine.export import export_material
from engine.export.mtlx import ChannelRef, MtlxInputs, build_mtlx


@pytest.fixture
def gltf_export(tmp_path, material):
    return export_material(material, "gltf", tmp_path, name="tile")


def _accessor_array(gltf, blob, index):
    accessor = gltf.accessors[index]
    view = gltf.bufferViews[accessor.bufferView]
    width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[accessor.type]
    dtype = np.uint16 if accessor.componentType == pygltflib.UNSIGNED_SHORT else np.float32
    data = np.frombuffer(blob, dtype=dtype, count=accessor.count * width, offset=view.byteOffset)
    return data.reshape(accessor.count, width)


def _check_quad(gltf, blob):
    prim = gltf.meshes[0].primitives[0]
    positions = _accessor_array(gltf, blob, prim.attributes.POSITION)
    normals = _accessor_array(gltf, blob, prim.attributes.NORMAL)
    tangents = _accessor_array(gltf, blob, prim.attributes.TANGENT)
    uvs = _accessor_array(gltf, blob, prim.attributes.TEXCOORD_0)
    indices = _accessor_array(gltf, blob, prim.indices)
    assert positions.shape == (4, 3) and np.ptp(positions[:, 0]) == 1 and np.ptp(positions[:, 1]) == 1
    assert np.allclose(normals, [0, 0, 1]) and np.allclose(tangents, [1, 0, 0, 1])
    # glTF UV origin is the image's top-left: the top edge (+Y) has v = 0, +X has u = 1
    top = positions[:, 1] > 0
    assert np.allclose(uvs[top, 1], 0) and np.allclose(uvs[~top, 1], 1)
    assert np.allclose(uvs[:, 0], positions[:, 0] + 0.5)
    assert indices.size == 6
    # both triangles face +Z (counter-clockwise seen from the front)
    for tri in indices.reshape(2, 3):
        a, b, c = positions[tri]
        assert np.cross(b - a, c - a)[2] > 0


def test_gltf_references_the_right_files_and_channels(tmp_path, gltf_export):
    assert gltf_export.scenes == ["tile.gltf", "tile.glb", "tile.mtlx"]
    gltf = pygltflib.GLTF2().load(str(tmp_path / "tile.gltf"))
    material = gltf.materials[0]

    def uri(texture_info):
        return gltf.images[gltf.textures[texture_info.index].source].uri

    assert uri(material.pbrMetallicRoughness.baseColorTexture) == "tile_baseColor.png"
    # one ORM file serves metallicRoughness (G rough, B metal) and occlusion (R)
    orm_file = "tile_occlusionRoughnessMetallic.png"
    assert uri(material.pbrMetallicRoughness.metallicRoughnessTexture) == orm_file
    assert uri(material.occlusionTexture) == orm_file
    assert uri(material.normalTexture) == "tile_normal.png"
    assert material.pbrMetallicRoughness.metallicFactor == 1.0
    for image in gltf.images:
        assert (tmp_path / image.uri).is_file()
    orm = next(t for t in gltf_export.textures if t.file == "tile_occlusionRoughnessMetallic.png")
    assert orm.channels == ["ao", "roughness", "metallic"]
    blob = gltf.get_data_from_buffer_uri(gltf.buffers[0].uri)
    _check_quad(gltf, blob)


def test_glb_is_self_contained(tmp_path, gltf_export):
    glb = pygltflib.GLTF2().load(str(tmp_path / "tile.glb"))
    blob = glb.binary_blob()
    assert all(image.uri is None and image.mimeType == "image/png" for image in glb.images)
    for image in glb.images:
        view = glb.bufferViews[image.bufferView]
        data = blob[view.byteOffset: view.byteOffset + view.byteLength]
        assert data == (tmp_path / image.name).read_bytes()
    _check_quad(glb, blob)


def test_glb_loads_with_trimesh(tmp_path, gltf_export):
    trimesh = pytest.importorskip("trimesh")
    scene = trimesh.load(str(tmp_path / "tile.glb"))
    mesh = next(iter(scene.geometry.values()))
    assert len(mesh.faces) == 2
    image = mesh.visual.material.baseColorTexture
    assert image is not None and image.size == (16, 12)


def test_gltf_skipped_for_directx_unreal_normals(tmp_path, material):
    report = export_material(material, "unreal", tmp_path, name="u", scenes=("gltf",))
    gltf = pygltflib.GLTF2().load(str(tmp_path / "u.gltf"))
    assert gltf.materials[0].normalTexture is None  # a DirectX normal map would light wrongly
    assert any("OpenGL" in w for w in report.warnings)


def test_mtlx_validates_with_materialx(tmp_path, gltf_export):
    mx = pytest.importorskip("MaterialX")
    library = mx.createDocument()
    mx.loadLibraries(mx.getDefaultDataLibraryFolders(), mx.getDefaultDataSearchPath(), library)
    doc = mx.createDocument()
    mx.readFromXmlFile(doc, str(tmp_path / "tile.mtlx"))
    doc.importLibrary(library)
    valid, message = doc.validate()
    assert valid, message
    files = {node.getInputValue("file") for node in doc.getNodeGraphs()[0].getNodes("image")}
    assert files == {"tile_baseColor.png", "tile_occlusionRoughnessMetallic.png", "tile_normal.png"}
    shader = doc.getNodes("standard_surface")[0]
    assert shader.getInput("specular_roughness") is not None and shader.getInput("metalness") is not None
    extracts = {n.getName(): n.getInputValue("index") for n in doc.getNodeGraphs()[0].getNodes("extract")}
    assert extracts == {"extract_metalness": 2, "extract_roughness": 1}
    # and the validator is not a rubber stamp: a wrong input type fails
    broken = mx.createDocument()
    bad = MtlxInputs("a.png", True, ChannelRef("b.png", 0, 3), None, None)
    text = mx.writeToXmlString(doc)
    mx.readFromXmlString(broken, text.replace('type="float" nodegraph', 'type="color3" nodegraph', 1))
    broken.importLibrary(library)
    assert not broken.validate()[0]
    assert build_mtlx("x", bad).getroot().tag == "materialx"
