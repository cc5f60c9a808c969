"""Task definitions: which components a Teamwork model reads and which it writes.

A task is only a teammate list: ``image.in, halfway.in, diffuse.out, ...`` (TEAMWORK.md). The
teammate index of a component is its position in :meth:`TaskSpec.teammates`, which is also the
index of its adapter row in a checkpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"^[a-z]+\.(in|out)$")


def split_teammate(teammate: str) -> tuple[str, str]:
    """``"diffuse.out"`` -> ``("diffuse", "out")``; raises ValueError for a malformed name."""
    if not _NAME.match(teammate):
        raise ValueError(
            f"Teammate name {teammate!r} is not of the form '<component>.in' or '<component>.out'."
        )
    component, role = teammate.split(".")
    return component, role


@dataclass(frozen=True)
class TaskSpec:
    """A named task: the components given as inputs and those estimated as outputs."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        for teammate in self.teammates():
            split_teammate(teammate)
        if not self.outputs:
            raise ValueError(f"Task {self.name!r} has no outputs.")

    def teammates(self) -> list[str]:
        """Teammate names in checkpoint index order: inputs first, then outputs."""
        return [f"{c}.in" for c in self.inputs] + [f"{c}.out" for c in self.outputs]

    @classmethod
    def from_teammates(cls, name: str, teammates: list[str] | tuple[str, ...]) -> TaskSpec:
        """Build a task from a checkpoint's teammate list, keeping its order when it is inputs-first."""
        inputs = [split_teammate(t)[0] for t in teammates if split_teammate(t)[1] == "in"]
        outputs = [split_teammate(t)[0] for t in teammates if split_teammate(t)[1] == "out"]
        return cls(name, tuple(inputs), tuple(outputs))


SVBRDF = TaskSpec(
    "svbrdf",
    inputs=("image", "halfway"),
    outputs=("diffuse", "specular", "roughness", "normals"),
)
"""Colocated-flash SVBRDF estimation (MatFusion data, the official teammate order)."""

INTRINSIC = TaskSpec(
    "intrinsic",
    inputs=("image",),
    outputs=("albedo", "diffuseshading", "residual", "normals", "depth"),
)
"""Intrinsic decomposition: image = diffuse * diffuseshading + residual (linear)."""

MATERIAL_COMPONENTS = ("image", "diffuse", "specular", "roughness", "normals")
"""A photo with its SVBRDF maps: what joint inpainting and material synthesis write together."""

INPAINT = TaskSpec("inpaint", inputs=("mask",), outputs=MATERIAL_COMPONENTS)
"""Joint material inpainting: every map is a teammate. Known pixels of each output stay clean (the
sampler and the trainer overwrite them at every step), the ``mask`` teammate says which pixels to
fill, so one pass completes the photo and all its maps consistently (see engine/pipelines/inpaint.py)."""

NEURAL_SHADING = TaskSpec(
    "shading",
    inputs=("diffuse", "specular", "roughness", "normals", "halfway"),
    outputs=("image",),
)
"""Neural shading: SVBRDF maps and the flash geometry (halfway map) in, the flash photo out."""

SYNTHESIS = TaskSpec("synthesis", inputs=(), outputs=MATERIAL_COMPONENTS)
"""Material synthesis: a photo and its maps generated jointly from noise."""

TASKS: dict[str, TaskSpec] = {task.name: task for task in (SVBRDF, INTRINSIC, INPAINT, NEURAL_SHADING,
                                                           SYNTHESIS)}


def get_task(name: str) -> TaskSpec:
    """The task registered under ``name``; raises ValueError naming the known tasks."""
    try:
        return TASKS[name]
    except KeyError:
        known = ", ".join(sorted(TASKS))
        raise ValueError(f"Unknown task {name!r}; known tasks: {known}.") from None
