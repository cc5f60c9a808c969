"""Intrinsic test scenes from another renderer: Mitsuba 3 path tracing with global illumination.

Our own renderer has no shadows or interreflections; these scenes do (soft shadows, colour bleeding),
so they test whether a decomposition holds beyond the training renderer. Every surface is Lambertian
with a procedural texture (``engine.materials.generate_material``'s diffuse map, dielectric families
only) as albedo, so the ground truth is exact: albedo = Mitsuba's ``albedo`` AOV, diffuse shading =
image / albedo where every albedo channel exceeds ``MIN_ALBEDO``. Masked out: background and
emitters (albedo 0), the one-pixel border of such regions (mixed pixels) and pixels the 8-bit photo
clips. Lights: rectangular area lights or a held-out HDR environment.

Rendering needs ``pip install mitsuba`` (CPU ``scalar_rgb`` variant, about a minute per scene at
128x128 and 256 samples per pixel); the results are cached as small ``.npz`` files (float16, no
pickle) in ``benchmarks/data/pathtraced`` with an ``index.json`` and committed, so the evaluation
itself never needs Mitsuba::

    .venv/bin/python -m benchmarks.eval.pathtraced --size 128 --spp 256

Each case's photo: the render exposed so the 99th percentile of the brightest channel of its valid
pixels is ``WHITE``, clipped and quantised to 8-bit sRGB (no added noise: the path tracer's own
noise remains); the shading truth is the unclipped exposed render over the albedo.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.eval.heldout import HELD_OUT_ENVIRONMENTS, HELD_OUT_FAMILIES, IntrinsicCase

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "pathtraced"
MIN_ALBEDO = 0.02
WHITE = 0.9
TEXTURE_SIZE = 256

# name -> (description, textures {object: (family, seed, uv tiling)}, lighting)
SCENES: dict[str, dict] = {
    "corner_area": {
        "description": "room corner, textured sphere, warm ceiling area light",
        "camera": ([2.2, 1.6, 2.2], [0.0, 0.4, 0.0]),
        "textures": {"floor": ("wood_planks", 1, 2), "back": ("bricks", 2, 2), "side": ("plaster", 3, 1),
                     "sphere": ("woven_fabric", 4, 2)},
        "light": {"area": [([0.5, 3.5, 0.5], 0.6, [12.0, 11.0, 10.0])]},
    },
    "cornell": {
        "description": "closed box with tinted walls, a cube and a sphere, ceiling light (strong bleeding)",
        "camera": ([0.0, 1.0, 3.1], [0.0, 1.0, 0.0]),
        "textures": {"floor": ("ceramic_tiles", 5, 2), "back": ("stone_tiles", 6, 1),
                     "side": ("concrete", 7, 1), "right": ("plaster", 8, 1),
                     "ceiling": ("plaster", 9, 1), "cube": ("leather", 10, 1),
                     "sphere": ("paper", 11, 1)},
        "tints": {"side": [0.9, 0.25, 0.2], "right": [0.25, 0.8, 0.3]},
        "light": {"area": [([0.0, 1.98, 0.0], 0.35, [18.0, 17.0, 15.0])]},
    },
    "objects_env_courtyard": {
        "description": "sphere and cube on gravel under the held-out courtyard HDRI (background masked)",
        "camera": ([2.4, 1.4, 2.4], [0.0, 0.4, 0.0]),
        "textures": {"floor": ("gravel", 12, 3), "sphere": ("paper", 13, 1), "cube": ("bricks", 14, 1)},
        "light": {"environment": HELD_OUT_ENVIRONMENTS[0]},
    },
    "corner_env_sunset": {
        "description": "open room corner with two spheres under the held-out sunset HDRI",
        "camera": ([2.0, 1.2, 2.6], [-0.3, 0.5, 0.0]),
        "textures": {"floor": ("stone_tiles", 15, 2), "back": ("wood_planks", 16, 1),
                     "side": ("concrete", 17, 1), "sphere": ("plastic", 18, 1), "sphere2": ("marble", 19, 1)},
        "light": {"environment": HELD_OUT_ENVIRONMENTS[1]},
    },
    "cubes_two_lights": {
        "description": "stacked cubes in a corner lit by a warm and a cool area light (coloured shading)",
        "camera": ([2.6, 2.0, 2.0], [0.0, 0.5, 0.0]),
        "textures": {"floor": ("concrete", 20, 2), "back": ("plaster", 21, 1),
                     "side": ("ceramic_tiles", 22, 2),
                     "cube": ("woven_fabric", 23, 1), "cube2": ("wood_planks", 24, 1)},
        "light": {"area": [([1.5, 3.0, -0.5], 0.5, [16.0, 9.0, 4.0]),
                           ([-0.5, 3.0, 1.5], 0.5, [4.0, 8.0, 16.0])]},
    },
    "sphere_close": {
        "description": "a large textured sphere close to a wall, low side light (long shadow)",
        "camera": ([1.6, 1.0, 2.6], [0.0, 0.7, 0.0]),
        "textures": {"floor": ("paper", 25, 2), "back": ("leather", 26, 2), "side": ("bricks", 27, 2),
                     "sphere": ("ceramic_tiles", 28, 2)},
        "light": {"area": [([1.9, 1.2, 1.4], 0.4, [14.0, 13.0, 12.0])]},
    },
}


def _texture(mi, family: str, seed: int, tiling: int, tint=None, size: int = TEXTURE_SIZE) -> dict:
    from engine.materials import generate_material

    diffuse = generate_material(family, size, 1_900_000_000 + seed)["diffuse"][0]
    array = diffuse.permute(1, 2, 0).numpy().astype(np.float32)
    if tint is not None:
        array = array * np.asarray(tint, dtype=np.float32)
    bitmap = {"type": "bitmap", "bitmap": mi.Bitmap(np.ascontiguousarray(array)), "filter_type": "bilinear",
              "to_uv": mi.ScalarTransform4f().scale([tiling, tiling, 1])}
    return {"type": "diffuse", "reflectance": bitmap}


def scene_dict(mi, name: str, size: int, spp: int, seed: int = 0, texture_size: int = TEXTURE_SIZE) -> dict:
    """The Mitsuba scene description of ``SCENES[name]``."""
    from engine.paths import assets_dir

    spec = SCENES[name]
    T = mi.ScalarTransform4f
    origin, target = spec["camera"]
    tex = {k: _texture(mi, *v, tint=spec.get("tints", {}).get(k), size=texture_size)
           for k, v in spec["textures"].items()}
    scene: dict = {
        "type": "scene",
        "integrator": {"type": "aov", "aovs": "albedo:albedo",
                       "integrator": {"type": "path", "max_depth": 8}},
        "sensor": {"type": "perspective", "fov": 50,
                   "to_world": T().look_at(origin=origin, target=target, up=[0, 1, 0]),
                   "film": {"type": "hdrfilm", "width": size, "height": size, "rfilter": {"type": "box"}},
                   "sampler": {"type": "independent", "sample_count": spp, "seed": seed}},
    }
    planes = {"floor": T().rotate([1, 0, 0], -90).scale(2), "back": T().translate([0, 2, -2]).scale(2),
              "side": T().translate([-2, 2, 0]).rotate([0, 1, 0], 90).scale(2),
              "right": T().translate([2, 2, 0]).rotate([0, 1, 0], -90).scale(2),
              "ceiling": T().translate([0, 2, 0]).rotate([1, 0, 0], 90).scale(2)}
    if name == "cornell":
        planes["floor"] = T().rotate([1, 0, 0], -90).scale(1)
        planes["back"] = T().translate([0, 1, -1]).scale(1)
        planes["side"] = T().translate([-1, 1, 0]).rotate([0, 1, 0], 90).scale(1)
        planes["right"] = T().translate([1, 1, 0]).rotate([0, 1, 0], -90).scale(1)
        planes["ceiling"] = T().translate([0, 2, 0]).rotate([1, 0, 0], 90).scale(1)
    for key, transform in planes.items():
        if key in tex:
            scene[key] = {"type": "rectangle", "to_world": transform, "bsdf": tex[key]}
    objects = {
        "sphere": {"type": "sphere", "center": [0.2, 0.5, 0.1], "radius": 0.5},
        "sphere2": {"type": "sphere", "center": [-0.9, 0.35, 0.6], "radius": 0.35},
        "cube": {"type": "cube",
                 "to_world": T().translate([-0.5, 0.3, -0.3]).rotate([0, 1, 0], 30).scale(0.3)},
        "cube2": {"type": "cube",
                  "to_world": T().translate([-0.45, 0.8, -0.3]).rotate([0, 1, 0], 55).scale(0.2)},
    }
    if name == "cornell":
        objects["sphere"] = {"type": "sphere", "center": [0.35, 0.3, 0.2], "radius": 0.3}
        objects["cube"] = {"type": "cube",
                           "to_world": T().translate([-0.35, 0.35, -0.25]).rotate([0, 1, 0], 20).scale(0.25)}
    if name == "sphere_close":
        objects["sphere"] = {"type": "sphere", "center": [0.0, 0.8, -1.0], "radius": 0.8}
    for key, shape in objects.items():
        if key in tex:
            scene[key] = dict(shape, bsdf=tex[key])
    for k, (position, half, radiance) in enumerate(spec["light"].get("area", [])):
        facing = T().look_at(origin=position, target=[0, 0, 0], up=[0, 0, 1])
        scene[f"light{k}"] = {
            "type": "rectangle", "to_world": facing.scale(half),
            "emitter": {"type": "area", "radiance": {"type": "rgb", "value": radiance}},
            "bsdf": {"type": "diffuse", "reflectance": {"type": "rgb", "value": [0.0, 0.0, 0.0]}},
        }
    if "environment" in spec["light"]:
        from engine.materials.environment import load_exr

        # our loader: NaN/inf/negative radiance cleaned, like the environments of our own renderer
        radiance = load_exr(assets_dir() / "hdri" / f"{spec['light']['environment']}.exr")
        bitmap = mi.Bitmap(np.ascontiguousarray(radiance.permute(1, 2, 0).numpy()))
        scene["environment"] = {"type": "envmap", "bitmap": bitmap, "scale": 1.0}
    return scene


def render_scene(name: str, size: int = 128, spp: int = 256, seed: int = 0,
                 texture_size: int = TEXTURE_SIZE) -> dict[str, np.ndarray]:
    """Linear render and albedo AOV (H,W,3 float32) of one scene with Mitsuba's ``scalar_rgb``."""
    try:
        import mitsuba as mi
    except ImportError:
        raise RuntimeError("Rendering the path-traced scenes needs Mitsuba 3: pip install mitsuba.") from None
    mi.set_variant("scalar_rgb")
    scene = mi.load_dict(scene_dict(mi, name, size, spp, seed, texture_size))
    result = np.array(mi.render(scene), dtype=np.float32)
    return {"image": result[..., :3], "albedo": result[..., 3:6]}


