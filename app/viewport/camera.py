"""Camera maths for the viewport (numpy, row-major; upload with ``.T`` for GLSL's column-major).

Two framings: the orbit camera (yaw around +y, pitch, distance, looking at the origin) and the
"photo" camera of MATERIALS.md (at (0, 0, 1/tan(fov/2)) looking down -z, so that the [-1, 1]^2
plane fills a square view exactly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.viewport.settings import ViewportSettings

NEAR_FACTOR = 0.02
FAR = 100.0


def perspective(fov_degrees: float, aspect: float, near: float, far: float) -> np.ndarray:
    """OpenGL projection with a vertical field of view (aspect = width / height)."""
    f = 1.0 / math.tan(math.radians(fov_degrees) / 2.0)
    m = np.zeros((4, 4))
    m[0, 0] = f / aspect
    m[1, 1] = f
    m[2, 2] = (far + near) / (near - far)
    m[2, 3] = 2.0 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


def look_at(eye, target, up=(0.0, 1.0, 0.0)) -> np.ndarray:
    eye, target, up = (np.asarray(x, np.float64) for x in (eye, target, up))
    forward = target - eye
    forward /= np.linalg.norm(forward)
    side = np.cross(forward, up)
    if np.linalg.norm(side) < 1e-8:  # looking straight along up
        side = np.cross(forward, (0.0, 0.0, -1.0))
    side /= np.linalg.norm(side)
    true_up = np.cross(side, forward)
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = side, true_up, -forward
    m[:3, 3] = -m[:3, :3] @ eye
    return m


def photo_distance(fov_degrees: float) -> float:
    """d = 1 / tan(FOV / 2): the distance at which the [-1, 1] plane fills the view."""
    return 1.0 / math.tan(math.radians(fov_degrees) / 2.0)


def orbit_eye(yaw_degrees: float, pitch_degrees: float, distance: float) -> np.ndarray:
    yaw, pitch = math.radians(yaw_degrees), math.radians(pitch_degrees)
    return distance * np.array(
        [math.cos(pitch) * math.sin(yaw), math.sin(pitch), math.cos(pitch) * math.cos(yaw)]
    )


@dataclass(frozen=True)
class CameraPose:
    eye: np.ndarray  # (3,)
    view: np.ndarray  # (4, 4)
    projection: np.ndarray  # (4, 4)

    @property
    def view_proj(self) -> np.ndarray:
        return self.projection @ self.view

    def ray(self, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
        """World ray (origin, unit direction) through normalised device coords x, y in [-1, 1]."""
        inv = np.linalg.inv(self.view_proj)
        near = inv @ np.array([x, y, -1.0, 1.0])
        far = inv @ np.array([x, y, 1.0, 1.0])
        direction = far[:3] / far[3] - near[:3] / near[3]
        return self.eye.copy(), direction / np.linalg.norm(direction)


def camera_pose(settings: ViewportSettings, aspect: float) -> CameraPose:
    """The camera of ``settings`` for a viewport of the given width / height."""
    if settings.camera == "photo":
        d = photo_distance(settings.fov_degrees)
        eye = np.array([0.0, 0.0, d])
        view = look_at(eye, (0.0, 0.0, 0.0))
        return CameraPose(eye, view, perspective(settings.fov_degrees, aspect, d * NEAR_FACTOR, FAR))
    eye = orbit_eye(settings.camera_yaw, settings.camera_pitch, settings.camera_distance)
    view = look_at(eye, (0.0, 0.0, 0.0))
    near = settings.camera_distance * NEAR_FACTOR
    return CameraPose(eye, view, perspective(settings.fov_degrees, aspect, near, FAR))


def intersect_shape(shape: str, origin: np.ndarray, direction: np.ndarray) -> np.ndarray | None:
    """Where a ray meets the shape's picking surface (the z = 0 plane, or the unit sphere)."""
    if shape == "plane":
        if abs(direction[2]) < 1e-8:
            return None
        t = -origin[2] / direction[2]
        return origin + t * direction if t > 0 else None
    b = float(origin @ direction)
    c = float(origin @ origin) - 1.0
    disc = b * b - c
    if disc < 0:
        return None
    t = -b - math.sqrt(disc)
    return origin + t * direction if t > 0 else None
