"""Export presets: which map goes to which file and channel, its colour space and its format.

A :class:`Preset` is data: a file-name template (tokens ``{name}``, ``{map}``, ``{preset}``,
``{width}``, ``{height}``), a normal-map convention, default scene files and a list of
:class:`TextureSpec`. Each texture lists one source per channel (see ``engine.export.sources``):
a source name (``basecolor`` expands to its 3 channels), ``source.r``/``.g``/``.b``/``.a`` for one
channel, or a constant such as ``"1"``. User presets are small JSON or TOML files with the same fields
(see :func:`preset_from_dict`); they live in ``<config dir>/presets`` or anywhere given by path.
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from engine.paths import config_dir

log = logging.getLogger(__name__)

COLORSPACES = ("srgb", "linear", "gamma2.2")
FORMATS = {"png8": (".png", 8), "png16": (".png", 16), "tif16": (".tif", 16),
           "exr16": (".exr", 16), "exr32": (".exr", 32)}
NORMALS = ("opengl", "directx")
SCENES = ("gltf", "glb", "mtlx")
TEMPLATE_TOKENS = ("name", "map", "preset", "width", "height")


@dataclass(frozen=True)
class TextureSpec:
    """One output file: ``map`` fills the ``{map}`` token; ``channels`` are 1, 3 or 4 sources."""

    map: str
    channels: tuple[str, ...]
    colorspace: str = "linear"
    format: str = "png8"
    optional: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(self.channels))
        if not self.map or any(c in self.map for c in "/\\{}"):
            raise ValueError(f"Texture map name {self.map!r} must be a plain, non-empty file-name part.")
        if self.colorspace not in COLORSPACES:
            raise ValueError(
                f"Texture {self.map}: colour space {self.colorspace!r} is not one of {COLORSPACES}."
            )
        if self.format not in FORMATS:
            raise ValueError(f"Texture {self.map}: format {self.format!r} is not one of {tuple(FORMATS)}.")
        if not self.channels:
            raise ValueError(f"Texture {self.map} lists no channels.")


@dataclass(frozen=True)
class Preset:
    """A named export target; ``raw`` presets write the engine's raw layout instead of ``textures``."""

    name: str
    description: str = ""
    textures: tuple[TextureSpec, ...] = ()
    template: str = "{name}_{map}"
    normal: str = "opengl"
    scenes: tuple[str, ...] = ()
    raw: bool = False
    source: str = "built-in"
    notes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "textures", tuple(self.textures))
        object.__setattr__(self, "scenes", tuple(self.scenes))
        if self.normal not in NORMALS:
            raise ValueError(
                f"Preset {self.name}: normal convention {self.normal!r} is not one of {NORMALS}."
            )
        bad = [s for s in self.scenes if s not in SCENES]
        if bad:
            raise ValueError(f"Preset {self.name}: unknown scene files {bad}; use {SCENES}.")
        if not self.raw and not self.textures:
            raise ValueError(f"Preset {self.name} lists no textures.")
        check_template(self.template)
        maps = [t.map for t in self.textures]
        if len(set(maps)) != len(maps):
            raise ValueError(f"Preset {self.name} names a map twice: {maps}.")


def check_template(template: str) -> None:
    """Raise ValueError unless ``template`` uses only known tokens and contains ``{map}``."""
    import string

    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as error:
        raise ValueError(f"The naming template {template!r} is malformed ({error}).") from error
    unknown = [f for f in fields if f not in TEMPLATE_TOKENS]
    if unknown:
        raise ValueError(
            f"The naming template {template!r} uses unknown tokens {unknown}; use {TEMPLATE_TOKENS}."
        )
    if "map" not in fields:
        raise ValueError(f"The naming template {template!r} must contain {{map}} so that files differ.")
    if "/" in template or "\\" in template:
        raise ValueError(f"The naming template {template!r} must not contain folder separators.")


def _t(map_: str, channels, colorspace="linear", fmt="png8", optional=False) -> TextureSpec:
    if isinstance(channels, str):
        channels = (channels,)
    return TextureSpec(map_, tuple(channels), colorspace, fmt, optional)


