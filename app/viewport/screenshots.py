"""Render the documentation screenshots: ``python -m app.viewport.screenshots [out_dir]``.

Plane, sphere and cube under the colocated flash and under an HDRI, for a procedural material of
the engine's generator, saved as docs/screenshots/viewport_<shape>_<lighting>.png (sRGB 8-bit).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from app.viewport.offscreen import render_offscreen
from app.viewport.settings import ViewportSettings

log = logging.getLogger(__name__)

SHOTS = {  # name -> (settings changes, lighting mode)
    "plane_flash": ({"shape": "plane", "camera_pitch": 0.0, "camera_distance": 2.9}, "flash"),
    "sphere_flash": ({"shape": "sphere", "camera_pitch": 10.0}, "flash"),
    "cube_flash": ({"shape": "cube", "camera_yaw": 35.0, "camera_pitch": 25.0}, "flash"),
    "plane_hdri": (
        {"shape": "plane", "camera_yaw": 30.0, "camera_pitch": 15.0, "camera_distance": 3.4},
        "environment",
    ),
    "sphere_hdri": ({"shape": "sphere", "camera_pitch": 10.0}, "environment"),
    "cube_hdri": ({"shape": "cube", "camera_yaw": 35.0, "camera_pitch": 25.0}, "environment"),
}


def material(family: str, size: int, seed: int) -> dict[str, np.ndarray]:
    from engine.materials.generator import generate_material

    maps = generate_material(family, size, seed=seed)
    return {k: v[0].permute(1, 2, 0).numpy() for k, v in maps.items()}


def save_png(path: Path, image: np.ndarray) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    rgb8 = (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if not cv2.imwrite(str(path), rgb8[..., ::-1]):
        raise OSError(f"Could not write {path}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default="docs/screenshots")
    parser.add_argument("--family", default="ceramic_tiles")
    parser.add_argument("--environment", default="courtyard")
    parser.add_argument("--size", type=int, default=512, help="map size")
    parser.add_argument("--image", type=int, default=640, help="screenshot size")
    args = parser.parse_args(argv)
    maps = material(args.family, args.size, seed=1)
    base = ViewportSettings(environment=args.environment, tiling=2, exposure=0.0)
    for name, (changes, mode) in SHOTS.items():
        settings = ViewportSettings(**{**base.to_dict(), **changes})
        image = render_offscreen(
            maps, mode=mode, fov_degrees=45, size=(args.image, args.image), settings=settings, display=True
        )
        path = Path(args.out_dir) / f"viewport_{name}.png"
        save_png(path, image)
        log.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    raise SystemExit(main())
