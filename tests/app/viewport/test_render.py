"""Offscreen renders: every shape and lighting without GL errors, and each control doing its job."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.viewport import ViewportSettings, render_offscreen

pytestmark = pytest.mark.gl
SIZE = (48, 48)


def flat_maps(n: int = 16, diffuse=0.5, specular=0.04, roughness=0.4, normal=(0.0, 0.0, 1.0)):
    normals = np.broadcast_to(np.asarray(normal, np.float32) / np.linalg.norm(normal), (n, n, 3))
    return {
        "diffuse": np.full((n, n, 3), diffuse, np.float32),
        "specular": np.full((n, n, 3), specular, np.float32),
        "roughness": np.full((n, n, 1), roughness, np.float32),
        "normals": np.ascontiguousarray(normals),
    }


def render(maps, mode="point", size=SIZE, display=False, **changes):
    settings = dataclasses.replace(ViewportSettings(camera="orbit", camera_pitch=0.0), **changes)
    return render_offscreen(maps, mode=mode, size=size, settings=settings, display=display)


@pytest.mark.parametrize("shape", ["plane", "sphere", "cube", "cylinder"])
@pytest.mark.parametrize("mode", ["point", "flash", "environment"])
def test_shapes_and_lightings_render_without_gl_errors(gl_renderer, shape, mode):
    image = render(flat_maps(), mode=mode, shape=shape, camera_yaw=30.0, camera_pitch=20.0)
    assert gl_renderer.ctx.error == "GL_NO_ERROR"
    assert image.shape == (*SIZE[::-1], 3) and np.isfinite(image).all()
    assert image.max() > 0.05 and image.std() > 0.01
    if mode != "environment":  # black background in linear output: the shape covers the centre only
        assert image[SIZE[1] // 2, SIZE[0] // 2].max() > 0 and image[0, 0].max() == 0


def test_point_light_lights_the_side_it_is_on(gl_renderer):
    left = render(flat_maps(), light_position=(-0.9, 0.0, 0.4))
    right = render(flat_maps(), light_position=(0.9, 0.0, 0.4))
    half = SIZE[0] // 2
    assert left[:, :half].mean() > left[:, half:].mean() * 1.2
    assert right[:, half:].mean() > right[:, :half].mean() * 1.2


def test_falloff_darkens_a_distant_light(gl_renderer):
    near = render(flat_maps(), light_position=(0.0, 0.0, 1.0), light_falloff=True)
    far = render(flat_maps(), light_position=(0.0, 0.0, 3.0), light_falloff=True)
    assert far.mean() < near.mean() * 0.3


def test_directx_toggle_and_normal_strength(gl_renderer):
    tilted = flat_maps(normal=(0.0, 0.5, 0.85))  # OpenGL: faces up (+y)
    from_above = {"light_position": (0.0, 1.5, 0.3)}
    gl = render(tilted, **from_above).mean()
    dx = render(tilted, normal_convention="directx", **from_above).mean()
    flat = render(tilted, normal_strength=0.0, **from_above).mean()
    assert gl > flat > dx
    assert np.allclose(
        render(flat_maps(), normal_strength=0.0), render(tilted, normal_strength=0.0), atol=1e-5
    )


def test_view_modes_show_each_map_alone(gl_renderer):
    rng = np.random.default_rng(3)
    maps = flat_maps(8)
    maps["diffuse"] = rng.random((8, 8, 3)).astype(np.float32)
    maps["roughness"] = rng.random((8, 8, 1)).astype(np.float32)
    photo = {"camera": "photo"}
    diffuse = render_offscreen(maps, settings=ViewportSettings(view_mode="diffuse", **photo))
    assert np.allclose(diffuse, maps["diffuse"], atol=1e-6)
    rough = render_offscreen(maps, settings=ViewportSettings(view_mode="roughness", **photo))
    assert np.allclose(rough, np.repeat(maps["roughness"], 3, -1), atol=1e-6)
    normals = render_offscreen(maps, settings=ViewportSettings(view_mode="normals", **photo))
    assert np.allclose(normals, [0.5, 0.5, 1.0], atol=1e-6)
    height = render_offscreen(maps, settings=ViewportSettings(view_mode="height", **photo))
    assert np.allclose(height, 0.5, atol=1e-6)  # flat normals: flat mid-grey height


def test_tiling_repeats_the_material(gl_renderer):
    maps = flat_maps(16)
    maps["diffuse"][:, :8] = 0.0  # left half black
    s = {"camera": "photo", "view_mode": "diffuse"}
    once = render_offscreen(maps, size=(64, 64), settings=ViewportSettings(tiling=1, **s))[32, :, 0]
    four = render_offscreen(maps, size=(64, 64), settings=ViewportSettings(tiling=4, **s))[32, :, 0]
    edges = lambda row: int(np.abs(np.diff(row > 0.25)).sum())  # noqa: E731
    assert edges(once) == 1 and edges(four) == 7


def test_exposure_and_tone_map_on_display_output(gl_renderer):
    maps = flat_maps(specular=0.5, roughness=0.2)
    dark = render(maps, display=True, exposure=-2.0)
    bright = render(maps, display=True, exposure=2.0)
    assert 0.0 <= dark.min() and bright.max() <= 1.0
    assert bright.mean() > dark.mean() + 0.1
    clipped = render(maps, display=True, exposure=4.0, tonemap="none")
    filmic = render(maps, display=True, exposure=4.0, tonemap="filmic")
    assert (clipped >= 0.999).mean() > (filmic >= 0.999).mean()


def test_environment_rotation_turns_the_reflections(gl_renderer):
    maps = flat_maps(specular=1.0, roughness=0.05, diffuse=0.0)
    a = render(maps, mode="environment", shape="sphere", show_background=False)
    b = render(maps, mode="environment", shape="sphere", show_background=False, environment_rotation=90.0)
    assert np.abs(a - b).mean() > 0.01


def test_parallax_shifts_the_texture(gl_renderer):
    y, x = np.mgrid[-1:1:32j, -1:1:32j]
    maps = flat_maps(32)
    maps["height"] = (np.sin(x * 6) * 0.5 + 0.5)[..., None].astype(np.float32)
    maps["diffuse"] = np.repeat(maps["height"], 3, -1)
    s = {"mode": "point", "view_mode": "diffuse", "camera_yaw": 50.0}
    flat = render(maps, **s)
    shifted = render(maps, parallax=True, parallax_scale=0.1, **s)
    assert np.abs(flat - shifted).mean() > 0.01


def test_bad_arguments_raise(gl_renderer):
    with pytest.raises(ValueError, match="mode"):
        render_offscreen(flat_maps(), mode="sunlight")
    with pytest.raises(ValueError, match="size"):
        render_offscreen(flat_maps(), size=(0, 10))
    with pytest.raises(ValueError, match="Environment"):
        render(flat_maps(), mode="environment", environment="no-such-hdri")
