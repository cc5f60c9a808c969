"""Engine-ready texture sets: the raw layout, presets, conversions applied on export, scene files.

Qt-free; used by the GUI export dialog and by ``teamwork-studio export``.

- ``write_raw(maps, folder, fmt="png16")`` / ``read_raw(folder)``: the raw ``<component>.<ext>`` layout.
- ``export_material(maps, preset, out_dir, name=..., fmt=..., resolution=..., overwrite=False)``
  -> ``ExportReport``: one preset (raw, gltf, unreal, unity-hdrp, unity-urp, blender, substance,
  intrinsic, or a user preset file), written atomically with a ``material.json`` manifest.
"""

from engine.export.raw import read_raw, write_raw

__all__ = ["read_raw", "write_raw"]
