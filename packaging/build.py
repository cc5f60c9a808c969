"""Build the Teamwork Studio bundle with PyInstaller, then archive it.

    .venv/bin/python packaging/build.py                 # CPU bundle + tar.gz (Linux) / zip (Windows)
    .venv/bin/python packaging/build.py --variant cuda  # needs the CUDA build of torch installed
    .venv/bin/python packaging/build.py --no-archive    # only dist/teamwork-studio/

Leaves the bundle in ``dist/teamwork-studio/`` (executable ``dist/teamwork-studio/teamwork-studio``;
on Windows also ``teamwork-studio-cli.exe``), the archive beside it, and the figures of the build
(seconds, bundle and archive size) in ``dist/teamwork-studio-build.json``. The interpreter that runs
this script is the one whose packages are bundled: run it with the project's virtual environment.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from types import ModuleType

log = logging.getLogger("packaging.build")
HERE = Path(__file__).resolve().parent


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_teamwork_packaging_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cfg = _load("bundle_config")
IS_WINDOWS = sys.platform.startswith("win")
LINUX_EXTRAS = (
    ("linux/install.sh", "install.sh"),
    ("linux/teamwork-studio.desktop", "teamwork-studio.desktop"),
    ("icons/teamwork-studio.png", "teamwork-studio.png"),
)


def torch_build(python: str) -> tuple[str, str | None]:
    """(torch version, CUDA version or None) of the torch installed for ``python``."""
    code = "import json, torch; print(json.dumps([torch.__version__, torch.version.cuda]))"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        last = out.stderr.strip().splitlines()[-1:]
        raise SystemExit(f"build: torch does not import with {python}: {last}")
    version, cuda = json.loads(out.stdout.strip().splitlines()[-1])
    return version, cuda


def check_variant(variant: str, torch_version: str, cuda: str | None) -> None:
    """Refuse a variant label that does not match the installed torch (the bundle takes what is there)."""
    if variant == "cuda" and cuda is None:
        raise SystemExit(f"build: --variant cuda needs the CUDA build of torch, but torch {torch_version} is "
                         "CPU-only; install it from the CUDA wheel index first "
                         "(see docs/architecture/packaging.md).")
    if variant == "cpu" and cuda is not None:
        raise SystemExit(f"build: --variant cpu was asked for, but torch {torch_version} is a CUDA build "
                         f"(CUDA {cuda}); install the CPU wheel or pass --variant cuda.")


def tree_size(folder: Path) -> int:
    """Bytes of the regular files under ``folder`` (symbolic links not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def add_linux_extras(bundle: Path) -> None:
    """Put the menu entry, icon and user install script at the top of the bundle."""
    for source, name in LINUX_EXTRAS:
        target = bundle / name
        shutil.copy2(HERE / source, target)
    (bundle / "install.sh").chmod(0o755)


def make_tar_gz(bundle: Path, archive: Path) -> Path:
    """``archive`` holding ``<bundle.name>/...`` with modes and symbolic links kept."""
    partial = archive.with_name(archive.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=bundle.name)
    partial.replace(archive)
    return archive


def make_zip(bundle: Path, archive: Path) -> Path:
    base = archive.with_suffix("")
    return Path(shutil.make_archive(str(base), "zip", root_dir=bundle.parent, base_dir=bundle.name))


def children_cpu_seconds() -> float | None:
    """User + system CPU seconds of finished child processes (None where unsupported)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_pyinstaller(python: str, dist: Path, work: Path, variant: str, clean: bool) -> None:
    command = [python, "-m", "PyInstaller", str(HERE / "teamwork_studio.spec"), "--noconfirm",
               "--distpath", str(dist), "--workpath", str(work), "--log-level", "WARN"]
    if clean:
        command.append("--clean")
    env = {**os.environ, "TEAMWORK_STUDIO_VARIANT": variant}
    log.info("running %s", " ".join(command))
    result = subprocess.run(command, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"build: PyInstaller failed with exit status {result.returncode}.")


def build(args: argparse.Namespace) -> dict[str, object]:
    if importlib.util.find_spec("PyInstaller") is None and args.python == sys.executable:
        raise SystemExit('build: PyInstaller is not installed; run: pip install "pyinstaller==6.*"')
    torch_version, cuda = torch_build(args.python)
    variant = args.variant or ("cuda" if cuda else "cpu")
    check_variant(variant, torch_version, cuda)
    version = cfg.read_version(cfg.ROOT)
    dist = args.dist.resolve()
    bundle = dist / cfg.APP_NAME
    start, cpu_start = time.perf_counter(), children_cpu_seconds()
    run_pyinstaller(args.python, dist, args.work.resolve(), variant, args.clean)
    pyinstaller_seconds = time.perf_counter() - start
    cpu_end = children_cpu_seconds()
    if not IS_WINDOWS:
        add_linux_extras(bundle)
    system = "windows" if IS_WINDOWS else platform.system()
    machine = platform.machine() or "unknown"
    info: dict[str, object] = {
        "version": version, "variant": variant, "torch": torch_version, "cuda": cuda,
        "python": platform.python_version(), "platform": f"{system}-{machine}".lower(),
        "pyinstaller_seconds": round(pyinstaller_seconds, 1),
        "pyinstaller_cpu_seconds": None if cpu_end is None else round(cpu_end - (cpu_start or 0.0), 1),
        "cpus": os.cpu_count(),
    }
    build_info = dict(info)
    (bundle / "build-info.json").write_text(json.dumps(build_info, indent=2) + "\n", encoding="utf-8")
    info["bundle"] = str(bundle)
    info["bundle_bytes"] = tree_size(bundle)
    if not args.no_archive:
        start = time.perf_counter()
        name = cfg.archive_name(version, system, machine, variant)
        archive = (make_zip(bundle, dist / f"{name}.zip") if IS_WINDOWS
                   else make_tar_gz(bundle, dist / f"{name}.tar.gz"))
        info["archive"] = archive.name
        info["archive_bytes"] = archive.stat().st_size
        info["archive_seconds"] = round(time.perf_counter() - start, 1)
    info["total_seconds"] = round(pyinstaller_seconds + float(info.get("archive_seconds", 0.0)), 1)
    (dist / f"{cfg.APP_NAME}-build.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Build the Teamwork Studio bundle (PyInstaller, onedir).")
    parser.add_argument("--variant", choices=cfg.VARIANTS, default=None,
                        help="label of the build; default: cuda when the installed torch is a CUDA build")
    parser.add_argument("--dist", type=Path, default=cfg.ROOT / "dist", help="output folder (default dist/)")
    parser.add_argument("--work", type=Path, default=cfg.ROOT / "build" / "pyinstaller",
                        help="PyInstaller work folder (default build/pyinstaller/)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter whose packages are bundled (default: this one)")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's caches first")
    parser.add_argument("--no-archive", action="store_true", help="skip the tar.gz / zip")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="build: %(message)s")
    info = build(parse_args(argv))
    mib = 1024 * 1024
    print(f"bundle:  {info['bundle']}  ({info['bundle_bytes'] / mib:.0f} MiB, "
          f"PyInstaller {info['pyinstaller_seconds']} s)")
    if "archive" in info:
        size = info["archive_bytes"] / mib  # type: ignore[operator]
        print(f"archive: {info['archive']}  ({size:.0f} MiB, {info['archive_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
