"""Datasets for training and evaluation. A sample is a dict of (C,H,W) float32 components in engine
conventions plus ``name`` (engine.data.sample); samples carry only the components they have.

- ``FolderDataset(root)``, ``write_sample``, ``read_sample``: one folder per sample, one image per
  component named after it (engine.data.folder).
- ``MatSynthDataset(root)``: MatSynth materials extracted to folders (engine.data.matsynth).
- ``FivePanelDataset(root)``: photo|normals|diffuse|roughness|specular side by side (five_panel).
- ``GeneratedSVBRDFDataset``, ``GeneratedIntrinsicDataset``: on the fly from the procedural
  materials and scenes, deterministic per index (engine.data.generated).
- ``SimulatedPhotoDataset(base, resolution, seed)``: flash photos (image, halfway) simulated for
  any map dataset, with random crops and consistent rotations/flips (engine.data.photos, augment).
- ``MixedDataset(datasets, weights, length, seed)``, ``collate``; ``split_indices`` / ``split_dataset``
  for deterministic hash-based splits (engine.data.mixing).
"""

from engine.data.augment import random_crop, rotate_flip
from engine.data.five_panel import FivePanelDataset, join_panels, split_panels
from engine.data.folder import FolderDataset, read_sample, write_sample
from engine.data.generated import GeneratedIntrinsicDataset, GeneratedSVBRDFDataset
from engine.data.matsynth import MatSynthDataset, read_matsynth_material
from engine.data.mixing import MixedDataset, split_dataset, split_indices
from engine.data.photos import SimulatedPhotoDataset
from engine.data.sample import collate, components, resize

__all__ = [
    "FivePanelDataset",
    "FolderDataset",
    "GeneratedIntrinsicDataset",
    "GeneratedSVBRDFDataset",
    "MatSynthDataset",
    "MixedDataset",
    "SimulatedPhotoDataset",
    "collate",
    "components",
    "join_panels",
    "random_crop",
    "read_matsynth_material",
    "read_sample",
    "resize",
    "rotate_flip",
    "split_dataset",
    "split_indices",
    "split_panels",
    "write_sample",
]
