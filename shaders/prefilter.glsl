#version 330 core
// prefilter.glsl - one level of the split-sum prefiltered environment (equirect in, equirect
// out): GGX-importance-sampled radiance around the reflection direction (n = v = r), weighted by
// n.l, reading the source's mip chain by sample density (filtered importance sampling) so that
// bright small lights (sun) do not sparkle. Driven by app/viewport/environment_gl.py.

#include "brdf.glsl"
#include "common.glsl"

#if VERTEX_SHADER
out vec2 v_uv;
void main() {
    // one triangle covering the viewport
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_uv = p;  // texture row t holds panorama row v = t (row 0 = top, as uploaded)
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif

#if FRAGMENT_SHADER
uniform sampler2D u_source;     // equirect radiance with mipmaps
uniform float u_roughness;
uniform int u_samples;
uniform float u_source_texels;  // texels of the source's level 0 (width * height)

in vec2 v_uv;
out vec4 f_color;

void main() {
    vec3 n = equirect_dir(v_uv);
    if (u_roughness <= 0.0) {
        f_color = vec4(textureLod(u_source, v_uv, 0.0).rgb, 1.0);
        return;
    }
    float alpha = roughness_to_alpha(u_roughness);
    vec3 total = vec3(0.0);
    float weight = 0.0;
    for (int i = 0; i < u_samples; ++i) {
        vec2 xi = hammersley(uint(i), uint(u_samples));
        vec3 h = importance_sample_ggx(xi, n, alpha);
        vec3 l = normalize(2.0 * dot(n, h) * h - n);
        float n_dot_l = dot(n, l);
        if (n_dot_l <= 0.0) continue;
        float n_dot_h = max(dot(n, h), 0.0);
        // pdf of l with n = v: D (n.h) / (4 (v.h)) = D / 4
        float pdf = ggx_distribution(n_dot_h, alpha) * 0.25;
        float sample_solid_angle = 1.0 / (float(u_samples) * pdf + 1e-6);
        // equirect texel solid angle, corrected for the row's sin(theta) stretch
        vec2 luv = equirect_uv(l);
        float texel_solid_angle = 4.0 * COMMON_PI * COMMON_PI / (2.0 * u_source_texels)
                                  * max(sin(luv.y * COMMON_PI), 1e-3);
        float lod = 0.5 * log2(sample_solid_angle / texel_solid_angle) + 1.0;
        total += textureLod(u_source, luv, max(lod, 0.0)).rgb * n_dot_l;
        weight += n_dot_l;
    }
    f_color = vec4(total / max(weight, 1e-6), 1.0);
}
#endif
