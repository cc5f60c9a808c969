"""Everything that knows what a material is: the reference renderer and procedural materials.

Conventions and the reflectance model: ../shared/MATERIALS.md (linear maps, OpenGL tangent normals).

Renderer (torch, batched, differentiable; any device / float dtype):
- ``render_flash(maps, fov_degrees, light_intensity=1.0, falloff=False, light_offset=None)``
  -> (B,3,H,W) linear, unclipped; ``maps`` holds diffuse, specular (B,3,H,W), roughness (B,1,H,W),
  normals (B,3,H,W) unit vectors.
- ``halfway_map(height, width, fov_degrees)`` -> (3,H,W) in [-1,1].
- ``render_point(maps, light_position, camera_position, ...)``: point light and camera anywhere.
- ``render_environment(maps, environment, fov_degrees=45, rotation=None)``: image-based lighting,
  prefiltered split-sum (``engine.materials.environment``; ``load_environment('forest')`` or a path).
- BRDF pieces in ``engine.materials.brdf`` (mirrored by shaders/brdf.glsl).

Procedural materials (``engine.materials.generator``):
- ``FAMILIES``; ``generate_material(family, size, seed, device, dtype)`` -> dict of (1,C,H,W):
  diffuse, specular, roughness, normals, height; ``mix_materials(a, b, mask)``;
  ``random_material(size, seed)``; ``generate_batch(families, size, seeds)``.

Elsewhere in the package (import from the submodule):
- ``engine.materials.photo``: ``simulate_flash_photo(maps, seed, PhotoSettings())`` -> PhotoSample
  (image, halfway, fov_degrees, exposure); ``simulate_environment_photo(maps, environment, seed)``.
- ``engine.materials.scenes``: ``random_scene(seed, kind)`` and ``render_scene(spec, resolution)`` ->
  image, albedo, diffuse, specular, roughness, diffuseshading, residual, inverseshading, normals
  (camera space), depth, mask.
- ``engine.materials.metrics``: ``rmse``, ``si_rmse``, ``psnr``, ``angular_error_degrees``,
  ``rerender_rmse`` (NOVEL_LIGHTS), ``map_errors``.
- ``engine.materials.conversions`` (numpy): metal/rough <-> diffuse/specular (Khronos),
  roughness <-> smoothness, OpenGL <-> DirectX normals, height <-> normals, ambient occlusion.
- ``engine.materials.preview``: contact sheets (``python -m engine.materials.preview OUT.png``).
"""

from engine.materials.environment import Environment, environment_names, load_environment
from engine.materials.generator import (
    FAMILIES,
    generate_batch,
    generate_material,
    mix_materials,
    random_material,
)
from engine.materials.geometry import camera_distance, halfway_map, plane_positions
from engine.materials.render import (
    render_environment,
    render_environment_split,
    render_flash,
    render_point,
    render_point_split,
    rotation_matrix,
)

__all__ = [
    "FAMILIES",
    "Environment",
    "environment_names",
    "generate_batch",
    "generate_material",
    "load_environment",
    "mix_materials",
    "random_material",
    "render_environment",
    "render_environment_split",
    "rotation_matrix",
    "camera_distance",
    "halfway_map",
    "plane_positions",
    "render_flash",
    "render_point",
    "render_point_split",
]
