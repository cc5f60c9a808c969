"""Analytic ray casting of simple primitives (planes, spheres, boxes, a height-displaced plane).

Rays are (N,3) origins and directions; every ``intersect`` returns a ``Hit`` for all N rays with
t = inf where the ray misses. World axes: +y up. Each primitive also provides texture coordinates
(in texture repeats) and a tangent frame (T, B, N) for normal mapping: tangent-space +X = T, +Y = B.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from engine.materials import noise
from engine.materials.brdf import normalize

INF = float("inf")


@dataclass
class Hit:
    t: Tensor  # (N,)
    normal: Tensor  # (N,3) geometric normal, facing the ray
    tangent: Tensor  # (N,3)
    bitangent: Tensor  # (N,3)
    uv: Tensor  # (N,2) texture coordinates in repeats

    @staticmethod
    def empty(n: int, device, dtype) -> Hit:
        z = torch.zeros(n, 3, device=device, dtype=dtype)
        return Hit(torch.full((n,), INF, device=device, dtype=dtype), z, z.clone(), z.clone(),
                   torch.zeros(n, 2, device=device, dtype=dtype))

    def where(self, take: Tensor, other: Hit) -> Hit:
        """Per ray, ``other`` where ``take`` else self."""
        m3, m2 = take[:, None], take[:, None]
        return Hit(torch.where(take, other.t, self.t), torch.where(m3, other.normal, self.normal),
                   torch.where(m3, other.tangent, self.tangent),
                   torch.where(m3, other.bitangent, self.bitangent), torch.where(m2, other.uv, self.uv))


def _unit(v: Tensor) -> Tensor:
    return normalize(v, dim=-1)


@dataclass
class Plane:
    """The plane through ``point`` with unit ``normal``; texture axes ``tangent`` (and normal x tangent)."""

    point: tuple[float, float, float]
    normal: tuple[float, float, float]
    tangent: tuple[float, float, float]
    texture_scale: float = 1.0  # world units per texture repeat
    extent: float = 12.0  # hits farther than this from ``point`` miss (a finite floor or wall)

    def intersect(self, origin: Tensor, direction: Tensor) -> Hit:
        p0 = origin.new_tensor(self.point)
        n = _unit(origin.new_tensor(self.normal))
        tan = _unit(origin.new_tensor(self.tangent))
        bit = torch.linalg.cross(n, tan)
        denom = direction @ n
        t = ((p0 - origin) @ n) / torch.where(denom.abs() < 1e-9, torch.full_like(denom, 1e-9), denom)
        t = torch.where((t > 1e-4) & (denom < 0), t, torch.full_like(t, INF))
        hit_p = origin + direction * torch.where(torch.isinf(t), torch.zeros_like(t), t)[:, None]
        rel = hit_p - p0
        t = torch.where(rel.norm(dim=-1) < self.extent, t, torch.full_like(t, INF))
        uv = torch.stack([rel @ tan, rel @ bit], dim=-1) / self.texture_scale
        k = len(t)
        return Hit(t, n.expand(k, 3), tan.expand(k, 3), bit.expand(k, 3), uv)


@dataclass
class Sphere:
    center: tuple[float, float, float]
    radius: float
    texture_scale: float = 1.0

    def intersect(self, origin: Tensor, direction: Tensor) -> Hit:
        c = origin.new_tensor(self.center)
        oc = origin - c
        b = (oc * direction).sum(-1)
        disc = b * b - ((oc * oc).sum(-1) - self.radius**2)
        root = torch.sqrt(disc.clamp_min(0))
        t0, t1 = -b - root, -b + root
        t = torch.where(t0 > 1e-4, t0, t1)
        t = torch.where((disc > 0) & (t > 1e-4), t, torch.full_like(t, INF))
        p = origin + direction * torch.where(torch.isinf(t), torch.zeros_like(t), t)[:, None]
        n = _unit(p - c)
        phi = torch.atan2(n[:, 0], n[:, 2])
        theta = torch.acos(n[:, 1].clamp(-1, 1))
        circumference = 2 * math.pi * self.radius
        uv = torch.stack([phi / (2 * math.pi) * circumference, -theta / math.pi * circumference / 2], -1)
        tan = _unit(torch.stack([torch.cos(phi), torch.zeros_like(phi), -torch.sin(phi)], -1))
        tan = torch.where(tan.norm(dim=-1, keepdim=True) > 0.5, tan, torch.tensor([1.0, 0, 0]).to(tan))
        bit = _unit(torch.linalg.cross(n, tan))
        return Hit(t, n, tan, bit, uv / self.texture_scale)


@dataclass
class Box:
    """An axis-aligned box (after a turn of ``yaw`` radians about +y around its centre)."""

    center: tuple[float, float, float]
    half: tuple[float, float, float]
    yaw: float = 0.0
    texture_scale: float = 1.0

    def intersect(self, origin: Tensor, direction: Tensor) -> Hit:
        c, hs = origin.new_tensor(self.center), origin.new_tensor(self.half)
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        rot = origin.new_tensor([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])  # local -> world
        o, d = (origin - c) @ rot, direction @ rot
        inv = 1.0 / torch.where(d.abs() < 1e-9, torch.full_like(d, 1e-9), d)
        ta, tb = (-hs - o) * inv, (hs - o) * inv
        tmin, tmax = torch.minimum(ta, tb), torch.maximum(ta, tb)
        t_near, axis = tmin.max(dim=-1)
        t_far = tmax.min(dim=-1).values
        ok = (t_near <= t_far) & (t_near > 1e-4)
        t = torch.where(ok, t_near, torch.full_like(t_near, INF))
        sign = -torch.sign(torch.gather(d, 1, axis[:, None])).squeeze(1)
        n_local = torch.nn.functional.one_hot(axis, 3).to(o) * sign[:, None]
        p_local = o + d * torch.where(ok, t_near, torch.zeros_like(t_near))[:, None]
        # texture axes per face: x-faces use (z, y), y-faces (x, z), z-faces (x, y)
        tan_axis = torch.tensor([2, 0, 0], device=o.device)[axis]
        bit_axis = torch.tensor([1, 2, 1], device=o.device)[axis]
        tan_local = torch.nn.functional.one_hot(tan_axis, 3).to(o)
        bit_local = torch.nn.functional.one_hot(bit_axis, 3).to(o)
        uv = torch.stack([torch.gather(p_local, 1, tan_axis[:, None]).squeeze(1),
                          torch.gather(p_local, 1, bit_axis[:, None]).squeeze(1)], -1) / self.texture_scale
        return Hit(t, n_local @ rot.T, tan_local @ rot.T, bit_local @ rot.T, uv)


@dataclass
class HeightPlane:
    """A floor y = amplitude * f(x, z) displaced by periodic noise (period ``period`` world units),
    found by ray marching plus bisection; casts no shadows of its own."""

    amplitude: float
    period: float
    seed: int
    texture_scale: float = 1.0
    steps: int = 24
    extent: float = 12.0

    def __post_init__(self) -> None:
        g = torch.Generator().manual_seed(self.seed)
        self._field = noise.fbm((64, 64), (3, 3), g, octaves=3)

    def height(self, x: Tensor, z: Tensor) -> Tensor:
        f = self._field.to(x)
        return self.amplitude * noise.sample_periodic(f, z / self.period * 64, x / self.period * 64)

    def intersect(self, origin: Tensor, direction: Tensor) -> Hit:
        a = self.amplitude
        dy = direction[:, 1]
        dy = torch.where(dy.abs() < 1e-9, torch.full_like(dy, -1e-9), dy)
        t_top = ((a - origin[:, 1]) / dy).clamp_min(0)
        t_bottom = (-a - origin[:, 1]) / dy
        valid = dy < 0
        t_bottom = torch.where(valid, t_bottom, t_top)
        lo, hi = t_top.clone(), t_bottom.clone()
        found = torch.zeros_like(valid)
        prev = t_top
        for i in range(1, self.steps + 1):
            t = t_top + (t_bottom - t_top) * (i / self.steps)
            p = origin + direction * t[:, None]
            below = p[:, 1] < self.height(p[:, 0], p[:, 2])
            new = below & ~found
            lo, hi = torch.where(new, prev, lo), torch.where(new, t, hi)
            found = found | below
            prev = t
        for _ in range(6):
            mid = 0.5 * (lo + hi)
            p = origin + direction * mid[:, None]
            below = p[:, 1] < self.height(p[:, 0], p[:, 2])
            lo, hi = torch.where(below, lo, mid), torch.where(below, mid, hi)
        t = torch.where(found & valid, hi, torch.full_like(hi, INF))
        p = origin + direction * torch.where(torch.isinf(t), torch.zeros_like(t), t)[:, None]
        t = torch.where(p[:, [0, 2]].norm(dim=-1) < self.extent, t, torch.full_like(t, INF))
        e = self.period / 256
        hx = (self.height(p[:, 0] + e, p[:, 2]) - self.height(p[:, 0] - e, p[:, 2])) / (2 * e)
        hz = (self.height(p[:, 0], p[:, 2] + e) - self.height(p[:, 0], p[:, 2] - e)) / (2 * e)
        n = _unit(torch.stack([-hx, torch.ones_like(hx), -hz], -1))
        tan = _unit(torch.stack([torch.ones_like(hx), hx, torch.zeros_like(hx)], -1))
        bit = _unit(torch.linalg.cross(n, tan))  # n x (+x) = -z direction: texture +Y points away
        uv = torch.stack([p[:, 0], -p[:, 2]], -1) / self.texture_scale
        return Hit(t, n, tan, bit, uv)


def cast(primitives: list, origin: Tensor, direction: Tensor) -> tuple[Hit, Tensor]:
    """Nearest hit over all primitives and the index of the primitive hit (-1 for a miss)."""
    best = Hit.empty(origin.shape[0], origin.device, origin.dtype)
    index = torch.full((origin.shape[0],), -1, device=origin.device, dtype=torch.long)
    for i, prim in enumerate(primitives):
        hit = prim.intersect(origin, direction)
        closer = hit.t < best.t
        best = best.where(closer, hit)
        index = torch.where(closer, torch.full_like(index, i), index)
    return best, index


def occluded(primitives: list, origin: Tensor, direction: Tensor, distance: Tensor) -> Tensor:
    """True where something (other than a HeightPlane) lies between origin and origin + distance*dir."""
    blocked = torch.zeros(origin.shape[0], dtype=torch.bool, device=origin.device)
    for prim in primitives:
        if isinstance(prim, HeightPlane):
            continue
        hit = prim.intersect(origin, direction)
        blocked = blocked | (hit.t < distance - 1e-3)
    return blocked