def build_cache(folder: Path = DATA_DIR, size: int = 128, spp: int = 256, names=None) -> Path:
    """Render every scene (or ``names``) into ``folder`` as ``<name>.npz`` plus ``index.json``."""
    import mitsuba as mi

    folder.mkdir(parents=True, exist_ok=True)
    index_path = folder / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {"scenes": {}}
    for name in names or SCENES:
        started = time.perf_counter()
        arrays = render_scene(name, size, spp)
        np.savez_compressed(folder / f"{name}.npz", **{k: v.astype(np.float16) for k, v in arrays.items()})
        seconds = time.perf_counter() - started
        spec = SCENES[name]
        index["scenes"][name] = {
            "description": spec["description"], "size": size, "spp": spp, "seconds": round(seconds, 1),
            "textures": {k: v[0] for k, v in spec["textures"].items()}, "light": spec["light"],
        }
        log.info("Rendered %s in %.0f s", name, seconds)
        index.update(renderer=f"Mitsuba {mi.__version__} scalar_rgb, path tracer max_depth 8, aov albedo",
                     min_albedo=MIN_ALBEDO, white=WHITE)
        index_path.write_text(json.dumps(index, indent=1) + "\n")
    return folder


def _photo(linear: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, float]:
    from engine.materials.photo import quantise_srgb8, srgb_decode

    lum = linear.amax(dim=1).flatten()[mask.flatten() > 0]
    level = float(torch.quantile(lum.float(), 0.99).clamp_min(1e-8)) if lum.numel() else 1.0
    exposed = linear * (WHITE / level)
    return srgb_decode(quantise_srgb8(exposed).float() / 255.0), WHITE / level


