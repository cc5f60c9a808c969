"""Fast checks of what goes into the bundle (no PyInstaller run)."""

from __future__ import annotations

import importlib.metadata
import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_version_comes_from_the_engine(bundle_config):
    import engine

    assert bundle_config.read_version(ROOT) == engine.__version__
    assert bundle_config.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert bundle_config.version_tuple("2.10.3.7.9") == (2, 10, 3, 7)
    with pytest.raises(ValueError, match="no numbers"):
        bundle_config.version_tuple("dev")


def test_version_missing_is_one_clear_error(bundle_config, tmp_path):
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "__init__.py").write_text('"""No version here."""\n')
    with pytest.raises(ValueError, match="does not define __version__"):
        bundle_config.read_version(tmp_path)


def test_requirement_names_parse(bundle_config):
    assert bundle_config.requirement_name("torch>=2.4,<2.14") == "torch"
    assert bundle_config.requirement_name("PySide6-Essentials>=6.6") == "PySide6-Essentials"
    assert bundle_config.requirement_name("foo[bar] ; python_version>'3'") == "foo"


def test_every_runtime_dependency_has_metadata_to_bundle(bundle_config):
    """copy_metadata skips what is missing; a missing runtime dependency must fail here instead."""
    names = bundle_config.runtime_requirements(ROOT)
    assert {"torch", "diffusers", "safetensors"} <= set(names)
    missing = []
    for name in names:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    assert not missing, f"not installed, so the bundle would lack them: {missing}"
    packages = bundle_config.metadata_packages(ROOT)
    assert len(packages) == len(set(packages)) and set(names) <= set(packages)


def test_qt_import_scan_finds_modules(bundle_config, tmp_path):
    source = tmp_path / "mod.py"
    source.write_text("from PySide6 import QtCore, QtQml\nimport PySide6.QtWebEngineCore\n"
                      "from PySide6.QtWidgets import QWidget\n")
    found = sorted(module for _, module in bundle_config.qt_imports([source]))
    assert found == ["PySide6.QtCore", "PySide6.QtQml", "PySide6.QtWebEngineCore", "PySide6.QtWidgets"]
    excluded = [m for m in found if bundle_config.is_excluded_qt_import(m)]
    assert excluded == ["PySide6.QtQml", "PySide6.QtWebEngineCore"]


def test_no_source_imports_an_excluded_qt_module(bundle_config):
    """The spec drops these Qt modules; a module that imports one would fail only in the bundle."""
    sources = [p for folder in ("app", "engine") for p in (ROOT / folder).rglob("*.py")]
    assert sources
    bad = [(str(path.relative_to(ROOT)), module) for path, module in bundle_config.qt_imports(sources)
           if bundle_config.is_excluded_qt_import(module)]
    assert not bad, f"uses a Qt module the bundle excludes (edit packaging/bundle_config.py): {bad}"


def test_bundle_freshness_follows_the_sources(bundle_config, tmp_path):
    (tmp_path / "engine").mkdir()
    source = tmp_path / "engine" / "x.py"
    source.write_text("x = 1\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    exe = tmp_path / "dist" / "teamwork-studio"
    assert not bundle_config.is_bundle_fresh(exe, tmp_path)  # no bundle yet
    exe.parent.mkdir()
    exe.write_text("bundle")
    now = time.time()
    os.utime(exe, (now, now))
    os.utime(source, (now - 100, now - 100))
    os.utime(tmp_path / "pyproject.toml", (now - 100, now - 100))
    assert bundle_config.is_bundle_fresh(exe, tmp_path)
    os.utime(source, (now + 10, now + 10))  # a source changed after the build
    assert not bundle_config.is_bundle_fresh(exe, tmp_path)


def test_archive_names(bundle_config):
    assert (bundle_config.archive_name("0.1.0", "Linux", "x86_64", "cpu")
            == "teamwork-studio-0.1.0-linux-x86_64-cpu")
    with pytest.raises(ValueError, match="variant"):
        bundle_config.archive_name("0.1.0", "Linux", "x86_64", "rocm")


def test_spec_compiles_and_uses_the_entry_script(bundle_config):
    spec = (ROOT / "packaging" / "teamwork_studio.spec").read_text(encoding="utf-8")
    compile(spec, "teamwork_studio.spec", "exec")
    assert "teamwork_studio_main.py" in spec and "contents_directory=\"_internal\"" in spec
    assert (ROOT / "packaging" / "teamwork_studio_main.py").is_file()
    assert bundle_config.ICON_PNG.is_file() and bundle_config.ICON_ICO.is_file()


def test_icon_files_are_real_images(bundle_config):
    from PIL import Image

    with Image.open(bundle_config.ICON_PNG) as png:
        assert png.size == (256, 256) and png.mode == "RGBA"
        assert png.getpixel((0, 0))[3] == 0 and png.getpixel((128, 128))[3] == 255  # rounded, opaque
    with Image.open(bundle_config.ICON_ICO) as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])


def test_dropped_files(bundle_config):
    assert bundle_config.is_dropped("torch/test/test_jit")
    assert bundle_config.is_dropped("torch/bin/protoc")
    assert not bundle_config.is_dropped("torch/bin/torch_shm_manager")
    assert bundle_config.is_dropped("torch/lib/libtorchbind_test.so")
    assert not bundle_config.is_dropped("torch/lib/libtorch_cpu.so")
    assert bundle_config.is_dropped("PySide6/Qt/translations/qtdeclarative_de.qm")
    assert not bundle_config.is_dropped("PySide6/Qt/translations/qtbase_de.qm")
    assert not bundle_config.is_dropped("PySide6\\Qt\\lib\\libQt6Widgets.so.6")
    assert not bundle_config.is_dropped("assets/hdri/studio.exr")
