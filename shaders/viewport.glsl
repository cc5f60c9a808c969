#version 330 core
// viewport.glsl - the lit material on a shape: point light, colocated flash or HDR environment
// (split-sum: prefiltered equirect mips + irradiance SH9 + the DFG table of brdf_lut.glsl).
// Driven by app/viewport/renderer.py; the BRDF itself lives in brdf.glsl (twin of
// engine/materials/brdf.py).

#include "brdf.glsl"
#include "common.glsl"

uniform mat4 u_view_proj;
uniform vec2 u_uv_scale;  // tiling times the shape's own UV aspect

#if VERTEX_SHADER
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
in vec4 in_tangent;  // xyz tangent (direction of +u), w = handedness of the bitangent

out vec3 v_position;
out vec3 v_normal;
out vec2 v_uv;
out vec4 v_tangent;

void main() {
    v_position = in_position;
    v_normal = in_normal;
    v_uv = in_uv * u_uv_scale;
    v_tangent = in_tangent;
    gl_Position = u_view_proj * vec4(in_position, 1.0);
}
#endif

#if FRAGMENT_SHADER
// lighting modes, view modes and outputs: keep in step with renderer.py
const int LIGHT_POINT = 0;
const int LIGHT_FLASH = 1;
const int LIGHT_ENVIRONMENT = 2;
const int VIEW_LIT = 0;
const int VIEW_DIFFUSE = 1;
const int VIEW_SPECULAR = 2;
const int VIEW_ROUGHNESS = 3;
const int VIEW_NORMALS = 4;
const int VIEW_HEIGHT = 5;

uniform sampler2D u_diffuse;
uniform sampler2D u_specular;
uniform sampler2D u_roughness;
uniform sampler2D u_normals;
uniform sampler2D u_height;
uniform sampler2D u_env;       // prefiltered equirect, roughness r at lod r * (u_env_levels - 1)
uniform sampler2D u_brdf_lut;  // (n.v, roughness) -> (scale, bias) of F0

uniform vec3 u_camera_pos;
uniform vec3 u_light_pos;
uniform float u_light_intensity;
uniform bool u_light_falloff;
uniform int u_lighting;
uniform int u_view_mode;
uniform float u_normal_strength;
uniform float u_normal_y_sign;  // +1 OpenGL, -1 DirectX
uniform bool u_parallax;
uniform float u_parallax_scale;
uniform float u_env_rotation;  // radians around +y
uniform float u_env_intensity;
uniform float u_env_levels;
uniform vec3 u_sh[9];          // irradiance E(n) = sum u_sh[i] * Y_i(n) (cosine-convolved)
uniform bool u_linear_output;  // true: raw linear radiance; false: exposure, tone map, sRGB
uniform float u_exposure;      // multiplier 2^EV
uniform bool u_filmic;

in vec3 v_position;
in vec3 v_normal;
in vec2 v_uv;
in vec4 v_tangent;

out vec4 f_color;

vec3 irradiance_sh(vec3 n) {
    // real SH basis up to l = 2 (Ramamoorthi & Hanrahan); twin: environment.sh9_basis
    return u_sh[0] * 0.282095
         + u_sh[1] * 0.488603 * n.y + u_sh[2] * 0.488603 * n.z + u_sh[3] * 0.488603 * n.x
         + u_sh[4] * 1.092548 * n.x * n.y + u_sh[5] * 1.092548 * n.y * n.z
         + u_sh[6] * 0.315392 * (3.0 * n.z * n.z - 1.0)
         + u_sh[7] * 1.092548 * n.x * n.z + u_sh[8] * 0.546274 * (n.x * n.x - n.y * n.y);
}

