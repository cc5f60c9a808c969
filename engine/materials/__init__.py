"""Everything that knows what a material is: the reference renderer and procedural materials.

Conventions and the reflectance model: ../shared/MATERIALS.md (linear maps, OpenGL tangent normals).

Renderer (torch, batched, differentiable; any device / float dtype):
- ``render_flash(maps, fov_degrees, light_intensity=1.0, falloff=False, light_offset=None)``
  -> (B,3,H,W) linear, unclipped; ``maps`` holds diffuse, specular (B,3,H,W), roughness (B,1,H,W),
  normals (B,3,H,W) unit vectors.
- ``halfway_map(height, width, fov_degrees)`` -> (3,H,W) in [-1,1].
- ``render_point(maps, light_position, camera_position, ...)``: point light and camera anywhere.
- BRDF pieces in ``engine.materials.brdf`` (mirrored by shaders/brdf.glsl).
"""

from engine.materials.geometry import camera_distance, halfway_map, plane_positions
from engine.materials.render import render_flash, render_point, render_point_split

__all__ = [
    "camera_distance",
    "halfway_map",
    "plane_positions",
    "render_flash",
    "render_point",
    "render_point_split",
]
