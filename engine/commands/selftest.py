"""``teamwork-studio selftest``: versions, devices, the OpenGL renderer, and a tiny end-to-end check."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import subprocess
import sys
import time

HELP = "report versions, devices and the OpenGL renderer, and run a tiny end-to-end check"

PACKAGES = ("torch", "diffusers", "safetensors", "numpy", "PySide6-Essentials", "moderngl", "pyqtgraph",
            "opencv-python-headless", "OpenEXR")

# Run in a child process: a broken GL driver may crash instead of raising.
_GL_PROBE = """
import json, moderngl
for backend in ("egl", None):
    try:
        ctx = moderngl.create_standalone_context(**({"backend": backend} if backend else {}))
        info = ctx.info
        print(json.dumps({"backend": backend or "default", "renderer": info["GL_RENDERER"],
                          "version": info["GL_VERSION"]}))
        break
    except Exception as error:
        last = str(error)
else:
    print(json.dumps({"error": last}))
"""


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def _devices() -> dict[str, object]:
    import torch

    devices: dict[str, object] = {"cpu": True, "cuda": torch.cuda.is_available()}
    if torch.cuda.is_available():
        devices["cuda_name"] = torch.cuda.get_device_name(0)
    devices["mps"] = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    return devices


def _gl() -> dict[str, str]:
    try:
        out = subprocess.run([sys.executable, "-c", _GL_PROBE], capture_output=True, text=True, timeout=60)
        return json.loads(out.stdout.strip().splitlines()[-1])
    except Exception as error:  # report, never crash the selftest
        return {"error": f"no OpenGL context: {error}"}


def _end_to_end() -> dict[str, object]:
    """Adapt a tiny pixel UNet with Teamwork, sample two steps, render the result under a flash."""
    import torch

    from engine.selfcheck import tiny_estimate

    start = time.perf_counter()
    maps = tiny_estimate(size=32, steps=2, seed=0)
    finite = all(bool(torch.isfinite(v).all()) for v in maps.values())
    return {"ok": finite, "maps": sorted(maps), "seconds": round(time.perf_counter() - start, 2)}


def run(args: argparse.Namespace) -> int:
    report: dict[str, object] = {"versions": _versions(), "devices": _devices(), "opengl": _gl()}
    try:
        report["end_to_end"] = _end_to_end()
    except Exception as error:
        report["end_to_end"] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    ok = bool(report["end_to_end"].get("ok")) and "renderer" in report["opengl"]
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        for section, values in report.items():
            sys.stdout.write(f"{section}:\n")
            for key, value in values.items():
                sys.stdout.write(f"  {key}: {value}\n")
        sys.stdout.write("selftest: " + ("ok" if ok else "FAILED") + "\n")
    return 0 if ok else 1
