#version 330 core
// brdf_lut.glsl - the split-sum DFG table for the engine's BRDF (brdf.glsl): for (n.v, roughness)
// the scale A and bias B with  integral of spec_brdf * (n.l) = F0 * A + B  under uniform light.
// Integrand with GGX half-vector sampling: G (n.l)(v.h)/(n.h) times (1 - Fw) for A, Fw for B,
// where G = smith_g (which holds the 1/(n.l n.v) factors) and Fw = fresnel_weight.
// Twin used by the tests: app/viewport/environment.py:brdf_lut_reference.

#include "brdf.glsl"
#include "common.glsl"

#if VERTEX_SHADER
out vec2 v_uv;
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif

#if FRAGMENT_SHADER
uniform int u_samples;

in vec2 v_uv;
out vec4 f_color;

void main() {
    // texel centres: n.v in (0, 1], roughness in [0, 1]
    float n_dot_v = max(v_uv.x, 1e-4);
    float roughness = v_uv.y;
    float alpha = roughness_to_alpha(roughness);
    vec3 n = vec3(0.0, 0.0, 1.0);
    vec3 v = vec3(sqrt(1.0 - n_dot_v * n_dot_v), 0.0, n_dot_v);
    float a = 0.0;
    float b = 0.0;
    for (int i = 0; i < u_samples; ++i) {
        vec2 xi = hammersley(uint(i), uint(u_samples));
        vec3 h = importance_sample_ggx(xi, n, alpha);
        vec3 l = normalize(2.0 * dot(v, h) * h - v);
        float n_dot_l = l.z;
        float n_dot_h = max(h.z, 0.0);
        float v_dot_h = max(dot(v, h), 0.0);
        if (n_dot_l <= 0.0 || n_dot_h <= 0.0) continue;
        float g = smith_g(n_dot_l, n_dot_v, alpha);
        float common_term = g * n_dot_l * v_dot_h / n_dot_h;
        float fw = fresnel_weight(v_dot_h);
        a += common_term * (1.0 - fw);
        b += common_term * fw;
    }
    f_color = vec4(a / float(u_samples), b / float(u_samples), 0.0, 1.0);
}
#endif
