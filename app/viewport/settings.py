"""``ViewportSettings``: everything the viewport draws with, as one plain dataclass (Qt-free).

The GUI's panel binds to these fields; the widget and ``render_offscreen`` read them. Change a
copy with ``dataclasses.replace`` (or ``QtViewport.update_settings(**changes)``) and call
``validate()``, which raises ``ValueError`` with one sentence for a bad value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

SHAPES = ("plane", "sphere", "cube", "cylinder")
LIGHTINGS = ("point", "flash", "environment")
CAMERAS = ("orbit", "photo")
VIEW_MODES = ("lit", "diffuse", "specular", "roughness", "normals", "height")
NORMAL_CONVENTIONS = ("opengl", "directx")
TONEMAPS = ("filmic", "none")
MAX_TILING = 8


@dataclass
class ViewportSettings:
    """What the viewport shows and how it lights it (see ``app/viewport/__init__.py``)."""

    shape: str = "plane"
    # "orbit": the orbit camera below; "photo": the colocated-flash photo framing of MATERIALS.md
    # (the plane fills the view at distance 1/tan(fov/2)), the framing used by the parity test.
    camera: str = "orbit"
    camera_yaw: float = 0.0  # degrees, around the vertical (+y) axis
    camera_pitch: float = 25.0  # degrees above the plane's horizon, in (-89, 89)
    camera_distance: float = 3.5  # from the origin, in units of the half plane size
    fov_degrees: float = 45.0

    lighting: str = "point"
    light_position: tuple[float, float, float] = (0.4, 0.5, 1.2)  # world space, plane at z = 0
    light_intensity: float = 1.0  # irradiance pi * I * cos at the surface (MATERIALS.md)
    light_falloff: bool = False  # 1/d^2 (physical); off = the engine's compatible default
    environment: str = "studio"  # an HDRI name in assets/hdri, or a path to an .exr
    environment_rotation: float = 0.0  # degrees around the vertical axis
    environment_intensity: float = 1.0
    show_background: bool = True  # draw the HDRI behind the object in environment lighting

    tiling: int = 1  # 1..8 repeats of the material across each face
    normal_strength: float = 1.0  # 0 = flat, 1 = as estimated, up to 4
    normal_convention: str = "opengl"  # how to read the normals map (directx flips green)
    parallax: bool = False  # parallax occlusion mapping from the height map
    parallax_scale: float = 0.04
    view_mode: str = "lit"  # lit, or one map alone

    exposure: float = 0.0  # EV stops applied before the tone map
    tonemap: str = "filmic"  # filmic (ACES fit) or none (clip); both then encode to sRGB

    def validate(self) -> ViewportSettings:
        """Return self, or raise ValueError naming the first bad field."""
        _choice("shape", self.shape, SHAPES)
        _choice("camera", self.camera, CAMERAS)
        _choice("lighting", self.lighting, LIGHTINGS)
        _choice("view_mode", self.view_mode, VIEW_MODES)
        _choice("normal_convention", self.normal_convention, NORMAL_CONVENTIONS)
        _choice("tonemap", self.tonemap, TONEMAPS)
        if not 0.0 < self.fov_degrees < 180.0:
            raise ValueError(f"fov_degrees must be between 0 and 180, got {self.fov_degrees}.")
        if not -89.0 <= self.camera_pitch <= 89.0:
            raise ValueError(f"camera_pitch must be within [-89, 89] degrees, got {self.camera_pitch}.")
        if self.camera_distance <= 0.0:
            raise ValueError(f"camera_distance must be positive, got {self.camera_distance}.")
        if int(self.tiling) != self.tiling or not 1 <= self.tiling <= MAX_TILING:
            raise ValueError(f"tiling must be an integer from 1 to {MAX_TILING}, got {self.tiling}.")
        if not 0.0 <= self.normal_strength <= 4.0:
            raise ValueError(f"normal_strength must be within [0, 4], got {self.normal_strength}.")
        if len(tuple(self.light_position)) != 3:
            raise ValueError("light_position must have three coordinates (x, y, z).")
        for name in ("light_intensity", "environment_intensity", "parallax_scale"):
            if getattr(self, name) < 0.0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}.")
        return self

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["light_position"] = list(self.light_position)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ViewportSettings:
        """Build from a dict (e.g. saved JSON), ignoring unknown keys; validates the result."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "light_position" in values:
            values["light_position"] = tuple(float(x) for x in values["light_position"])
        return cls(**values).validate()


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}.")
