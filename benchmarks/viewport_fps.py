"""Viewport frames per second with 1024x1024 maps (offscreen EGL, the widget's display output).

    .venv/bin/python benchmarks/viewport_fps.py [--maps 1024] [--sizes 1024x768 512x384] [--out FILE]

Renders into an 8-bit RGBA framebuffer exactly as the widget does (exposure, filmic, sRGB), waits
for the GPU (ctx.finish) after every frame, and reports frames per second per shape and lighting,
plus the one-off costs (map upload with mipmaps, HDRI prefilter, cached HDRI load).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time
from pathlib import Path

from app.viewport import environment as env_cpu
from app.viewport.offscreen import standalone_renderer
from app.viewport.screenshots import material
from app.viewport.settings import ViewportSettings

CASES = [
    ("plane", "point", {}),
    ("plane", "flash", {}),
    ("plane", "environment", {}),
    ("sphere", "point", {}),
    ("sphere", "environment", {}),
    ("cube", "environment", {}),
    ("plane", "point", {"parallax": True}),
]


def fps(renderer, fbo, settings, size, seconds: float) -> float:
    renderer.render(settings, fbo, size)  # warm up (shader variants, textures)
    renderer.ctx.finish()
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or frames < 3:
        renderer.render(settings, fbo, size)
        renderer.ctx.finish()
        frames += 1
    return frames / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", type=int, default=1024)
    parser.add_argument("--sizes", nargs="+", default=["1024x768", "512x384"], help="frame sizes WxH")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--out", default="docs/benchmarks/viewport.md")
    args = parser.parse_args()

    renderer = standalone_renderer()
    ctx = renderer.ctx
    maps = material("ceramic_tiles", args.maps, seed=1)
    start = time.perf_counter()
    renderer.set_maps(maps)
    ctx.finish()
    upload = time.perf_counter() - start
    env_cpu.clear_memory_cache()
    key = env_cpu.cache_key(env_cpu.resolve_environment("courtyard"))
    for file in (env_cpu.cache_dir() / "viewport").glob(f"env-{key}.npz"):
        file.unlink()
    start = time.perf_counter()
    renderer.set_environment("courtyard")
    prefilter = time.perf_counter() - start
    env_cpu.clear_memory_cache()
    renderer._env_name = None
    start = time.perf_counter()
    renderer.set_environment("courtyard")
    cached = time.perf_counter() - start

    sizes = [tuple(int(v) for v in text.lower().split("x")) for text in args.sizes]
    load_before = os.getloadavg()[0]
    rates: dict[str, list[float]] = {}
    for size in sizes:
        fbo = ctx.simple_framebuffer(size, components=4)
        for shape, lighting, extra in CASES:
            settings = dataclasses.replace(
                ViewportSettings(shape=shape, lighting=lighting, environment="courtyard", tiling=2), **extra
            )
            label = f"{shape} / {lighting}" + (" + parallax" if extra else "")
            rates.setdefault(label, []).append(fps(renderer, fbo, settings, size, args.seconds))
            print(label, size, f"{rates[label][-1]:.2f} fps")
        ctx.detect_framebuffer(0).use()
        fbo.release()
    load_after = os.getloadavg()[0]
    assert ctx.error == "GL_NO_ERROR"
    header = " | ".join(f"fps at {w}x{h}" for w, h in sizes)
    rows = [
        f"| {label} | " + " | ".join(f"{r:.1f}" for r in values) + " |" for label, values in rates.items()
    ]

    renderer_name = ctx.info.get("GL_RENDERER", "?")
    text = "\n".join(
        [
            "# Viewport frame rate",
            "",
            "Command: `.venv/bin/python benchmarks/viewport_fps.py "
            f"--maps {args.maps} --sizes {' '.join(args.sizes)}`",
            "",
            f"- GL: {renderer_name} ({ctx.info.get('GL_VERSION', '?')}), offscreen EGL context",
            f"- machine: {platform.machine()}, {platform.processor() or 'cpu'}; shared 2-core VM, no GPU",
            f"- load average (1 min) {load_before:.1f} before, {load_after:.1f} after: other jobs shared the "
            "two cores, so these figures are lower bounds",
            f"- maps: {args.maps}x{args.maps} float32 (ceramic_tiles), tiling x2; 8-bit output with "
            "exposure, filmic tone map and sRGB, `ctx.finish()` after every frame; trilinear "
            "filtering (anisotropic "
            "filtering is switched off on software renderers)",
            f"- one-off: map upload with mipmaps {upload * 1000:.0f} ms; HDRI prefilter (GPU, 6 levels, "
            f"{env_cpu.SAMPLES} samples) {prefilter * 1000:.0f} ms; cached HDRI load {cached * 1000:.0f} ms",
            "",
            f"| shape / lighting | {header} |",
            "|---|" + "---|" * len(sizes),
            *rows,
            "",
            "No GPU was lent to this task, so there is no GPU figure (rerun the command on one to add it)."
            "",
        ]
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
