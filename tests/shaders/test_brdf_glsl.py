"""shaders/brdf.glsl mirrors engine/materials/brdf.py function by function (names and values)."""

from __future__ import annotations

import re

import moderngl
import numpy as np
import torch

from app.viewport.shader_source import resolve_includes
from engine.materials import brdf
from engine.paths import shaders_dir

GLSL_BUILTINS = {"dot", "normalize"}  # in the Python twin, built into GLSL


def _glsl_functions(text: str) -> set[str]:
    return set(re.findall(r"^(?:float|vec3|void)\s+(\w+)\s*\(", text, flags=re.M))


def test_brdf_glsl_names_mirror_the_python_twin():
    text = (shaders_dir() / "brdf.glsl").read_text()
    assert "engine/materials/brdf.py" in text.splitlines()[2]
    python = {
        n for n, f in vars(brdf).items() if callable(f) and getattr(f, "__module__", "") == brdf.__name__
    }
    assert _glsl_functions(text) == python - GLSL_BUILTINS


_VERTEX = """#version 330 core
#include "brdf.glsl"
in vec4 in_a;   // n_dot_h (or n_dot_w / v_dot_h), alpha, roughness, n_dot_l
in vec3 in_n;
in vec3 in_l;
in vec3 in_v;
in vec3 in_f0;
out vec4 out_scalar;  // ggx_distribution, smith_g1, fresnel_weight, roughness_to_alpha
out vec3 out_spec;    // specular_brdf
out vec3 out_diffuse_part;
out vec3 out_specular_part;
out float out_g;
void main() {
    out_scalar = vec4(ggx_distribution(in_a.x, in_a.y), smith_g1(in_a.x, in_a.y),
                      fresnel_weight(in_a.x), roughness_to_alpha(in_a.z));
    out_g = smith_g(in_a.x, in_a.w, in_a.y);
    out_spec = specular_brdf(in_n, in_l, in_v, in_f0, in_a.z);
    shade_point(in_n, in_l, in_v, in_f0 * 0.7, in_f0, in_a.z, 1.5, out_diffuse_part, out_specular_part);
}
"""


def _unit(rng, n, z_min=-0.3):
    v = rng.normal(size=(n, 3))
    v[:, 2] = np.abs(v[:, 2]) + z_min
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_brdf_functions_match_python_values(gl_renderer, tmp_path):
    ctx: moderngl.Context = gl_renderer.ctx
    (tmp_path / "t.glsl").write_text(_VERTEX)
    (tmp_path / "brdf.glsl").write_text((shaders_dir() / "brdf.glsl").read_text())
    source = resolve_includes("t.glsl", tmp_path)
    outputs = ["out_scalar", "out_spec", "out_diffuse_part", "out_specular_part", "out_g"]
    prog = ctx.program(vertex_shader=source, varyings=outputs)
    rng = np.random.default_rng(0)
    n = 512
    a = np.stack(
        [
            rng.uniform(-0.2, 1.0, n),
            rng.uniform(1e-4, 1.0, n),
            rng.uniform(0, 1, n),
            rng.uniform(-0.2, 1.0, n),
        ],
        1,
    )
    normals, light, view = _unit(rng, n, 0.2), _unit(rng, n), _unit(rng, n)
    f0 = rng.uniform(0, 1, (n, 3))
    data = np.concatenate([a, normals, light, view, f0], 1).astype(np.float32)
    vbo = ctx.buffer(data.tobytes())
    vao = ctx.vertex_array(prog, [(vbo, "4f 3f 3f 3f 3f", "in_a", "in_n", "in_l", "in_v", "in_f0")])
    out = ctx.buffer(reserve=n * 14 * 4)
    # a surfaceless EGL context has no default framebuffer: bind a complete one for the draw call
    fbo = ctx.simple_framebuffer((1, 1))
    fbo.use()
    vao.transform(out, moderngl.POINTS, vertices=n)
    got = np.frombuffer(out.read(), np.float32).reshape(n, 14)
    assert ctx.error == "GL_NO_ERROR"
    ctx.detect_framebuffer(0).use()
    for obj in (vao, vbo, out, prog, fbo):
        obj.release()

    t = {
        k: torch.from_numpy(v.astype(np.float32))
        for k, v in dict(
            x=a[:, 0:1], alpha=a[:, 1:2], r=a[:, 2:3], nl=a[:, 3:4], n=normals, l=light, v=view, f0=f0
        ).items()
    }
    want = np.concatenate(
        [
            brdf.ggx_distribution(t["x"], t["alpha"]).numpy(),
            brdf.smith_g1(t["x"], t["alpha"]).numpy(),
            brdf.fresnel_weight(t["x"]).numpy(),
            brdf.roughness_to_alpha(t["r"]).numpy(),
            brdf.specular_brdf(t["n"], t["l"], t["v"], t["f0"], t["r"]).numpy(),
            *[
                p.numpy()
                for p in brdf.shade_point(t["n"], t["l"], t["v"], t["f0"] * 0.7, t["f0"], t["r"], 1.5)
            ],
            brdf.smith_g(t["x"], t["nl"], t["alpha"]).numpy(),
        ],
        1,
    )
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-5)
