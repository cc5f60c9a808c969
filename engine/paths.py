"""Where the application keeps its configuration, caches, logs and bundled assets."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "teamwork-studio"


def _override(env: str) -> Path | None:
    value = os.environ.get(env)
    return Path(value) if value else None


def config_dir() -> Path:
    return _override("TEAMWORK_STUDIO_CONFIG_DIR") or Path(platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    return _override("TEAMWORK_STUDIO_CACHE_DIR") or Path(platformdirs.user_cache_dir(APP_NAME))


def log_dir() -> Path:
    return _override("TEAMWORK_STUDIO_LOG_DIR") or Path(platformdirs.user_log_dir(APP_NAME))


def project_root() -> Path:
    """The folder holding ``assets/`` and ``shaders/``: the source tree, or the PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def assets_dir() -> Path:
    return project_root() / "assets"


def shaders_dir() -> Path:
    return project_root() / "shaders"


def embedded_models_dir() -> Path:
    """The embedded models (``assets/models``); ``TEAMWORK_STUDIO_MODELS_DIR`` points elsewhere."""
    return _override("TEAMWORK_STUDIO_MODELS_DIR") or assets_dir() / "models"
