"""Tasks (teammate lists) and the encoding between engine maps and model images."""

from engine.tasks.encoding import COMPONENTS, channels, decode, encode, normalize_normals
from engine.tasks.spec import (
    INPAINT,
    INTRINSIC,
    MATERIAL_COMPONENTS,
    NEURAL_SHADING,
    SVBRDF,
    SYNTHESIS,
    TASKS,
    TaskSpec,
    get_task,
    split_teammate,
)

__all__ = [
    "COMPONENTS",
    "INPAINT",
    "INTRINSIC",
    "MATERIAL_COMPONENTS",
    "NEURAL_SHADING",
    "SVBRDF",
    "SYNTHESIS",
    "TASKS",
    "TaskSpec",
    "channels",
    "decode",
    "encode",
    "get_task",
    "normalize_normals",
    "split_teammate",
]
