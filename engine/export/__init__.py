"""Engine-ready texture sets: the raw layout, presets, conversions applied on export, scene files.

Qt-free; used by the GUI export dialog and by ``teamwork-studio export``.

- ``write_raw(maps, folder, fmt="png16")`` / ``read_raw(folder)``: the raw ``<component>.<ext>`` layout.
- ``export_material(maps, preset, out_dir, name=..., fmt=..., resolution=..., overwrite=False, ...)``
  -> ``ExportReport``: one preset (raw, gltf, unreal, unity-hdrp, unity-urp, blender, substance,
  intrinsic, a user preset name or a preset file), written atomically with a ``material.json``
  manifest that records every file's channels and encoding and the metal/rough round-trip error.
- Presets: ``BUILTIN_PRESETS``, ``list_presets()``, ``get_preset()``, ``load_preset()``,
  ``save_preset()``, ``user_presets_dir()``; see ``engine.export.presets``.
"""

from engine.export.atomic import ExportError
from engine.export.exporter import ExportedTexture, ExportReport, export_material
from engine.export.presets import (
    BUILTIN_PRESETS,
    FORMATS,
    Preset,
    TextureSpec,
    get_preset,
    list_presets,
    load_preset,
    save_preset,
    user_presets_dir,
)
from engine.export.raw import read_raw, write_raw

__all__ = [
    "BUILTIN_PRESETS",
    "FORMATS",
    "ExportError",
    "ExportReport",
    "ExportedTexture",
    "Preset",
    "TextureSpec",
    "export_material",
    "get_preset",
    "list_presets",
    "load_preset",
    "read_raw",
    "save_preset",
    "user_presets_dir",
    "write_raw",
]
