"""Photos on disk -> materials on disk through the worker: the engine of ``estimate`` and ``batch``.

Qt-free and tqdm-free: progress goes to plain callbacks (the CLI draws bars from them). For each
input the photo is read here (engine.io; a bad file fails alone), estimated in the worker, then
written as the raw layout ``<out>/<stem>/<component>.<ext>`` plus ``material.json`` (task, model,
settings, timings, warnings), or through ``engine.export.export_material`` for other presets.
``material.json`` is written last and atomically, so its presence marks a finished output.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.io import DEFAULT_MAX_PIXELS, ImageReadError, read_image
from engine.io.modes import give_default_mode
from engine.worker.client import JobFailed, WorkerClient

log = logging.getLogger(__name__)

MANIFEST = "material.json"
RAW_FORMATS = {"png8": "png8", "png16": "png16", "exr": "exr32"}


@dataclass
class RunSettings:
    out_dir: Path
    options: dict[str, Any]  # EstimateOptions fields (None values left out)
    preset: str = "raw"
    fmt: str = "png16"
    max_pixels: int = DEFAULT_MAX_PIXELS
    job: str = "estimate"  # the worker job; tests run a fake one
    job_timeout: float | None = None


@dataclass
class Outcome:
    path: Path
    folder: Path
    ok: bool
    message: str = ""
    skipped: bool = False
    warnings: list[str] = field(default_factory=list)


def output_folders(inputs: Sequence[Path], out_dir: Path) -> list[Path]:
    """``out_dir/<stem>`` per input; a repeated stem gets its extension appended (a.png, a.jpg)."""
    seen: dict[str, int] = {}
    folders = []
    for path in inputs:
        name = path.stem or path.name
        key = name.lower()
        if key in seen:
            seen[key] += 1
            name = f"{name}_{path.suffix.lstrip('.').lower() or seen[key]}"
            while name.lower() in seen:
                name = f"{name}_{seen[key]}"
        seen[name.lower()] = 1
        folders.append(out_dir / name)
    return folders


def is_finished(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".material-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False, default=str)
        give_default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_outputs(
    maps: dict[str, Any], folder: Path, settings: RunSettings, info: dict[str, Any], fov: float | None
) -> list[str]:
    """Write the maps with the chosen preset and the manifest; returns the file names written."""
    if settings.preset == "raw":
        from engine.export.raw import write_raw

        files = [p.name for p in write_raw(maps, folder, fmt=RAW_FORMATS[settings.fmt])]
        write_json_atomic(folder / MANIFEST, {**info, "files": files})
        return files + [MANIFEST]
    from engine.export import export_material

    report = export_material(
        maps,
        settings.preset,
        folder,
        name=folder.name,
        fmt=RAW_FORMATS[settings.fmt],
        overwrite=True,
        tileable=bool(settings.options.get("tileable", False)),
        fov_degrees=float(fov or 45.0),
    )
    manifest = folder / MANIFEST
    try:
        existing = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
    except (OSError, ValueError):
        existing = {}
    info["warnings"] = info["warnings"] + list(report.warnings)
    write_json_atomic(manifest, {**existing, "estimate": info})
    return sorted({Path(p).name for p in report.files} | {MANIFEST})


class EstimateRunner:
    """Runs inputs one after another through one WorkerClient (kept warm for the whole run).

    Callbacks: ``on_start(index, path)``, ``on_progress(step, total, stage)``, ``on_done(outcome)``.
    """

    def __init__(
        self,
        settings: RunSettings,
        client: WorkerClient | None = None,
        on_start: Callable[[int, Path], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        on_done: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.settings = settings
        self.on_start = on_start
        self.on_done = on_done
        self._on_progress = on_progress
        self._own_client = client is None
        self.client = client or WorkerClient(on_progress=self._progress)
        self._fatal: str | None = None  # e.g. the model is not available: later inputs fail at once

    def _progress(self, job_id: int, step: int, total: int, stage: str) -> None:
        if self._on_progress:
            self._on_progress(step, total, stage)

    def run(
        self, inputs: Sequence[Path], folders: Sequence[Path], skip_finished: bool = False
    ) -> list[Outcome]:
        outcomes = []
        try:
            for index, (path, folder) in enumerate(zip(inputs, folders, strict=True)):
                if self.on_start:
                    self.on_start(index, path)
                if skip_finished and is_finished(folder):
                    outcome = Outcome(path, folder, ok=True, skipped=True, message="already finished")
                else:
                    outcome = self.run_one(path, folder)
                outcomes.append(outcome)
                if self.on_done:
                    self.on_done(outcome)
        finally:
            if self._own_client:
                self.client.shutdown()
        return outcomes

    def run_one(self, path: Path, folder: Path) -> Outcome:
        if self._fatal:
            return Outcome(path, folder, ok=False, message=f"{path.name}: {self._fatal}")
        started = time.perf_counter()
        try:
            image = read_image(path, max_pixels=self.settings.max_pixels)
        except ImageReadError as error:
            return Outcome(path, folder, ok=False, message=str(error))
        read_s = time.perf_counter() - started
        options = dict(self.settings.options)
        fov_source = "option" if options.get("fov_degrees") is not None else "default"
        if options.get("fov_degrees") is None and image.fov_degrees is not None:
            options["fov_degrees"], fov_source = image.fov_degrees, "exif"
        try:
            job_id = self.client.submit(
                self.settings.job, params=options, arrays={"photo": image.pixels}, label=path.name
            )
            result = self.client.outcome(job_id, timeout=self.settings.job_timeout)
        except JobFailed as failure:
            message = str(failure)
            if failure.error.kind == "model_not_available":
                self._fatal = message
            text = message if path.name in message else f"{path.name}: {message}"
            return Outcome(path, folder, ok=False, message=text, warnings=image.warnings)
        except TimeoutError:
            return Outcome(path, folder, ok=False, message=f"{path.name}: the estimation timed out")
        estimate_s = time.perf_counter() - started - read_s
        payload = result.payload
        warnings = list(image.warnings) + [str(w) for w in payload.get("warnings", [])]
        info = {
            "input": str(path),
            "task": payload.get("task", options.get("task")),
            "model": payload.get("model", options.get("model", "embedded")),
            "settings": {
                **options,
                "preset": self.settings.preset,
                "format": self.settings.fmt,
                "fov_source": fov_source,
                "input_colour_space": image.colour_space,
                "input_bit_depth": image.bit_depth,
                "input_size": [image.width, image.height],
            },
            "timings": {
                **{str(k): float(v) for k, v in dict(payload.get("timings", {})).items()},
                "read_s": round(read_s, 4),
                "worker_s": round(estimate_s, 4),
            },
            "warnings": warnings,
        }
        try:
            files = write_outputs(result.arrays, folder, self.settings, info, options.get("fov_degrees"))
        except (OSError, ValueError) as error:
            text = str(error).strip().splitlines()[0]
            return Outcome(
                path, folder, ok=False, message=f"{path.name}: the material could not be written ({text})"
            )
        log.info("%s -> %s (%s)", path, folder, ", ".join(files))
        return Outcome(path, folder, ok=True, warnings=warnings)
