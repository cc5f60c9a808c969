"""Write a trained model as a self-contained folder (the layout ``assets/models/<task>/`` uses).

::

    model/
      model.json               family, method, task, teammates
      base/unet/               diffusers UNet2DModel (config.json + safetensors); pixel family only
      base/scheduler/          scheduler_config.json; pixel family only (latent families record
                               their base folder in model.json: it is not copied)
      adapter.safetensors      Teamwork adapters in the official format (teamwork / lora)
      unet/                    the widened UNet (head_expansion only)
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from engine.io.modes import give_default_mode

log = logging.getLogger(__name__)


def save_base(unet, scheduler_config: dict, folder: Path) -> None:
    """Save a pixel base in diffusers' folder layout (safetensors only)."""
    unet.save_pretrained(folder / "unet", safe_serialization=True)
    (folder / "scheduler").mkdir(parents=True, exist_ok=True)
    (folder / "scheduler" / "scheduler_config.json").write_text(json.dumps(scheduler_config, indent=1))


def export_model(trainer) -> Path:
    folder = trainer.run_dir / "model"
    folder.mkdir(parents=True, exist_ok=True)
    method = trainer.method
    family = trainer.config.model.family
    if method == "head_expansion":
        trainer.model.save_pretrained(folder / "unet", safe_serialization=True)
    elif family != "pixel_unet":
        pass  # the base is the user's local diffusers folder, recorded below
    else:
        save_base(trainer.base, trainer.scheduler_config, folder / "base")
    if trainer.teamwork is not None:
        from engine.teamwork import save_checkpoint

        save_checkpoint(trainer.model, trainer.teamwork, folder / "adapter.safetensors")
    info = {"family": family, "method": method, "task": trainer.config.teamwork.task,
            "teammates": trainer.teammates, "scheduler": trainer.scheduler_config, "step": trainer.step}
    if family != "pixel_unet":
        info["base"] = str(Path(trainer.config.model.base).resolve())
    (folder / "model.json").write_text(json.dumps(info, indent=1))
    give_default_mode(folder)  # safetensors writes owner-only files; a model is meant to be shared
    log.info("Exported the trained model to %s", folder)
    return folder
