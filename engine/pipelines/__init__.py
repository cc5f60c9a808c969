"""Teamwork estimators and trainers for every base family (see docs/notes/pipelines.md)."""

from engine.pipelines.base import PipelineOutput, TeamworkPipeline
from engine.pipelines.pixel_unet import PixelUNetPipeline

__all__ = ["PipelineOutput", "PixelUNetPipeline", "TeamworkPipeline"]
