"""Meshes (tangent frames, winding), camera framing and map preparation (no GL needed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.viewport import geometry
from app.viewport.camera import camera_pose, intersect_shape, photo_distance
from app.viewport.maps import display_height, prepare_maps
from app.viewport.settings import ViewportSettings


@pytest.mark.parametrize("shape", ["plane", "sphere", "cube", "cylinder"])
def test_tangent_frames_follow_the_uv_directions(shape):
    mesh = geometry.build(shape)
    tri = mesh.indices.reshape(-1, 3)
    p, uv = mesh.positions[tri].astype(np.float64), mesh.uvs[tri].astype(np.float64)
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    d1, d2 = uv[:, 1] - uv[:, 0], uv[:, 2] - uv[:, 0]
    det = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    ok = np.abs(det) > 1e-9  # skip degenerate pole triangles
    dpdu = (e1 * d2[:, 1:2] - e2 * d1[:, 1:2])[ok] / det[ok, None]
    dpdv = (e2 * d1[:, 0:1] - e1 * d2[:, 0:1])[ok] / det[ok, None]
    n = mesh.normals[tri[ok, 0]].astype(np.float64)
    t = mesh.tangents[tri[ok, 0]].astype(np.float64)
    bitangent = np.cross(n, t[:, :3]) * t[:, 3:4]
    assert np.allclose(np.linalg.norm(n, axis=1), 1, atol=1e-5)
    assert np.abs((n * t[:, :3]).sum(1)).max() < 1e-5
    assert ((dpdu * t[:, :3]).sum(1) > 0).mean() > 0.98  # tangent along +u
    assert ((dpdv * bitangent).sum(1) > 0).mean() > 0.98  # bitangent along +v
    # counter-clockwise seen from outside: the face normal agrees with the vertex normal
    face = np.cross(e1, e2)[ok]
    assert ((face * n).sum(1) > 0).mean() > 0.98


def test_plane_is_the_flash_photo_geometry():
    mesh = geometry.plane()
    assert np.allclose(np.abs(mesh.positions[:, :2]), 1.0) and np.allclose(mesh.positions[:, 2], 0.0)
    assert np.allclose(mesh.normals, [0, 0, 1])
    # uv (1, 1) is the top right corner (+x, +y)
    top_right = np.argmax(mesh.uvs.sum(1))
    assert np.allclose(mesh.positions[top_right], [1, 1, 0])


def test_photo_camera_sees_exactly_the_plane():
    s = ViewportSettings(camera="photo", fov_degrees=45.0)
    pose = camera_pose(s, 1.0)
    assert pose.eye[2] == pytest.approx(photo_distance(45.0))
    for corner in ([1, 1, 0], [-1, -1, 0], [1, -1, 0]):
        clip = pose.view_proj @ np.array([*corner, 1.0])
        assert np.allclose(np.abs(clip[:2] / clip[3]), 1.0)
    origin, direction = pose.ray(0.5, -0.25)
    hit = intersect_shape("plane", origin, direction)
    assert np.allclose(hit, [0.5, -0.25, 0.0], atol=1e-9)
    assert intersect_shape("sphere", np.array([0, 0, 3.0]), np.array([0, 0, -1.0]))[2] == pytest.approx(1.0)


def test_prepare_maps_accepts_torch_and_numpy_and_fills_defaults():
    t = {"diffuse": torch.rand(2, 3, 8, 6), "roughness": torch.rand(2, 1, 8, 6)}
    maps = prepare_maps(t)
    assert maps["diffuse"].shape == (8, 6, 3) and maps["roughness"].shape == (8, 6, 1)
    assert np.allclose(maps["diffuse"], t["diffuse"][0].permute(1, 2, 0).numpy())
    assert np.allclose(maps["normals"], [0, 0, 1]) and np.allclose(maps["specular"], 0.04)
    albedo = np.full((4, 4, 3), 0.25, np.float32)
    assert np.allclose(prepare_maps({"albedo": albedo})["diffuse"], 0.25)  # intrinsic results
    grey = prepare_maps({"roughness": np.full((4, 4, 3), 0.3, np.float32)})
    assert grey["roughness"].shape == (4, 4, 1)


@pytest.mark.parametrize(
    ("maps", "message"),
    [
        ({}, "No maps"),
        ({"diffuse": np.zeros((4, 4, 3)), "normals": np.zeros((5, 4, 3))}, "same height"),
        ({"diffuse": np.full((4, 4, 3), np.nan)}, "NaN"),
        ({"diffuse": np.zeros((4, 4, 2))}, "channel"),
    ],
)
def test_bad_maps_are_refused(maps, message):
    with pytest.raises(ValueError, match=message):
        prepare_maps(maps)


def test_height_is_integrated_from_normals_when_missing():
    y, x = np.mgrid[-1:1:32j, -1:1:32j]
    bump = np.exp(-(x**2 + y**2) * 8)  # row 0 = top
    gy, gx = np.gradient(bump * 4)
    normals = np.dstack([-gx, gy, np.ones_like(bump)])  # rows run down, +Y up
    normals /= np.linalg.norm(normals, axis=-1, keepdims=True)
    height = display_height({"normals": normals.astype(np.float32)})
    assert height.shape == (32, 32, 1) and height.min() == 0.0 and height.max() == 1.0
    assert np.corrcoef(height[..., 0].ravel(), bump.ravel())[0, 1] > 0.95
