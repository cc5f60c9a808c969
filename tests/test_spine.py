"""The project's spine: import layering, entry points, CLI protocol."""

from __future__ import annotations

import subprocess
import sys

from engine import cli


def test_engine_import_pulls_in_no_qt():
    code = (
        "import sys, engine, engine.cli, engine.progress, engine.paths;"
        "import pkgutil, importlib;"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(engine.__path__, 'engine.')"
        " if not m.name.endswith('__main__')];"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('PySide6','pyqtgraph','app','shiboken6')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unbuilt_command_says_so_and_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_load", lambda name: None)
    assert cli.main(["train", "whatever.toml"]) == 2
    assert "not built yet" in capsys.readouterr().err


def test_usage_error_exits_2():
    assert cli.main(["--no-such-flag"]) == 2


def test_app_main_dispatches_commands_to_cli(monkeypatch):
    from app import main as app_main

    assert app_main.wants_cli(["estimate", "x.png"])
    assert app_main.wants_cli(["--version"])
    assert not app_main.wants_cli([])


def test_selftest_reports_gl_renderer_and_passes_end_to_end():
    import json

    result = subprocess.run([sys.executable, "-m", "engine", "selftest", "--json"],
                            capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert report["opengl"]["renderer"]
    assert report["end_to_end"]["ok"] is True
    assert {"diffuse", "specular", "roughness", "normals"} <= set(report["end_to_end"]["maps"])


def test_import_linter_contract_is_kept():
    """pyproject's import-linter contract: engine/ never imports PySide6, pyqtgraph or app/."""
    import shutil
    from pathlib import Path

    import pytest

    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if linter is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([linter], cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout
