"""Persistent user settings: one dataclass, a schema version, migrations, JSON in the config dir.

Qt-free. ``load_settings()`` never raises: a missing, unreadable or corrupt file gives the defaults
(the corrupt file is kept aside as ``settings.json.bad``) so that a bad file never stops the app.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from engine.paths import config_dir

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
MAX_RECENT = 10
SETTINGS_FILE = "settings.json"


@dataclass
class TaskDefaults:
    """The task panel's last values; mirrors ``engine.pipelines.estimate.EstimateOptions``."""

    task: str = "svbrdf"
    model: str = "embedded"
    checkpoint: str = ""
    base: str = ""
    fov_degrees: float = 45.0
    steps: int = 10
    seed: int = 0
    samples: int = 2
    tileable: bool = False
    max_size: int = 1024
    device: str = "auto"


@dataclass
class ExportDefaults:
    preset: str = "gltf"
    resolution: int = 0  # 0 = keep the estimated resolution
    bit_depth: int = 16
    fmt: str = "png"
    naming: str = "{photo}_{preset}"
    folder: str = ""


@dataclass
class AppSettings:
    schema_version: int = SCHEMA_VERSION
    recent_projects: list[str] = field(default_factory=list)
    recent_photos: list[str] = field(default_factory=list)
    last_open_dir: str = ""
    show_welcome: bool = True
    window_geometry: str = ""  # base64 of QMainWindow.saveGeometry()
    window_state: str = ""  # base64 of QMainWindow.saveState()
    task: TaskDefaults = field(default_factory=TaskDefaults)
    export: ExportDefaults = field(default_factory=ExportDefaults)

    def add_recent(self, kind: str, path: str | Path) -> None:
        """Put ``path`` first in the recent list ``kind`` ("projects" or "photos"), without duplicates."""
        items: list[str] = getattr(self, f"recent_{kind}")
        text = str(Path(path))
        if text in items:
            items.remove(text)
        items.insert(0, text)
        del items[MAX_RECENT:]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AppSettings:
        """Build from a dict of the current schema; unknown keys are ignored, wrong types defaulted."""
        defaults = cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            current = getattr(defaults, f.name)
            raw = data[f.name]
            if f.name == "task":
                values[f.name] = _sub(TaskDefaults, raw)
            elif f.name == "export":
                values[f.name] = _sub(ExportDefaults, raw)
            elif isinstance(current, list):
                values[f.name] = [str(x) for x in raw][:MAX_RECENT] if isinstance(raw, list) else []
            elif _same_type(current, raw):
                values[f.name] = raw
        values["schema_version"] = SCHEMA_VERSION
        return cls(**values)


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def _sub(cls: type, raw: Any) -> Any:
    defaults = cls()
    if not isinstance(raw, dict):
        return defaults
    values = {}
    for f in fields(cls):
        if f.name in raw and _same_type(getattr(defaults, f.name), raw[f.name]):
            value = raw[f.name]
            values[f.name] = float(value) if isinstance(getattr(defaults, f.name), float) else value
    return cls(**values)


# ---------------------------------------------------------------------------------------------
# Migrations: each takes the dict of version N and returns the dict of version N + 1.


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 kept one flat ``recent`` list and flat task keys; v2 splits recents and nests ``task``."""
    data = dict(data)
    data["recent_projects"] = [p for p in data.pop("recent", []) if str(p).endswith(".twproj")]
    task = {k: data.pop(k) for k in list(data) if k in {f.name for f in fields(TaskDefaults)}}
    data.setdefault("task", task)
    data["schema_version"] = 2
    return data


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a settings dict of any known older version to ``SCHEMA_VERSION``."""
    version = int(data.get("schema_version", 1))
    if version > SCHEMA_VERSION:
        log.warning("settings were written by a newer version (%d); reading what is known", version)
        return data
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = int(data["schema_version"])
    return data


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> AppSettings:
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return AppSettings()
    except OSError as error:
        log.warning("cannot read the settings file %s: %s", path, error)
        return AppSettings()
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the settings file does not hold a JSON object")
        return AppSettings.from_dict(migrate(data))
    except (ValueError, KeyError, TypeError) as error:
        log.warning("the settings file %s is damaged (%s); using the defaults", path, error)
        try:
            path.replace(path.with_suffix(".json.bad"))
        except OSError:
            pass
        return AppSettings()


def save_settings(settings: AppSettings, path: Path | None = None) -> None:
    """Write atomically (temp file + rename); a failure is logged, never raised."""
    path = path or settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(settings.to_dict(), indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as error:
        log.warning("cannot save the settings to %s: %s", path, error)