def _builtins() -> dict[str, Preset]:
    base = _t("BaseColor", "basecolor", "srgb")
    height = _t("Height", "height", fmt="png16", optional=True)
    presets = [
        Preset("raw", "The raw maps as estimated (diffuse, specular, roughness, normals, ...), "
               "MatFusion / Teamwork encoding: <component>.<ext>.", raw=True, template="{map}"),
        Preset(
            "gltf", "glTF 2.0 metal/rough: baseColor (sRGB), ORM (R occlusion, G roughness, B metallic), "
            "OpenGL normal; with .gltf, .glb and .mtlx scene files.",
            (_t("baseColor", "basecolor", "srgb"),
             _t("occlusionRoughnessMetallic", ("ao", "roughness", "metallic")),
             _t("normal", "normal")),
            scenes=("gltf", "glb", "mtlx"),
        ),
        Preset(
            "unreal",
            "Unreal Engine: BaseColor (sRGB), DirectX Normal, ORM (R AO, G rough, B metal), Height.",
            (base, _t("Normal", "normal"), _t("ORM", ("ao", "roughness", "metallic")), height),
            normal="directx",
        ),
        Preset(
            "unity-hdrp", "Unity HDRP Lit: BaseMap (sRGB), Normal, MaskMap (R metal, G AO, B detail mask, "
            "A smoothness), Height.",
            (_t("BaseMap", "basecolor", "srgb"), _t("Normal", "normal"),
             _t("MaskMap", ("metallic", "ao", "1", "smoothness")), height),
        ),
        Preset(
            "unity-urp", "Unity URP Lit: BaseMap (sRGB), Normal, MetallicSmoothness (R metal, A smoothness), "
            "Occlusion, Height.",
            (_t("BaseMap", "basecolor", "srgb"), _t("Normal", "normal"),
             _t("MetallicSmoothness", ("metallic", "metallic", "metallic", "smoothness")),
             _t("Occlusion", "ao"), height),
        ),
        Preset(
            "blender", "Blender Principled BSDF: separate maps; base colour sRGB, all else Non-Color; "
            "OpenGL normal.",
            (base, _t("Metallic", "metallic"), _t("Roughness", "roughness"), _t("Normal", "normal"),
             _t("AO", "ao"), height),
        ),
        Preset(
            "substance", "Substance-style naming: <name>_BaseColor, _Normal, _Roughness, _Metallic, "
            "_Height, _AO (OpenGL normal unless overridden).",
            (base, _t("Normal", "normal"), _t("Roughness", "roughness"), _t("Metallic", "metallic"),
             height, _t("AO", "ao")),
        ),
        Preset(
            "intrinsic", "Intrinsic results: albedo (sRGB PNG), diffuse shading and residual (EXR), "
            "a tone-mapped preview, and normals/depth when present.",
            (_t("albedo", "albedo", "srgb"), _t("shading", "diffuseshading", fmt="exr32"),
             _t("residual", "residual", fmt="exr32"), _t("preview", "preview", "srgb"),
             _t("normals", "normal", optional=True), _t("depth", "depth", fmt="exr32", optional=True)),
        ),
    ]
    return {p.name: p for p in presets}


BUILTIN_PRESETS: dict[str, Preset] = _builtins()


def user_presets_dir() -> Path:
    """Where user presets live: ``<config dir>/presets`` (JSON or TOML files)."""
    return config_dir() / "presets"


def preset_from_dict(data: dict, source: str = "user") -> Preset:
    """Build a preset from plain data (the JSON/TOML file format); raises ValueError with the reason."""
    if not isinstance(data, dict) or "name" not in data:
        raise ValueError(f"The preset {source} must be a table with at least 'name' and 'textures'.")
    textures = []
    for i, t in enumerate(data.get("textures", [])):
        if not isinstance(t, dict) or "map" not in t or "channels" not in t:
            raise ValueError(f"Texture {i} of preset {data['name']} needs 'map' and 'channels'.")
        colorspace = t.get("colorspace", "srgb" if t.get("srgb") else "linear")
        channels = t["channels"]
        channels = (channels,) if isinstance(channels, str) else tuple(str(c) for c in channels)
        textures.append(TextureSpec(str(t["map"]), channels, colorspace, t.get("format", "png8"),
                                    bool(t.get("optional", False))))
    return Preset(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        textures=tuple(textures),
        template=str(data.get("template", "{name}_{map}")),
        normal=str(data.get("normal", "opengl")),
        scenes=tuple(data.get("scenes", ())),
        source=source,
    )


def preset_to_dict(preset: Preset) -> dict:
    """The plain data of a preset (what :func:`save_preset` writes)."""
    return {
        "name": preset.name,
        "description": preset.description,
        "template": preset.template,
        "normal": preset.normal,
        "scenes": list(preset.scenes),
        "textures": [
            {"map": t.map, "channels": list(t.channels), "colorspace": t.colorspace, "format": t.format,
             "optional": t.optional}
            for t in preset.textures
        ],
    }


def load_preset(path: str | os.PathLike) -> Preset:
    """Read a user preset from a .json or .toml file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"Cannot read the preset file {path}: {error.strerror or error}.") from error
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        kind = path.suffix[1:].upper()
        raise ValueError(f"The preset file {path} is not valid {kind}: {error}.") from error
    return preset_from_dict(data, source=str(path))


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def save_preset(preset: Preset, path: str | os.PathLike) -> Path:
    """Write ``preset`` as JSON, or TOML when ``path`` ends in .toml; returns the path."""
    path = Path(path)
    data = preset_to_dict(preset)
    if path.suffix.lower() == ".toml":
        lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if k != "textures"]
        for t in data["textures"]:
            lines += ["", "[[textures]]"] + [f"{k} = {_toml_value(v)}" for k, v in t.items()]
        text = "\n".join(lines) + "\n"
    else:
        text = json.dumps(data, indent=2) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def list_presets() -> dict[str, Preset]:
    """Built-in presets plus the valid user presets of :func:`user_presets_dir` (user ones may not
    shadow built-in names; invalid files are logged and skipped)."""
    presets = dict(BUILTIN_PRESETS)
    folder = user_presets_dir()
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in (".json", ".toml"):
                continue
            try:
                preset = load_preset(path)
            except ValueError as error:
                log.warning("skipping user preset %s: %s", path, error)
                continue
            if preset.name in BUILTIN_PRESETS:
                log.warning("user preset %s may not replace the built-in preset %s", path, preset.name)
                continue
            presets[preset.name] = preset
    return presets


def get_preset(preset: str | os.PathLike | Preset) -> Preset:
    """A preset by name (built-in or user), by file path (.json/.toml), or passed through."""
    if isinstance(preset, Preset):
        return preset
    text = str(preset)
    if text.lower().endswith((".json", ".toml")):
        return load_preset(text)
    presets = list_presets()
    if text not in presets:
        names = ", ".join(presets)
        raise ValueError(f"Unknown export preset {text!r}; choose one of {names} or a preset file.")
    return presets[text]
