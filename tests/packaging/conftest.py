"""Load the packaging scripts by file path: ``packaging/`` has no ``__init__.py`` on purpose (a
package of that name would shadow the PyPI ``packaging`` library that pytest and torch import)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def _load(name: str) -> ModuleType:
    module_name = f"_teamwork_packaging_test_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def packaging_module() -> Callable[[str], ModuleType]:
    return _load


@pytest.fixture(scope="session")
def bundle_config() -> ModuleType:
    return _load("bundle_config")
