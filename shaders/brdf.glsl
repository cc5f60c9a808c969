// brdf.glsl - the reflectance model of MATERIALS.md for the viewport.
//
// Python twin: engine/materials/brdf.py. Every function here mirrors the function of the same
// name there, one to one, with the same clamps and constants; change both together (the parity
// test tests/shaders/test_parity.py compares this shader with engine.materials.render_flash).
// `dot` and `normalize` of the Python twin are GLSL built-ins and are not redefined here.
//
//   alpha = max(r, 0.01)^2
//   D     = alpha^2 / (pi ((n.h)^2 (alpha^2 - 1) + 1)^2)                 (GGX)
//   G1(w) = 1 / ((n.w)(1 - k) + k),  k = alpha / 2,  G = G1(l) G1(v)   (1/(n.w) inside)
//   F     = F0 + (1 - F0) 2^((-5.55473 (v.h) - 6.98316)(v.h))          (Schlick, SG form)
//   radiance = (pi D G F / 4 + diffuse) (n.l) I
//
// Include-only file: it has no #version line and no stage blocks.

#ifndef BRDF_GLSL
#define BRDF_GLSL

const float PI = 3.14159265358979323846;
const float MIN_ROUGHNESS = 0.01;
const float BRDF_EPS = 1e-7;

// alpha = max(r, 0.01)^2 (perceptual roughness to GGX alpha).
float roughness_to_alpha(float roughness) {
    float r = max(roughness, MIN_ROUGHNESS);
    return r * r;
}

// GGX / Trowbridge-Reitz normal distribution D(h).
float ggx_distribution(float n_dot_h, float alpha) {
    float a2 = alpha * alpha;
    float c = clamp(n_dot_h, 0.0, 1.0);
    float denom = c * c * (a2 - 1.0) + 1.0;
    return a2 / max(PI * denom * denom, BRDF_EPS);
}

// Schlick-GGX masking for one direction, including the 1/(n.w) factor.
float smith_g1(float n_dot_w, float alpha) {
    float k = alpha * 0.5;
    return 1.0 / (max(n_dot_w, 0.0) * (1.0 - k) + k);
}

// Separable Smith geometry term G = G1(l) G1(v).
float smith_g(float n_dot_l, float n_dot_v, float alpha) {
    return smith_g1(n_dot_l, alpha) * smith_g1(n_dot_v, alpha);
}

// The spherical-Gaussian Schlick factor 2^((-5.55473 c - 6.98316) c), c = v.h.
float fresnel_weight(float v_dot_h) {
    float c = clamp(v_dot_h, 0.0, 1.0);
    return exp2((-5.55473 * c - 6.98316) * c);
}

// Schlick Fresnel: F0 + (1 - F0) * fresnel_weight(v.h).
vec3 fresnel_schlick(vec3 f0, float v_dot_h) {
    return f0 + (1.0 - f0) * fresnel_weight(v_dot_h);
}

// The specular BRDF value D G F / 4, zero where light or view is below the surface.
vec3 specular_brdf(vec3 normals, vec3 light_dir, vec3 view_dir, vec3 specular, float roughness) {
    vec3 h = normalize(light_dir + view_dir);
    float n_dot_l = dot(normals, light_dir);
    float n_dot_v = dot(normals, view_dir);
    float alpha = roughness_to_alpha(roughness);
    float d = ggx_distribution(dot(normals, h), alpha);
    float g = smith_g(n_dot_l, n_dot_v, alpha);
    vec3 f = fresnel_schlick(specular, dot(view_dir, h));
    float visible = (n_dot_l > 0.0 && n_dot_v > 0.0) ? 1.0 : 0.0;
    return d * g * f * 0.25 * visible;
}

// Radiance from one point light, split into its diffuse and specular parts (their sum is the
// MATERIALS.md radiance). light_dir and view_dir are unit vectors from the surface.
void shade_point(vec3 normals, vec3 light_dir, vec3 view_dir, vec3 diffuse, vec3 specular,
                 float roughness, float intensity, out vec3 diffuse_part, out vec3 specular_part) {
    float n_dot_l = max(dot(normals, light_dir), 0.0);
    vec3 spec = PI * specular_brdf(normals, light_dir, view_dir, specular, roughness);
    diffuse_part = diffuse * n_dot_l * intensity;
    specular_part = spec * n_dot_l * intensity;
}

#endif
