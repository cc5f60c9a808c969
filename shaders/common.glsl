// common.glsl - small helpers shared by the viewport programs (include-only, no #version).
// Python twins: app/viewport/environment.py (equirect_uv, SH9 basis), app/viewport/tonemap.py.

#ifndef COMMON_GLSL
#define COMMON_GLSL

const float COMMON_PI = 3.14159265358979323846;

// Equirectangular lookup: +y up, u = 0.5 at -z, increasing towards +x; v = 0 at the top (+y).
vec2 equirect_uv(vec3 d) {
    float u = atan(d.x, -d.z) / (2.0 * COMMON_PI) + 0.5;
    float v = acos(clamp(d.y, -1.0, 1.0)) / COMMON_PI;
    return vec2(u, v);
}

// The inverse of equirect_uv.
vec3 equirect_dir(vec2 uv) {
    float phi = (uv.x - 0.5) * 2.0 * COMMON_PI;
    float theta = uv.y * COMMON_PI;
    return vec3(sin(theta) * sin(phi), cos(theta), -sin(theta) * cos(phi));
}

// Rotate a direction around +y by `angle` radians.
vec3 rotate_y(vec3 d, float angle) {
    float c = cos(angle);
    float s = sin(angle);
    return vec3(c * d.x + s * d.z, d.y, -s * d.x + c * d.z);
}

// Narkowicz's fit of the ACES filmic curve, in linear light.
vec3 tonemap_filmic(vec3 x) {
    return clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0);
}

// Linear [0,1] to sRGB-encoded [0,1].
vec3 srgb_encode(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(12.92 * c, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), c));
}

// Hammersley point i of n, for low-discrepancy importance sampling.
vec2 hammersley(uint i, uint n) {
    uint bits = i;
    bits = (bits << 16u) | (bits >> 16u);
    bits = ((bits & 0x55555555u) << 1u) | ((bits & 0xAAAAAAAAu) >> 1u);
    bits = ((bits & 0x33333333u) << 2u) | ((bits & 0xCCCCCCCCu) >> 2u);
    bits = ((bits & 0x0F0F0F0Fu) << 4u) | ((bits & 0xF0F0F0F0u) >> 4u);
    bits = ((bits & 0x00FF00FFu) << 8u) | ((bits & 0xFF00FF00u) >> 8u);
    return vec2(float(i) / float(n), float(bits) * 2.3283064365386963e-10);
}

// A GGX-distributed half vector around n for the random pair xi (alpha = GGX alpha).
vec3 importance_sample_ggx(vec2 xi, vec3 n, float alpha) {
    float phi = 2.0 * COMMON_PI * xi.x;
    float cos_theta = sqrt((1.0 - xi.y) / (1.0 + (alpha * alpha - 1.0) * xi.y));
    float sin_theta = sqrt(1.0 - cos_theta * cos_theta);
    vec3 h = vec3(sin_theta * cos(phi), sin_theta * sin(phi), cos_theta);
    vec3 up = abs(n.z) < 0.999 ? vec3(0.0, 0.0, 1.0) : vec3(1.0, 0.0, 0.0);
    vec3 t = normalize(cross(up, n));
    vec3 b = cross(n, t);
    return normalize(t * h.x + b * h.y + n * h.z);
}

#endif