// Parallax occlusion mapping: march the view ray into the height field (1 = top).
vec2 parallax_uv(vec2 uv, vec3 view_ts) {
    const int STEPS = 24;
    float layer = 1.0 / float(STEPS);
    vec2 shift = view_ts.xy / max(view_ts.z, 0.05) * u_parallax_scale * layer;
    float depth = 0.0;
    float surface = 1.0 - texture(u_height, uv).r;
    vec2 prev_uv = uv;
    float prev_gap = surface - depth;
    for (int i = 0; i < STEPS && depth < surface; ++i) {
        prev_uv = uv;
        prev_gap = surface - depth;
        uv -= shift;
        depth += layer;
        surface = 1.0 - texture(u_height, uv).r;
    }
    float after = depth - surface;
    float t = after / max(after + prev_gap, 1e-6);
    return mix(uv, prev_uv, t);
}

vec3 display(vec3 radiance) {
    if (u_linear_output) return radiance;
    vec3 c = radiance * u_exposure;
    c = u_filmic ? tonemap_filmic(c) : clamp(c, 0.0, 1.0);
    return srgb_encode(c);
}

void main() {
    vec3 geo_n = normalize(v_normal);
    vec3 t = normalize(v_tangent.xyz - geo_n * dot(geo_n, v_tangent.xyz));
    vec3 b = cross(geo_n, t) * v_tangent.w;
    vec3 view_dir = normalize(u_camera_pos - v_position);

    vec2 uv = v_uv;
    if (u_parallax) {
        vec3 view_ts = vec3(dot(view_dir, t), dot(view_dir, b), dot(view_dir, geo_n));
        uv = parallax_uv(uv, view_ts);
    }

    vec3 diffuse = texture(u_diffuse, uv).rgb;
    vec3 specular = texture(u_specular, uv).rgb;
    float roughness = texture(u_roughness, uv).r;
    vec3 n_ts = texture(u_normals, uv).xyz;
    n_ts.y *= u_normal_y_sign;
    n_ts = normalize(vec3(n_ts.xy * u_normal_strength, n_ts.z));

    if (u_view_mode != VIEW_LIT) {
        vec3 shown;
        if (u_view_mode == VIEW_DIFFUSE) shown = u_linear_output ? diffuse : srgb_encode(diffuse);
        else if (u_view_mode == VIEW_SPECULAR) shown = u_linear_output ? specular : srgb_encode(specular);
        else if (u_view_mode == VIEW_ROUGHNESS) shown = vec3(roughness);
        else if (u_view_mode == VIEW_NORMALS) shown = n_ts * 0.5 + 0.5;
        else shown = vec3(texture(u_height, uv).r);
        f_color = vec4(shown, 1.0);
        return;
    }

    vec3 n = normalize(t * n_ts.x + b * n_ts.y + geo_n * n_ts.z);
    vec3 radiance;
    if (u_lighting == LIGHT_ENVIRONMENT) {
        float n_dot_v = max(dot(n, view_dir), 1e-4);
        vec3 r = reflect(-view_dir, n);
        vec3 r_env = rotate_y(r, -u_env_rotation);
        vec3 n_env = rotate_y(n, -u_env_rotation);
        float lod = clamp(roughness, 0.0, 1.0) * (u_env_levels - 1.0);
        vec3 prefiltered = textureLod(u_env, equirect_uv(r_env), lod).rgb;
        vec2 dfg = texture(u_brdf_lut, vec2(n_dot_v, roughness)).rg;
        vec3 irradiance = max(irradiance_sh(n_env), vec3(0.0));
        radiance = (diffuse * irradiance / PI + prefiltered * (specular * dfg.x + dfg.y))
                   * u_env_intensity;
    } else {
        vec3 light_pos = u_lighting == LIGHT_FLASH ? u_camera_pos : u_light_pos;
        vec3 to_light = light_pos - v_position;
        vec3 light_dir = normalize(to_light);
        float intensity = u_light_intensity;
        if (u_light_falloff) intensity /= max(dot(to_light, to_light), 1e-4);
        vec3 diffuse_part;
        vec3 specular_part;
        shade_point(n, light_dir, view_dir, diffuse, specular, roughness, intensity,
                    diffuse_part, specular_part);
        radiance = diffuse_part + specular_part;
    }
    f_color = vec4(display(radiance), 1.0);
}
#endif
