"""Draw the application icon: four material-map tiles (diffuse, specular, roughness, normals) on a
dark rounded square -- one photo, a team of maps. Writes ``packaging/icons/teamwork-studio.png``
(256 px), ``teamwork-studio-512.png`` and a multi-size ``teamwork-studio.ico`` for Windows.

    .venv/bin/python packaging/make_icon.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

SUPERSAMPLE = 4
BACKGROUND = (28, 31, 38, 255)
# Diffuse (warm terracotta), specular (light grey), roughness (mid grey), normals (flat-normal blue).
TILES = ((201, 110, 74), (196, 200, 206), (118, 122, 128), (128, 128, 255))
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw_icon(size: int) -> Image.Image:
    """The icon at ``size`` x ``size`` pixels (drawn larger and downsampled for clean edges)."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = round(big * 0.04)
    draw.rounded_rectangle((margin, margin, big - margin, big - margin), radius=round(big * 0.2),
                           fill=BACKGROUND)
    inner = big * 0.2
    gap = big * 0.05
    tile = (big - 2 * inner - gap) / 2
    for index, colour in enumerate(TILES):
        row, col = divmod(index, 2)
        x0 = inner + col * (tile + gap)
        y0 = inner + row * (tile + gap)
        draw.rounded_rectangle((x0, y0, x0 + tile, y0 + tile), radius=round(tile * 0.18), fill=(*colour, 255))
    # A highlight across the diffuse tile: the flash the estimate starts from.
    cx, cy = inner + tile * 0.38, inner + tile * 0.38
    r = tile * 0.16
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 236, 214, 255))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "icons")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    draw_icon(256).save(args.out / "teamwork-studio.png", optimize=True)
    draw_icon(512).save(args.out / "teamwork-studio-512.png", optimize=True)
    draw_icon(256).save(args.out / "teamwork-studio.ico", sizes=[(s, s) for s in ICO_SIZES])
    print(f"icons written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
