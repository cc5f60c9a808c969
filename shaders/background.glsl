#version 330 core
// background.glsl - the HDR environment behind the object (a full-screen triangle at the far
// plane, looking up the rotated equirect by the camera ray), shown like the lit object.

#include "common.glsl"

#if VERTEX_SHADER
out vec2 v_ndc;
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2)) * 2.0 - 1.0;
    v_ndc = p;
    gl_Position = vec4(p, 1.0, 1.0);
}
#endif

#if FRAGMENT_SHADER
uniform mat4 u_inv_view_proj;
uniform sampler2D u_env;
uniform float u_lod;
uniform float u_env_rotation;
uniform float u_env_intensity;
uniform bool u_linear_output;
uniform float u_exposure;
uniform bool u_filmic;

in vec2 v_ndc;
out vec4 f_color;

void main() {
    vec4 near = u_inv_view_proj * vec4(v_ndc, -1.0, 1.0);
    vec4 far = u_inv_view_proj * vec4(v_ndc, 1.0, 1.0);
    vec3 dir = normalize(far.xyz / far.w - near.xyz / near.w);
    vec3 c = textureLod(u_env, equirect_uv(rotate_y(dir, -u_env_rotation)), u_lod).rgb;
    c *= u_env_intensity;
    if (!u_linear_output) {
        c *= u_exposure;
        c = srgb_encode(u_filmic ? tonemap_filmic(c) : clamp(c, 0.0, 1.0));
    }
    f_color = vec4(c, 1.0);
}
#endif
