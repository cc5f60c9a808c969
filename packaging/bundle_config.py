"""What goes into the Teamwork Studio bundle: names, data folders, metadata and exclusions.

Plain data and small helpers shared by the PyInstaller spec (``teamwork_studio.spec``), the build
script (``build.py``) and the tests. It imports neither PyInstaller nor the application, so it can be
loaded anywhere (``importlib`` by file path: ``packaging/`` deliberately has no ``__init__.py``, so
it never shadows the PyPI ``packaging`` library that pip, PyInstaller and torch import).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path

APP_NAME = "teamwork-studio"
DISPLAY_NAME = "Teamwork Studio"
PUBLISHER = "Teamwork Studio contributors"
# The one executable on Linux; on Windows the console-less GUI executable.
EXE_NAME = APP_NAME
# Windows only: the console executable for the command line (same code, console=True).
CLI_EXE_NAME = f"{APP_NAME}-cli"
VARIANTS = ("cpu", "cuda")

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ICON_PNG = PACKAGING / "icons" / f"{APP_NAME}.png"
ICON_ICO = PACKAGING / "icons" / f"{APP_NAME}.ico"

# Source-tree folders copied whole into the bundle (beside the code, where engine.paths looks:
# ``sys._MEIPASS/<name>``). Missing ones are skipped so that the spec works while they are built.
DATA_DIRS = ("assets", "shaders", "configs")
# Files never copied from those folders.
DATA_EXCLUDE_PATTERNS = ("__pycache__", "*.pyc", ".DS_Store", "*.tmp", "*.partial")

# Our own packages, collected wholesale so that modules added later are never missed
# (the CLI imports engine/commands/<name>.py by name, diffusers imports lazily).
OWN_PACKAGES = ("engine", "app")
# Third-party packages whose submodules are imported by name at run time (lazy loaders).
LAZY_PACKAGES = ("diffusers",)
# Third-party packages bundled only when installed and then with their metadata, because diffusers
# decides whether to use them from importlib.metadata (metadata without the module breaks loading).
OPTIONAL_PACKAGES = ("accelerate", "transformers", "peft")
# Distributions whose metadata (and that of everything they require) is read at import time.
RECURSIVE_METADATA = ("diffusers",)
# Distributions whose metadata is read at run time besides the project's own dependencies:
# diffusers' availability checks, and the versions `teamwork-studio selftest` reports.
EXTRA_METADATA = ("torch", "safetensors", "numpy", "tqdm", "huggingface_hub", "packaging", "filelock",
                  "regex", "requests", "pillow", "teamwork-studio")

# PySide6 modules the app never uses; excluding them keeps their Qt libraries, plugins and QML
# files out of the bundle. Essentials and Addons names both listed so an Addons install is trimmed
# too. tests/packaging checks that no module in app/ or engine/ imports one of these.
QT_EXCLUDES = tuple(f"PySide6.{name}" for name in (
    "QtWebEngineCore", "QtWebEngineWidgets", "QtWebEngineQuick", "QtWebChannel", "QtWebSockets",
    "QtWebView", "QtHttpServer", "QtNetworkAuth",
    "QtQml", "QtQmlFeatures", "QtQuick", "QtQuickControls2", "QtQuickWidgets", "QtQuickTest",
    "QtQuick3D", "QtLabsStyleKit",
    "Qt3DCore", "Qt3DRender", "Qt3DInput", "Qt3DLogic", "Qt3DAnimation", "Qt3DExtras",
    "QtMultimedia", "QtMultimediaWidgets", "QtSpatialAudio", "QtTextToSpeech",
    "QtCharts", "QtDataVisualization", "QtGraphs", "QtGraphsWidgets",
    "QtBluetooth", "QtNfc", "QtPositioning", "QtLocation", "QtSensors", "QtSerialPort",
    "QtSerialBus", "QtRemoteObjects", "QtScxml", "QtStateMachine",
    "QtPdf", "QtPdfWidgets", "QtDesigner", "QtHelp", "QtUiTools", "QtSql", "QtTest", "QtAxContainer",
))
# Qt bindings other than PySide6 (pyqtgraph probes for them) and Python packages that are
# development tools, never used by the running app.
PY_EXCLUDES = (
    "PyQt5", "PyQt6", "PySide2", "tkinter", "_tkinter", "matplotlib", "IPython", "jupyter",
    "notebook", "pytest", "_pytest", "pytestqt", "hypothesis", "ruff", "PyInstaller",
    "importlinter", "grimp", "pyqtgraph.examples", "torch.testing._internal.opinfo",
)
# Qt translations kept (the app is English; qtbase has the standard dialog strings).
QT_TRANSLATION_KEEP = ("qtbase_",)
# Files the hooks collect that the app never runs: torch's C++ test programs and protoc (~130 MB).
# Patterns match the destination inside the bundle, "/"-separated; KEEP wins over DROP.
DROP_FROM_BUNDLE = ("torch/test/*", "torch/bin/*", "torch/lib/*_test.so", "torch/lib/*_test.dll")
KEEP_IN_BUNDLE = ("torch/bin/torch_shm_manager",)

# Inputs of the bundle: a bundle newer than all of these is reused by the tests.
SOURCE_DIRS = ("engine", "app", "shaders", "assets", "configs", "packaging")
SOURCE_FILES = ("pyproject.toml",)


def read_version(root: Path = ROOT) -> str:
    """The application version, read from ``engine/__init__.py`` without importing the engine."""
    text = (root / "engine" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.MULTILINE)
    if match is None:
        raise ValueError(f"{root / 'engine' / '__init__.py'} does not define __version__.")
    return match.group(1)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``"0.1.0"`` -> ``(0, 1, 0, 0)``: the four numbers a Windows version resource wants."""
    numbers = [int(part) for part in re.findall(r"\d+", version)[:4]]
    if not numbers:
        raise ValueError(f"version {version!r} has no numbers.")
    return tuple((numbers + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def requirement_name(requirement: str) -> str:
    """``"torch>=2.4,<2.14"`` -> ``"torch"`` (PEP 508 name, markers and extras dropped)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise ValueError(f"cannot read a package name from {requirement!r}.")
    return match.group(1)


def runtime_requirements(root: Path = ROOT) -> list[str]:
    """Names of the project's run-time dependencies from ``pyproject.toml`` (no extras)."""
    with open(root / "pyproject.toml", "rb") as handle:
        project = tomllib.load(handle)["project"]
    return [requirement_name(r) for r in project.get("dependencies", [])]


def metadata_packages(root: Path = ROOT) -> list[str]:
    """Distributions whose metadata the bundle carries (each once, order kept)."""
    seen: dict[str, None] = {}
    for name in (*runtime_requirements(root), *EXTRA_METADATA):
        seen.setdefault(name, None)
    return list(seen)


def is_dropped(destination: str) -> bool:
    """Whether a collected file (destination path inside the bundle) is left out of it."""
    dest = destination.replace("\\", "/")
    if dest.startswith("PySide6/") and "/translations/" in dest:
        return not dest.rsplit("/", 1)[-1].startswith(QT_TRANSLATION_KEEP)
    if any(fnmatch(dest, pattern) for pattern in KEEP_IN_BUNDLE):
        return False
    return any(fnmatch(dest, pattern) for pattern in DROP_FROM_BUNDLE)


def is_excluded_qt_import(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in QT_EXCLUDES)


def qt_imports(paths: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """``(file, module)`` for every ``PySide6.QtXxx`` module named in the given Python files."""
    pattern = re.compile(r"\bPySide6\.(Qt\w+)|\bfrom\s+PySide6\s+import\s+(?:\(([^)]*)\)|([\w \t,]+))")
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in pattern.finditer(text):
            if match.group(1):
                yield path, f"PySide6.{match.group(1)}"
            else:
                for name in re.split(r"[\s,]+", match.group(2) or match.group(3)):
                    if name.startswith("Qt"):
                        yield path, f"PySide6.{name}"


def newest_source_mtime(root: Path = ROOT) -> float:
    """The newest modification time among the bundle's inputs (0.0 when none exists)."""
    newest = 0.0
    for name in SOURCE_FILES:
        path = root / name
        if path.exists():
            newest = max(newest, path.stat().st_mtime)
    for name in SOURCE_DIRS:
        folder = root / name
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                newest = max(newest, path.stat().st_mtime)
    return newest


def is_bundle_fresh(executable: Path, root: Path = ROOT) -> bool:
    """True when the bundle's executable exists and is newer than every source it was built from."""
    return executable.is_file() and executable.stat().st_mtime > newest_source_mtime(root)


def archive_name(version: str, system: str, machine: str, variant: str) -> str:
    """E.g. ``teamwork-studio-0.1.0-linux-x86_64-cpu``: the archive's name without extension."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, not {variant!r}.")
    return f"{APP_NAME}-{version}-{system.lower()}-{machine.lower()}-{variant}"
