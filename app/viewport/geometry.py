"""The viewport's shapes as indexed triangle meshes with normals, UVs and tangents (numpy).

Vertex layout (float32, interleaved): position 3, normal 3, uv 2, tangent 4 (xyz = direction of
+u on the surface, w = handedness so that bitangent = w * cross(normal, tangent) points along +v).
The plane is [-1, 1]^2 at z = 0 facing +z (the colocated-flash photo geometry of MATERIALS.md,
u along +x, v along +y); the other shapes fit in the unit sphere, +y up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VERTEX_FORMAT = "3f 3f 2f 4f"
VERTEX_ATTRIBUTES = ("in_position", "in_normal", "in_uv", "in_tangent")


@dataclass(frozen=True)
class Mesh:
    vertices: np.ndarray  # (N, 12) float32
    indices: np.ndarray  # (M,) uint32, triangles
    uv_aspect: tuple[float, float]  # UV repeats per tiling step so texels stay square

    @property
    def positions(self) -> np.ndarray:
        return self.vertices[:, 0:3]

    @property
    def normals(self) -> np.ndarray:
        return self.vertices[:, 3:6]

    @property
    def uvs(self) -> np.ndarray:
        return self.vertices[:, 6:8]

    @property
    def tangents(self) -> np.ndarray:
        return self.vertices[:, 8:12]


def _pack(pos, nrm, uv, tan, idx, uv_aspect=(1.0, 1.0)) -> Mesh:
    verts = np.concatenate([pos, nrm, uv, tan], axis=1).astype(np.float32)
    return Mesh(np.ascontiguousarray(verts), np.asarray(idx, dtype=np.uint32).ravel(), uv_aspect)


def _grid_indices(rows: int, cols: int, offset: int = 0) -> np.ndarray:
    """Two counter-clockwise triangles per cell of a (rows+1) x (cols+1) vertex grid (u, then v)."""
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    a = offset + r * (cols + 1) + c
    b, d = a + 1, a + cols + 1
    return np.stack([a, b, d + 1, a, d + 1, d], axis=-1).reshape(-1)


def _quad(center, u_axis, v_axis, segments: int = 1) -> tuple:
    """A flat grid spanning center +- u_axis +- v_axis, normal = u x v, UV 0..1."""
    center, u_axis, v_axis = (np.asarray(x, np.float64) for x in (center, u_axis, v_axis))
    s = np.linspace(0.0, 1.0, segments + 1)
    vv, uu = np.meshgrid(s, s, indexing="ij")
    pos = center + (uu[..., None] * 2 - 1) * u_axis + (vv[..., None] * 2 - 1) * v_axis
    normal = np.cross(u_axis, v_axis)
    normal /= np.linalg.norm(normal)
    tangent = u_axis / np.linalg.norm(u_axis)
    count = pos.shape[0] * pos.shape[1]
    return (
        pos.reshape(-1, 3),
        np.tile(normal, (count, 1)),
        np.stack([uu, vv], axis=-1).reshape(-1, 2),
        np.tile(np.append(tangent, 1.0), (count, 1)),
        _grid_indices(segments, segments),
    )


def plane() -> Mesh:
    pos, nrm, uv, tan, idx = _quad((0, 0, 0), (1, 0, 0), (0, 1, 0))
    return _pack(pos, nrm, uv, tan, idx)


def cube(half: float = 0.7) -> Mesh:
    faces = [  # (normal axis, u axis, v axis): u x v = outward normal
        ((0, 0, 1), (1, 0, 0), (0, 1, 0)),
        ((0, 0, -1), (-1, 0, 0), (0, 1, 0)),
        ((1, 0, 0), (0, 0, -1), (0, 1, 0)),
        ((-1, 0, 0), (0, 0, 1), (0, 1, 0)),
        ((0, 1, 0), (1, 0, 0), (0, 0, -1)),
        ((0, -1, 0), (1, 0, 0), (0, 0, 1)),
    ]
    parts = [_quad(np.multiply(n, half), np.multiply(u, half), np.multiply(v, half)) for n, u, v in faces]
    return _merge(parts)


def sphere(segments: int = 96, rings: int = 48) -> Mesh:
    u = np.linspace(0.0, 1.0, segments + 1)
    v = np.linspace(0.0, 1.0, rings + 1)
    vv, uu = np.meshgrid(v, u, indexing="ij")
    phi = uu * 2 * np.pi  # around +y, u grows towards +x from +z
    theta = (1.0 - vv) * np.pi  # v = 0 at the south pole, 1 at the north pole
    nrm = np.stack([np.sin(theta) * np.sin(phi), np.cos(theta), np.sin(theta) * np.cos(phi)], axis=-1)
    tan = np.stack([np.cos(phi), np.zeros_like(phi), -np.sin(phi)], axis=-1)
    tan4 = np.concatenate([tan, np.ones_like(phi)[..., None]], axis=-1)
    idx = _grid_indices(rings, segments)
    return _pack(
        nrm.reshape(-1, 3),
        nrm.reshape(-1, 3),
        np.stack([uu, vv], -1).reshape(-1, 2),
        tan4.reshape(-1, 4),
        idx,
        uv_aspect=(2.0, 1.0),
    )


def cylinder(radius: float = 0.75, half_height: float = 0.75, segments: int = 96) -> Mesh:
    u = np.linspace(0.0, 1.0, segments + 1)
    v = np.linspace(0.0, 1.0, 2)
    vv, uu = np.meshgrid(v, u, indexing="ij")
    phi = uu * 2 * np.pi
    nrm = np.stack([np.sin(phi), np.zeros_like(phi), np.cos(phi)], axis=-1)
    pos = nrm * radius + np.stack([0 * phi, (vv * 2 - 1) * half_height, 0 * phi], axis=-1)
    tan = np.stack([np.cos(phi), np.zeros_like(phi), -np.sin(phi)], axis=-1)
    tan4 = np.concatenate([tan, np.ones_like(phi)[..., None]], axis=-1)
    side = (
        pos.reshape(-1, 3),
        nrm.reshape(-1, 3),
        np.stack([uu, vv], -1).reshape(-1, 2),
        tan4.reshape(-1, 4),
        _grid_indices(1, segments),
    )
    # circumference 2 pi r against height 2 h: repeat u so texels stay about square
    aspect = (round(np.pi * radius / half_height), 1.0)
    caps = [_disc(radius, half_height, +1, segments), _disc(radius, half_height, -1, segments)]
    return _merge([side, *caps], uv_aspect=(float(aspect[0]), 1.0))


def _disc(radius: float, half_height: float, side: int, segments: int) -> tuple:
    phi = np.linspace(0.0, 2 * np.pi, segments + 1)
    ring = np.stack([np.sin(phi) * radius, np.full_like(phi, side * half_height), np.cos(phi) * radius], -1)
    pos = np.concatenate([[[0.0, side * half_height, 0.0]], ring])
    nrm = np.tile([0.0, float(side), 0.0], (len(pos), 1))
    # planar UV seen from outside: u along +x, v along -z on top (+z on the bottom)
    uv = np.stack([pos[:, 0] / (2 * radius) + 0.5, -side * pos[:, 2] / (2 * radius) + 0.5], -1)
    tan = np.tile([1.0, 0.0, 0.0, 1.0], (len(pos), 1))
    k = np.arange(1, segments + 1)
    if side > 0:
        idx = np.stack([np.zeros_like(k), k, k + 1], -1)
    else:
        idx = np.stack([np.zeros_like(k), k + 1, k], -1)
    return pos, nrm, uv, tan, idx.reshape(-1)


def _merge(parts: list[tuple], uv_aspect=(1.0, 1.0)) -> Mesh:
    pos, nrm, uv, tan, idx, offset = [], [], [], [], [], 0
    for p, n, t_uv, t, i in parts:
        pos.append(p)
        nrm.append(n)
        uv.append(t_uv)
        tan.append(t)
        idx.append(np.asarray(i) + offset)
        offset += len(p)
    return _pack(
        np.concatenate(pos),
        np.concatenate(nrm),
        np.concatenate(uv),
        np.concatenate(tan),
        np.concatenate(idx),
        uv_aspect,
    )


SHAPE_BUILDERS = {"plane": plane, "sphere": sphere, "cube": cube, "cylinder": cylinder}


def build(shape: str) -> Mesh:
    """The mesh of a shape name (see ``settings.SHAPES``)."""
    try:
        return SHAPE_BUILDERS[shape]()
    except KeyError:
        raise ValueError(f"Unknown shape {shape!r}; choose one of {', '.join(SHAPE_BUILDERS)}.") from None
