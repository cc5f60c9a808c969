"""GPU side of environment lighting: prefilter a panorama into its roughness mip chain (split-sum),
build the DFG table of the engine's BRDF, and upload both as textures (moderngl, Qt-free)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import moderngl
import numpy as np

from app.viewport import environment as env_cpu

log = logging.getLogger(__name__)

LUT_SIZE = 64
LUT_SAMPLES = 512


@contextmanager
def render_target(ctx: moderngl.Context, size: tuple[int, int]) -> Iterator[moderngl.Framebuffer]:
    """A temporary float RGBA framebuffer, bound; the caller's framebuffer is bound again after.

    moderngl re-binds its record of the current framebuffer when it creates objects; leaving a
    released framebuffer recorded as current makes Mesa report GL_INVALID_OPERATION later.
    """
    previous = ctx.fbo
    target = ctx.texture(size, 4, dtype="f4")
    fbo = ctx.framebuffer(color_attachments=[target])
    try:
        fbo.use()
        ctx.viewport = (0, 0, *size)
        yield fbo
    finally:
        if previous is not None:
            previous.use()
        else:
            ctx.detect_framebuffer(0).use()
        fbo.release()
        target.release()


def _fullscreen(ctx: moderngl.Context, program: moderngl.Program) -> moderngl.VertexArray:
    return ctx.vertex_array(program, [])


def prefilter_levels(
    ctx: moderngl.Context, program: moderngl.Program, panorama: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The split-sum levels (H_i, W_i, 3) of ``panorama``: level i is GGX-filtered for r = i/(n-1)."""
    h, w, _ = panorama.shape
    source = ctx.texture((w, h), 3, np.ascontiguousarray(panorama, np.float32).tobytes(), dtype="f4")
    source.build_mipmaps()
    source.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    source.repeat_x, source.repeat_y = True, False
    vao = _fullscreen(ctx, program)
    levels = []
    try:
        source.use(0)
        program["u_source"].value = 0
        program["u_samples"].value = env_cpu.SAMPLES
        program["u_source_texels"].value = float(w * h)
        for i in range(env_cpu.LEVELS):
            lw = max(env_cpu.BASE_WIDTH >> i, 2)
            lh = lw // 2
            with render_target(ctx, (lw, lh)) as fbo:
                program["u_roughness"].value = i / (env_cpu.LEVELS - 1)
                vao.render(moderngl.TRIANGLES, vertices=3)
                data = np.frombuffer(fbo.read(components=3, dtype="f4"), np.float32)
            levels.append(data.reshape(lh, lw, 3).copy())
    finally:
        vao.release()
        source.release()
    return tuple(levels)


def load_environment(
    ctx: moderngl.Context, program: moderngl.Program, name_or_path: str
) -> env_cpu.PrefilteredEnvironment:
    """The prefiltered environment for a bundled name or .exr path (memory, disk cache, or GPU)."""
    path = env_cpu.resolve_environment(name_or_path)
    key = env_cpu.cache_key(path)
    found = env_cpu.cached(key)
    if found is not None:
        return found
    start = time.perf_counter()
    panorama = env_cpu.load_hdri(path)
    levels = prefilter_levels(ctx, program, panorama)
    result = env_cpu.PrefilteredEnvironment(levels, env_cpu.irradiance_sh(panorama))
    env_cpu.store(key, result)
    log.info("viewport: prefiltered %s in %.2f s", path.name, time.perf_counter() - start)
    return result


def environment_texture(ctx: moderngl.Context, env: env_cpu.PrefilteredEnvironment) -> moderngl.Texture:
    """One mipmapped equirect texture whose level i is ``env.levels[i]`` (row 0 = top)."""
    h, w, _ = env.levels[0].shape
    tex = ctx.texture((w, h), 3, env.levels[0].tobytes(), dtype="f4")
    tex.build_mipmaps(0, len(env.levels) - 1)  # allocates the levels, overwritten below
    for i, level in enumerate(env.levels[1:], start=1):
        tex.write(np.ascontiguousarray(level, np.float32).tobytes(), level=i)
    tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    tex.repeat_x, tex.repeat_y = True, False
    return tex


def brdf_lut_texture(ctx: moderngl.Context, program: moderngl.Program) -> moderngl.Texture:
    """The (n.v, roughness) -> (A, B) split-sum table of the engine BRDF, as an RG float texture."""
    tex = ctx.texture((LUT_SIZE, LUT_SIZE), 2, dtype="f4")
    vao = _fullscreen(ctx, program)
    try:
        with render_target(ctx, (LUT_SIZE, LUT_SIZE)) as fbo:
            program["u_samples"].value = LUT_SAMPLES
            vao.render(moderngl.TRIANGLES, vertices=3)
            tex.write(fbo.read(components=2, dtype="f4"))
    finally:
        vao.release()
    tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
    tex.repeat_x, tex.repeat_y = False, False
    return tex


def read_lut(tex: moderngl.Texture) -> np.ndarray:
    """The table as (roughness rows, n.v columns, 2) float32 (for tests)."""
    return np.frombuffer(tex.read(), np.float32).reshape(LUT_SIZE, LUT_SIZE, 2).copy()
