"""ViewportSettings validation and the GLSL source loader (no GL needed)."""

from __future__ import annotations

import dataclasses

import pytest

from app.viewport import ViewportSettings
from app.viewport.shader_source import ShaderSourceError, resolve_includes, stage_sources
from engine.paths import shaders_dir


def test_defaults_validate_and_round_trip_through_a_dict():
    s = ViewportSettings(shape="cylinder", tiling=3, light_position=(0.1, 0.2, 0.3))
    assert ViewportSettings.from_dict(s.to_dict()) == s
    assert ViewportSettings.from_dict({**s.to_dict(), "unknown_future_key": 1}) == s


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("shape", "teapot", "shape"),
        ("tiling", 0, "tiling"),
        ("tiling", 2.5, "tiling"),
        ("view_mode", "albedo", "view_mode"),
        ("camera_pitch", 95.0, "camera_pitch"),
        ("fov_degrees", 180.0, "fov"),
        ("normal_strength", -1.0, "normal_strength"),
        ("light_intensity", -1.0, "light_intensity"),
        ("normal_convention", "vulkan", "normal_convention"),
    ],
)
def test_bad_values_raise_one_clear_sentence(field, value, message):
    bad = dataclasses.replace(ViewportSettings(), **{field: value})
    with pytest.raises(ValueError, match=message):
        bad.validate()


def test_includes_are_resolved_once_and_stages_defined(tmp_path):
    (tmp_path / "a.glsl").write_text(
        '#version 330 core\n#include "b.glsl"\n#include "b.glsl"\n'
        "#if VERTEX_SHADER\nvoid main(){}\n#endif\n#if FRAGMENT_SHADER\n"
        "void main(){}\n#endif\n"
    )
    (tmp_path / "b.glsl").write_text('float b_value = 1.0;\n#include "a.glsl"\n')
    text = resolve_includes("a.glsl", tmp_path)
    assert text.count("float b_value") == 1
    stages = stage_sources("a.glsl", tmp_path)
    assert stages["vertex_shader"].splitlines()[:2] == ["#version 330 core", "#define VERTEX_SHADER 1"]
    assert stages["fragment_shader"].splitlines()[1] == "#define FRAGMENT_SHADER 1"


def test_bad_shader_files_are_reported(tmp_path):
    (tmp_path / "noversion.glsl").write_text("#if VERTEX_SHADER\n#endif\n#if FRAGMENT_SHADER\n#endif\n")
    with pytest.raises(ShaderSourceError, match="#version"):
        stage_sources("noversion.glsl", tmp_path)
    (tmp_path / "missing.glsl").write_text('#version 330 core\n#include "nope.glsl"\n')
    with pytest.raises(ShaderSourceError, match="does not exist"):
        resolve_includes("missing.glsl", tmp_path)


@pytest.mark.parametrize("name", ["viewport", "background", "prefilter", "brdf_lut"])
def test_every_program_file_has_the_moderngl_window_layout(name):
    text = (shaders_dir() / f"{name}.glsl").read_text()
    assert text.startswith("#version 330 core")
    assert "#if VERTEX_SHADER" in text and "#if FRAGMENT_SHADER" in text


def test_offscreen_rendering_does_not_import_qt():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "import app.viewport as v\n"
        "if v.gl_available():\n"
        "    v.render_offscreen({'diffuse': np.ones((4, 4, 3), np.float32)})\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
