"""Environment lighting: SH irradiance, the split-sum table, the prefilter and its cache."""

from __future__ import annotations

import math

import numpy as np
import OpenEXR
import pytest
import torch

from app.viewport import environment as env_cpu
from app.viewport import environment_gl


def _panorama(fn, h=32):
    d = env_cpu.equirect_directions(h, 2 * h)
    return np.ascontiguousarray(np.repeat(fn(d)[..., None], 3, -1), dtype=np.float32)


def test_sh_irradiance_of_low_order_environments_is_exact():
    const = env_cpu.irradiance_sh(_panorama(lambda d: np.full(d.shape[:2], 2.0)))
    normals = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0.0]])
    assert np.allclose(env_cpu.evaluate_sh(const, normals), 2.0 * math.pi, rtol=2e-3)
    linear = env_cpu.irradiance_sh(_panorama(lambda d: 1.0 + d[..., 1]))
    got = env_cpu.evaluate_sh(linear, normals)[:, 0]
    want = math.pi + 2 * math.pi / 3 * normals[:, 1]  # E = pi + (2 pi / 3) n.y
    assert np.allclose(got, want, rtol=5e-3)


def test_split_sum_table_matches_the_engine(gl_renderer):
    from engine.materials.environment import split_sum

    lut = environment_gl.read_lut(gl_renderer._lut)  # (roughness rows, n.v columns, 2)
    centres = (np.arange(environment_gl.LUT_SIZE) + 0.5) / environment_gl.LUT_SIZE
    nv, r = np.meshgrid(centres, centres)
    a, b = split_sum(torch.from_numpy(nv[None, None]).float(), torch.from_numpy(r[None, None]).float())
    inner = (slice(4, -4), slice(4, -4))  # the engine table is coarser (32 cells): compare inside
    assert np.abs(lut[..., 0][inner] - a[0, 0].numpy()[inner]).mean() < 0.01
    assert np.abs(lut[..., 1][inner] - b[0, 0].numpy()[inner]).mean() < 0.005
    assert lut[..., 0].std() > 0.1  # not a flat table


def _write_exr(path, pixels):
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    OpenEXR.File(header, {"RGB": pixels.astype(np.float32)}).write(str(path))
    return path


def test_prefilter_keeps_a_constant_environment_and_blurs_a_spot(gl_renderer, tmp_path):
    program = gl_renderer.programs["prefilter"]
    const = environment_gl.prefilter_levels(gl_renderer.ctx, program, np.full((64, 128, 3), 0.7, np.float32))
    for level in const:
        assert np.allclose(level, 0.7, rtol=1e-3)
    spot = np.zeros((64, 128, 3), np.float32)
    spot[30:34, 62:66] = 100.0  # a small bright light at -z
    levels = environment_gl.prefilter_levels(gl_renderer.ctx, program, spot)
    peaks = [float(lv.max()) for lv in levels]
    spreads = [float((lv[..., 0] > lv[..., 0].max() * 0.1).mean()) for lv in levels]
    assert peaks[0] > peaks[2] > peaks[-1]  # rougher levels: lower, wider lobes
    assert spreads[-1] > spreads[2] > spreads[0]
    ratio = [np.mean(lv) / np.mean(spot) for lv in levels[1:]]
    assert all(0.5 < r < 2.0 for r in ratio)  # energy roughly kept


def test_environment_cache_round_trip(gl_renderer, tmp_path, monkeypatch):
    pano = np.ones((32, 64, 3), np.float32)
    pano[:16] = 3.0  # bright sky over a dark ground
    path = _write_exr(tmp_path / "sky.exr", pano)
    program = gl_renderer.programs["prefilter"]
    env_cpu.clear_memory_cache()
    first = environment_gl.load_environment(gl_renderer.ctx, program, str(path))
    from engine.paths import cache_dir

    assert list((cache_dir() / "viewport").glob("env-*.npz"))
    env_cpu.clear_memory_cache()

    def fail(*args, **kwargs):
        raise AssertionError("prefiltered again instead of reading the cache")

    monkeypatch.setattr(environment_gl, "prefilter_levels", fail)
    second = environment_gl.load_environment(gl_renderer.ctx, program, str(path))
    for a, b in zip(first.levels, second.levels, strict=True):
        assert np.allclose(a, b, rtol=2e-3)
    # the sky is above: irradiance of an upward normal beats a downward one
    up, down = env_cpu.evaluate_sh(second.sh, np.array([[0, 1.0, 0], [0, -1.0, 0]]))[:, 0]
    assert up > 2 * down


def test_unknown_environment_names_are_refused():
    with pytest.raises(ValueError, match="neither a bundled HDRI"):
        env_cpu.resolve_environment("atlantis")
    assert "studio" in env_cpu.available_environments()


def test_environment_render_agrees_with_the_engine(gl_renderer, tmp_path):
    """The viewport's split-sum lighting of the plane is close to engine.materials.shade_environment."""
    from app.viewport import ViewportSettings, render_offscreen
    from engine.materials.brdf import normalize
    from engine.materials.environment import Environment, shade_environment
    from engine.materials.generator import generate_material
    from engine.materials.geometry import camera_distance, plane_positions

    full = env_cpu.load_hdri(env_cpu.resolve_environment("courtyard"))
    small = full.reshape(128, 4, 256, 4, 3).mean(axis=(1, 3))  # keep the engine's CPU prefilter quick
    path = _write_exr(tmp_path / "courtyard_small.exr", small)
    env = Environment.from_image(torch.from_numpy(small).permute(2, 0, 1).contiguous())
    maps = generate_material("plastic", 32, seed=2)
    settings = ViewportSettings(camera="photo", environment=str(path))
    ours = render_offscreen(maps, mode="environment", settings=settings)
    view = normalize(
        torch.tensor([0, 0, camera_distance(45)]).view(1, 3, 1, 1) - plane_positions(32, 32)[None]
    )
    d, s = shade_environment(
        normalize(maps["normals"]), view, maps["diffuse"], maps["specular"], maps["roughness"], env
    )
    ref = (d + s)[0].permute(1, 2, 0).numpy()
    assert np.abs(ours - ref).mean() / ref.mean() < 0.06
