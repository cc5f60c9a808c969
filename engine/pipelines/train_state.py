"""Exact training checkpoints without pickle: tensors in safetensors, the rest in JSON.

A checkpoint folder ``step_000100/`` holds ``trainable.safetensors`` (the trained parameters by
name), ``ema.safetensors`` (when EMA is on), ``optimizer.safetensors`` + ``optimizer.json``,
``rng.safetensors`` (the data/noise generator state) and ``state.json`` (step, lr scheduler,
config). Loading it restores everything, so a resumed run continues bit-identically.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

log = logging.getLogger(__name__)


def _contiguous(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().contiguous().cpu() for k, v in tensors.items()}


def optimizer_to_files(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, entry in state["state"].items():
        for name, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{index}.{name}"] = value
            else:
                scalars.setdefault(str(index), {})[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def optimizer_from_files(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor],
                         meta: dict[str, Any]) -> None:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    for index, values in meta.get("scalars", {}).items():
        state.setdefault(int(index), {}).update(values)
    groups = meta["param_groups"]
    for group in groups:
        if "betas" in group:
            group["betas"] = tuple(group["betas"])
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def save_training_state(folder: Path, *, step: int, trainable: dict[str, torch.Tensor],
                        ema: dict[str, torch.Tensor] | None, optimizer: torch.optim.Optimizer,
                        lr_scheduler, generator: torch.Generator, config: dict[str, Any],
                        elapsed_seconds: float = 0.0) -> Path:
    """Write a checkpoint atomically (a temporary folder renamed at the end)."""
    folder = Path(folder)
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(_contiguous(trainable), tmp / "trainable.safetensors")
    if ema is not None:
        save_file(_contiguous(ema), tmp / "ema.safetensors")
    opt_tensors, opt_meta = optimizer_to_files(optimizer)
    save_file(_contiguous(opt_tensors), tmp / "optimizer.safetensors")
    (tmp / "optimizer.json").write_text(json.dumps(opt_meta))
    save_file({"generator": generator.get_state()}, tmp / "rng.safetensors")
    state = {"step": step, "lr_scheduler": lr_scheduler.state_dict(), "config": config,
             "elapsed_seconds": float(elapsed_seconds)}
    (tmp / "state.json").write_text(json.dumps(state, indent=1, default=_jsonable))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    log.info("Saved training checkpoint %s", folder)
    return folder


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if callable(value):
        return None
    raise TypeError(f"Cannot store {type(value).__name__} in a training checkpoint.")


def load_training_state(folder: Path) -> dict[str, Any]:
    """The parts of a checkpoint as plain objects (the caller restores them into live objects)."""
    folder = Path(folder)
    if not (folder / "state.json").exists():
        raise ValueError(f"{folder} is not a training checkpoint (no state.json).")
    state = json.loads((folder / "state.json").read_text())
    ema_path = folder / "ema.safetensors"
    return {
        "step": int(state["step"]),
        "elapsed_seconds": float(state.get("elapsed_seconds", 0.0)),
        "lr_scheduler": state["lr_scheduler"],
        "config": state["config"],
        "trainable": load_file(folder / "trainable.safetensors"),
        "ema": load_file(ema_path) if ema_path.exists() else None,
        "optimizer_tensors": load_file(folder / "optimizer.safetensors"),
        "optimizer_meta": json.loads((folder / "optimizer.json").read_text()),
        "generator": load_file(folder / "rng.safetensors")["generator"],
    }


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest ``checkpoints/step_*`` folder of a run, or None."""
    folders = sorted((Path(run_dir) / "checkpoints").glob("step_[0-9]*"))
    folders = [f for f in folders if not f.name.endswith(".tmp") and (f / "state.json").exists()]
    return folders[-1] if folders else None


def prune_checkpoints(run_dir: Path, keep: int) -> None:
    folders = sorted((Path(run_dir) / "checkpoints").glob("step_[0-9]*"))
    folders = [f for f in folders if not f.name.endswith(".tmp")]
    for folder in folders[:-keep] if keep > 0 else []:
        shutil.rmtree(folder, ignore_errors=True)
