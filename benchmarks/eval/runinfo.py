"""What a training run says about itself: trainable parameters, steps, examples seen, wall time.

Reads only files the trainer writes (engine.pipelines.train): ``checkpoints/step_*/trainable.safetensors``
(the trained tensors by name), ``state.json`` (step, config), ``metrics.jsonl`` (one JSON record per
logged step) and the exported ``model/model.json``. The training time is the largest of the keys
``TIME_KEYS`` found in metrics.jsonl or model.json (cumulative seconds across resumed chunks); runs
that log none report ``None``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

TIME_KEYS = ("elapsed_s", "train_seconds", "wall_s", "time_s")


@dataclass
class RunInfo:
    folder: str
    method: str | None
    trainable_parameters: int | None
    steps: int | None
    batch_size: int | None
    examples_seen: int | None
    train_seconds: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def _count_safetensors(path: Path) -> int:
    from safetensors import safe_open

    total = 0
    with safe_open(str(path), framework="pt") as f:
        for key in f.keys():
            total += _numel(f.get_slice(key).get_shape())
    return total


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _latest_checkpoint(run: Path) -> Path | None:
    folders = sorted(p for p in (run / "checkpoints").glob("step_[0-9]*")
                     if not p.name.endswith(".tmp") and (p / "state.json").exists())
    return folders[-1] if folders else None


def _model_folder(path: Path) -> Path | None:
    for candidate in (path, path / "model"):
        if (candidate / "model.json").exists():
            return candidate
    return None


def _time_from(records: list[dict]) -> float | None:
    values = [float(r[k]) for r in records for k in TIME_KEYS if isinstance(r.get(k), int | float)]
    return max(values) if values else None


def model_parameters(model_folder: Path, method: str | None) -> int | None:
    """Trainable parameters of an exported model: the adapters, or the whole widened UNet."""
    if method == "head_expansion" and (model_folder / "unet").exists():
        files = sorted((model_folder / "unet").glob("*.safetensors"))
        return sum(_count_safetensors(f) for f in files) if files else None
    adapter = model_folder / "adapter.safetensors"
    return _count_safetensors(adapter) if adapter.exists() else None


def read_run(path: str | Path) -> RunInfo:
    """Everything ``RunInfo`` holds for a run folder (or an exported model folder)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"Training run or model folder {path} does not exist.")
    run = path.parent if path.name == "model" and (path / "model.json").exists() else path
    model_folder = _model_folder(path)
    info = json.loads((model_folder / "model.json").read_text()) if model_folder else {}
    method = info.get("method")
    steps = info.get("step")
    config: dict = {}
    params = None
    checkpoint = _latest_checkpoint(run)
    if checkpoint is not None:
        state = json.loads((checkpoint / "state.json").read_text())
        steps = max(int(state.get("step", 0)), int(steps or 0))
        config = state.get("config") or {}
        method = method or config.get("teamwork", {}).get("method")
        params = _count_safetensors(checkpoint / "trainable.safetensors")
    if params is None and model_folder is not None:
        params = model_parameters(model_folder, method)
    records = [info]
    metrics = run / "metrics.jsonl"
    if metrics.exists():
        for line in metrics.read_text().splitlines():
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        logged = [int(r["step"]) for r in records[1:] if isinstance(r.get("step"), int)]
        if logged and steps is None:
            steps = max(logged)
    train = config.get("train", {})
    batch = train.get("batch_size")
    examples = steps * batch * int(train.get("grad_accum", 1)) if steps is not None and batch else None
    if model_folder is None and checkpoint is None:
        raise ValueError(f"{path} holds neither an exported model (model.json) nor training checkpoints.")
    return RunInfo(str(path), method, params, steps, batch, examples, _time_from(records))
