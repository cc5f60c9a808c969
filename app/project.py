"""Project files: ``name.twproj`` (JSON) plus ``name_data/`` beside it holding the photo copies and
result maps as ``.npy`` arrays (never pickled). Qt-free.

The JSON keeps photo paths, edits (rectification, field of view), task options, statuses and the
list of maps (plus the tileable flag and edits of an edited result, whose repaired photo is saved
beside its maps); the data folder makes a project self-contained, so it reopens even when the
original photos moved. Writes go to temporary names first and are renamed into place.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np

from app.rectify import Rectification
from app.session import Photo, Result, Session, TaskOptions

log = logging.getLogger(__name__)

FORMAT = "teamwork-studio-project"
VERSION = 1
SUFFIX = ".twproj"
REPAIRED_PHOTO = "repaired_photo.npy"  # beside the maps (no map is called repaired_photo)


class ProjectError(Exception):
    """A project could not be saved or opened; the message is one sentence for the user."""


def data_dir(path: Path) -> Path:
    return path.with_name(path.stem + "_data")


def save_project(session: Session, path: str | Path) -> Path:
    path = Path(path)
    if path.suffix != SUFFIX:
        path = path.with_suffix(SUFFIX)
    data = data_dir(path)
    tmp_data = data.with_name(data.name + ".tmp")
    shutil.rmtree(tmp_data, ignore_errors=True)
    try:
        tmp_data.mkdir(parents=True)
        photos = []
        for photo in session.photos:
            folder = tmp_data / photo.id
            folder.mkdir()
            np.save(folder / "photo.npy", photo.pixels.astype(np.float16), allow_pickle=False)
            entry = {
                "id": photo.id,
                "path": str(photo.path),
                "fov_degrees": photo.fov_degrees,
                "fov_from_exif": photo.fov_from_exif,
                "rectification": photo.rectification.to_json(),
                "status": photo.status if photo.status in ("done", "failed") else "ready",
                "message": photo.message,
                "result": None,
            }
            if photo.result is not None:
                for name, array in photo.result.maps.items():
                    np.save(folder / f"{name}.npy", np.asarray(array, dtype=np.float32), allow_pickle=False)
                entry["result"] = {
                    "task": photo.result.task,
                    "model": photo.result.model,
                    "warnings": photo.result.warnings,
                    "seconds": photo.result.seconds,
                    "maps": sorted(photo.result.maps),
                    "tileable": photo.result.tileable,
                    "edits": photo.result.edits,
                }
                if photo.result.photo is not None:  # repaired: kept at full precision with the maps
                    np.save(folder / REPAIRED_PHOTO, np.asarray(photo.result.photo, dtype=np.float32),
                            allow_pickle=False)
                    entry["result"]["photo"] = REPAIRED_PHOTO
            photos.append(entry)
        document = {
            "format": FORMAT,
            "version": VERSION,
            "options": asdict(session.options),
            "current": session.current_id,
            "photos": photos,
        }
        tmp_json = path.with_name(path.name + ".tmp")
        tmp_json.write_text(json.dumps(document, indent=2), encoding="utf-8")
        old = data.with_name(data.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if data.exists():
            data.rename(old)
        tmp_data.rename(data)
        os.replace(tmp_json, path)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(tmp_data, ignore_errors=True)
        raise ProjectError(f"Cannot save the project to {path}: {error.strerror or error}.") from error
    session.project_path = path
    session.undo_stack.set_clean()
    return path


def load_project(session: Session, path: str | Path) -> list[str]:
    """Replace the session's content with the project at ``path``; returns warnings (one per line)."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ProjectError(f"The project {path.name} does not exist any more.") from error
    except (OSError, ValueError) as error:
        raise ProjectError(f"{path.name} is not a readable Teamwork Studio project.") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ProjectError(f"{path.name} is not a Teamwork Studio project.")
    if int(document.get("version", 0)) > VERSION:
        raise ProjectError(f"{path.name} was saved by a newer Teamwork Studio; please update the app.")
    warnings: list[str] = []
    data = data_dir(path)
    photos: list[Photo] = []
    try:
        options = TaskOptions(**document.get("options", {}))
    except (TypeError, ValueError):
        warnings.append("The project's task options were invalid; the defaults are used.")
        options = TaskOptions()
    for entry in document.get("photos", []):
        try:
            photos.append(_load_photo(session, entry, data / entry["id"]))
        except (OSError, KeyError, ValueError) as error:
            warnings.append(f"Photo {entry.get('path', '?')} could not be restored ({error}).")
    session.clear()
    session.options = options
    session.photos = photos
    session.project_path = path
    session.emit("options_changed")
    session.emit("photos_changed")
    current = document.get("current")
    session.select(current if session.photo(current) else (photos[0].id if photos else None))
    session.undo_stack.set_clean()
    return warnings


def _load_photo(session: Session, entry: dict, folder: Path) -> Photo:
    copy = folder / "photo.npy"
    if copy.exists():
        pixels = np.load(copy, allow_pickle=False).astype(np.float32)
    else:
        pixels = session._reader(Path(entry["path"])).pixels
    result = None
    if entry.get("result"):
        meta = entry["result"]
        maps = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in meta["maps"]}
        repaired = np.load(folder / meta["photo"], allow_pickle=False) if meta.get("photo") else None
        result = Result(maps, meta["task"], meta.get("model", ""), list(meta.get("warnings", [])),
                        float(meta.get("seconds", 0.0)), photo=repaired, tileable=bool(meta.get("tileable")),
                        edits=[str(e) for e in meta.get("edits", [])])
    return Photo(
        id=str(entry["id"]),
        path=Path(entry["path"]),
        pixels=pixels,
        fov_degrees=float(entry.get("fov_degrees", 45.0)),
        fov_from_exif=bool(entry.get("fov_from_exif", False)),
        rectification=Rectification.from_json(entry["rectification"])
        if entry.get("rectification")
        else Rectification(),
        status=entry.get("status", "ready") if result or entry.get("status") == "failed" else "ready",
        message=entry.get("message", ""),
        result=result,
    )
