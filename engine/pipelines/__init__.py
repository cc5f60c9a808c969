"""Teamwork estimators and trainers for every base family (see docs/architecture/pipelines.md).

`engine.pipelines.estimate` stays the module (call `engine.pipelines.estimate.estimate(...)`).
"""

from engine.pipelines.base import PipelineOutput, TeamworkPipeline
from engine.pipelines.estimate import EstimateOptions, EstimateResult, ModelCache, ModelNotAvailable
from engine.pipelines.load import ModelLoadError, detect_family, load
from engine.pipelines.pixel_unet import PixelUNetPipeline

__all__ = [
    "EstimateOptions",
    "EstimateResult",
    "ModelCache",
    "ModelLoadError",
    "ModelNotAvailable",
    "PipelineOutput",
    "PixelUNetPipeline",
    "TeamworkPipeline",
    "detect_family",
    "load",
]