def pathtraced_cases(folder: Path = DATA_DIR) -> list[IntrinsicCase]:
    """The cached scenes as intrinsic cases (tensors (1,C,H,W); mask of valid albedo pixels)."""
    index_path = Path(folder) / "index.json"
    if not index_path.exists():
        raise ValueError(f"No path-traced scenes in {folder}; render them with "
                         "`python -m benchmarks.eval.pathtraced` (needs mitsuba).")
    index = json.loads(index_path.read_text())
    cases = []
    for name, meta in sorted(index["scenes"].items()):
        with np.load(Path(folder) / f"{name}.npz", allow_pickle=False) as data:
            image = torch.from_numpy(data["image"].astype(np.float32)).permute(2, 0, 1)[None]
            albedo = torch.from_numpy(data["albedo"].astype(np.float32)).permute(2, 0, 1)[None]
        image = image.clamp_min(0.0)
        mask = (albedo.amin(dim=1, keepdim=True) > MIN_ALBEDO).float()
        # drop pixels that touch an invalid one: their albedo AOV and radiance mix two surfaces
        # (e.g. the edge of an emitter or of the sky), so image / albedo is not a shading there
        mask = -torch.nn.functional.max_pool2d(-mask, 3, stride=1, padding=1)
        photo, factor = _photo(image, mask)
        mask = mask * (photo.amax(dim=1, keepdim=True) < 1.0).float()  # clipped: shading unknowable
        shading = torch.where(mask.bool().expand_as(image), image * factor / albedo.clamp_min(MIN_ALBEDO),
                              torch.zeros_like(image))
        families = set(meta["textures"].values())
        held = bool(families & set(HELD_OUT_FAMILIES))
        environment = meta["light"].get("environment", "area lights")
        cases.append(IntrinsicCase(f"pathtraced_{name}", "+".join(sorted(families)), held, environment,
                                   photo, {"albedo": albedo.clamp(0, 1), "diffuseshading": shading}, mask,
                                   extras={"description": meta["description"], "spp": str(meta["spp"])}))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description="Render the Mitsuba intrinsic test scenes into the cache.")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--spp", type=int, default=256)
    parser.add_argument("--scenes", nargs="*", choices=sorted(SCENES))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build_cache(args.out, args.size, args.spp, args.scenes)


if __name__ == "__main__":
    main()
