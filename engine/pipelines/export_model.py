"""Write a trained model as a self-contained folder (the layout ``assets/models/<task>/`` uses).

::

    model/
      model.json               family, method, task, teammates
      base/unet/               diffusers UNet2DModel (config.json + safetensors)
      base/scheduler/          scheduler_config.json
      adapter.safetensors      Teamwork adapters in the official format (teamwork / lora)
      unet/                    the widened UNet (head_expansion only)
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

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
    if method == "head_expansion":
        trainer.model.save_pretrained(folder / "unet", safe_serialization=True)
    else:
        save_base(trainer.base, trainer.scheduler_config, folder / "base")
    if trainer.teamwork is not None:
        from engine.teamwork import save_checkpoint

        save_checkpoint(trainer.model, trainer.teamwork, folder / "adapter.safetensors")
    info = {"family": "pixel_unet", "method": method, "task": trainer.config.teamwork.task,
            "teammates": trainer.teammates, "scheduler": trainer.scheduler_config, "step": trainer.step}
    (folder / "model.json").write_text(json.dumps(info, indent=1))
    log.info("Exported the trained model to %s", folder)
    return folder
