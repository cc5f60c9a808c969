"""``ViewportRenderer``: draws material maps on a shape with moderngl into any framebuffer.

Qt-free: the widget (``qt_viewport.py``) wraps Qt's framebuffer and calls ``render``; the offscreen
path (``offscreen.py``) renders into a float framebuffer of a standalone EGL context.
All GL objects belong to the context given at construction; ``release()`` frees them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import moderngl
import numpy as np

from app.viewport import environment_gl, geometry
from app.viewport.camera import CameraPose, camera_pose
from app.viewport.maps import display_height, prepare_maps
from app.viewport.settings import LIGHTINGS, VIEW_MODES, ViewportSettings
from app.viewport.shader_source import stage_sources

log = logging.getLogger(__name__)

MIN_GL_VERSION = 330
PROGRAMS = ("viewport", "background", "prefilter", "brdf_lut")
TEXTURE_UNITS = {
    "diffuse": 0,
    "specular": 1,
    "roughness": 2,
    "normals": 3,
    "height": 4,
    "env": 5,
    "brdf_lut": 6,
}
CLEAR_COLOUR = (0.16, 0.16, 0.17)  # display-encoded grey behind the object (non-HDRI lighting)


def create_program(ctx: moderngl.Context, name: str) -> moderngl.Program:
    """Compile ``shaders/<name>.glsl`` (both stages)."""
    return ctx.program(**stage_sources(f"{name}.glsl"))


def _set(program: moderngl.Program, name: str, value: Any) -> None:
    """Set a uniform if the compiler kept it (unused uniforms are optimised away)."""
    if name in program:
        member = program[name]
        if isinstance(value, np.ndarray):
            member.write(np.ascontiguousarray(value, np.float32).tobytes())
        else:
            member.value = value


class ViewportRenderer:
    """Owns the programs, meshes, map textures and environment of one GL context."""

    def __init__(self, ctx: moderngl.Context) -> None:
        if ctx.version_code < MIN_GL_VERSION:
            raise RuntimeError(
                f"OpenGL {MIN_GL_VERSION // 100}.{MIN_GL_VERSION // 10 % 10} is needed, "
                f"this context has {ctx.version_code // 100}.{ctx.version_code // 10 % 10}."
            )
        self.ctx = ctx
        # anisotropic filtering costs a lot on software rasterisers (llvmpipe): there, plain trilinear
        gl_renderer = str(ctx.info.get("GL_RENDERER", "")).lower()
        self.software = any(k in gl_renderer for k in ("llvmpipe", "softpipe", "swrast", "software"))
        self.anisotropy = 1.0 if self.software else 8.0
        self.programs = {name: create_program(ctx, name) for name in PROGRAMS}
        self._vaos: dict[str, tuple[moderngl.VertexArray, list[moderngl.Buffer], geometry.Mesh]] = {}
        self._background = ctx.vertex_array(self.programs["background"], [])
        self._maps: dict[str, np.ndarray] = {}
        self._textures: dict[str, moderngl.Texture] = {}
        self._exact = False
        self._env_name: str | None = None
        self._env_texture: moderngl.Texture | None = None
        self._env_sh = np.zeros((9, 3), np.float32)
        self._env_levels = 1
        self._lut = environment_gl.brdf_lut_texture(ctx, self.programs["brdf_lut"])
        self.set_maps({"diffuse": np.full((1, 1, 3), 0.5, np.float32)})

    # -- resources -------------------------------------------------------------------------------
    @property
    def map_size(self) -> tuple[int, int]:
        """(width, height) of the current maps."""
        h, w = self._maps["diffuse"].shape[:2]
        return w, h

    def set_maps(self, maps: Mapping[str, Any]) -> None:
        """Upload new maps (see ``maps.prepare_maps`` for what is accepted)."""
        prepared = prepare_maps(maps)
        for tex in self._textures.values():
            tex.release()
        self._textures = {}
        self._maps = prepared
        for name in ("diffuse", "specular", "roughness", "normals"):
            self._textures[name] = self._upload(prepared[name])

    def _upload(self, array: np.ndarray) -> moderngl.Texture:
        h, w, c = array.shape
        # row 0 of a map is the top (+y): flip so that texture v = 1 is the top
        tex = self.ctx.texture((w, h), c, np.ascontiguousarray(array[::-1], np.float32).tobytes(), dtype="f4")
        tex.build_mipmaps()
        tex.repeat_x = tex.repeat_y = True
        tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        tex.anisotropy = self.anisotropy
        return tex

    def _height_texture(self) -> moderngl.Texture:
        if "height" not in self._textures:
            self._textures["height"] = self._upload(display_height(self._maps))
        return self._textures["height"]

    def set_environment(self, name_or_path: str) -> None:
        """Load (prefilter or take from the cache) and upload an HDR environment."""
        if name_or_path == self._env_name:
            return
        env = environment_gl.load_environment(self.ctx, self.programs["prefilter"], name_or_path)
        if self._env_texture is not None:
            self._env_texture.release()
        self._env_texture = environment_gl.environment_texture(self.ctx, env)
        self._env_sh = env.sh
        self._env_levels = len(env.levels)
        self._env_name = name_or_path

    def _mesh(self, shape: str) -> tuple[moderngl.VertexArray, geometry.Mesh]:
        if shape not in self._vaos:
            mesh = geometry.build(shape)
            vbo = self.ctx.buffer(mesh.vertices.tobytes())
            ibo = self.ctx.buffer(mesh.indices.tobytes())
            vao = self.ctx.vertex_array(
                self.programs["viewport"],
                [(vbo, geometry.VERTEX_FORMAT, *geometry.VERTEX_ATTRIBUTES)],
                index_buffer=ibo,
                index_element_size=4,
            )
            self._vaos[shape] = (vao, [vbo, ibo], mesh)
        vao, _, mesh = self._vaos[shape]
        return vao, mesh

    def release(self) -> None:
        """Free every GL object of this renderer (call with its context current)."""
        for vao, buffers, _ in self._vaos.values():
            vao.release()
            for b in buffers:
                b.release()
        self._vaos.clear()
        for tex in self._textures.values():
            tex.release()
        self._textures.clear()
        for obj in (self._env_texture, self._lut, self._background, *self.programs.values()):
            if obj is not None:
                obj.release()
        self._env_texture = None
        self.programs = {}

    # -- drawing ---------------------------------------------------------------------------------
    def set_exact_texels(self, exact: bool) -> None:
        """Nearest-texel sampling without mipmaps (the offscreen photo render at map size)."""
        if exact == self._exact:
            return
        self._exact = exact
        for tex in self._textures.values():
            # anisotropic filtering would blend texels even with NEAREST filters
            tex.anisotropy = 1.0 if exact else self.anisotropy
            tex.filter = (
                (moderngl.NEAREST, moderngl.NEAREST)
                if exact
                else (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            )

    def render(
        self,
        settings: ViewportSettings,
        framebuffer: moderngl.Framebuffer,
        size: tuple[int, int],
        linear_output: bool = False,
        pose: CameraPose | None = None,
    ) -> CameraPose:
        """Draw one frame into ``framebuffer`` (``size`` = (width, height) in pixels).

        ``linear_output``: raw linear radiance (needs a float framebuffer) instead of exposure,
        tone map and sRGB encoding. Returns the camera pose used (for picking).
        """
        settings.validate()
        width, height = size
        ctx = self.ctx
        pose = pose or camera_pose(settings, width / max(height, 1))
        environment = settings.lighting == "environment"
        if environment:
            self.set_environment(settings.environment)
        framebuffer.use()
        ctx.viewport = (0, 0, width, height)
        clear = (0.0, 0.0, 0.0) if linear_output else CLEAR_COLOUR
        framebuffer.clear(*clear, 1.0, depth=1.0)
        ctx.enable(moderngl.DEPTH_TEST)
        exposure = 2.0**settings.exposure
        rotation = math.radians(settings.environment_rotation)
        if environment and settings.show_background and settings.view_mode == "lit":
            self._draw_background(settings, pose, linear_output, exposure, rotation)

        prog = self.programs["viewport"]
        vao, mesh = self._mesh(settings.shape)
        needs_height = settings.parallax or settings.view_mode == "height"
        for name, unit in TEXTURE_UNITS.items():
            tex = self._textures.get(name)
            if name == "height" and needs_height:
                tex = self._height_texture()
            elif name == "env":
                tex = self._env_texture
            elif name == "brdf_lut":
                tex = self._lut
            if tex is not None:
                tex.use(unit)
            _set(prog, f"u_{name}", unit)
        _set(prog, "u_view_proj", pose.view_proj.T.astype(np.float32))
        _set(prog, "u_uv_scale", (settings.tiling * mesh.uv_aspect[0], settings.tiling * mesh.uv_aspect[1]))
        _set(prog, "u_camera_pos", tuple(float(x) for x in pose.eye))
        _set(prog, "u_light_pos", tuple(float(x) for x in settings.light_position))
        _set(prog, "u_light_intensity", float(settings.light_intensity))
        _set(prog, "u_light_falloff", bool(settings.light_falloff))
        _set(prog, "u_lighting", LIGHTINGS.index(settings.lighting))
        _set(prog, "u_view_mode", VIEW_MODES.index(settings.view_mode))
        _set(prog, "u_normal_strength", float(settings.normal_strength))
        _set(prog, "u_normal_y_sign", -1.0 if settings.normal_convention == "directx" else 1.0)
        _set(prog, "u_parallax", bool(settings.parallax))
        _set(prog, "u_parallax_scale", float(settings.parallax_scale))
        _set(prog, "u_env_rotation", rotation)
        _set(prog, "u_env_intensity", float(settings.environment_intensity))
        _set(prog, "u_env_levels", float(self._env_levels))
        _set(prog, "u_sh", self._env_sh)
        _set(prog, "u_linear_output", bool(linear_output))
        _set(prog, "u_exposure", exposure)
        _set(prog, "u_filmic", settings.tonemap == "filmic")
        # closed shapes: skip the hidden back faces (half the fragments); the plane is seen from both sides
        if settings.shape == "plane":
            ctx.disable(moderngl.CULL_FACE)
        else:
            ctx.enable(moderngl.CULL_FACE)
        vao.render(moderngl.TRIANGLES)
        ctx.disable(moderngl.CULL_FACE)
        return pose

    def _draw_background(
        self,
        settings: ViewportSettings,
        pose: CameraPose,
        linear_output: bool,
        exposure: float,
        rotation: float,
    ) -> None:
        prog = self.programs["background"]
        assert self._env_texture is not None
        self._env_texture.use(TEXTURE_UNITS["env"])
        _set(prog, "u_env", TEXTURE_UNITS["env"])
        _set(prog, "u_inv_view_proj", np.linalg.inv(pose.view_proj).T.astype(np.float32))
        _set(prog, "u_lod", 0.6)
        _set(prog, "u_env_rotation", rotation)
        _set(prog, "u_env_intensity", float(settings.environment_intensity))
        _set(prog, "u_linear_output", bool(linear_output))
        _set(prog, "u_exposure", exposure)
        _set(prog, "u_filmic", settings.tonemap == "filmic")
        self.ctx.disable(moderngl.DEPTH_TEST)  # drawn first, at the far plane: never hides the object
        self._background.render(moderngl.TRIANGLES, vertices=3)
        self.ctx.enable(moderngl.DEPTH_TEST)
