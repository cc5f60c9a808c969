"""Crop and four-corner perspective rectification, applied with opencv (Qt-free).

Corners are stored normalised to the source photo (x, y in [0, 1], origin top-left) in the order
top-left, top-right, bottom-right, bottom-left, so an edit survives a change of display size. A crop
is the axis-aligned special case.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Corner = tuple[float, float]
FULL: tuple[Corner, Corner, Corner, Corner] = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
MAX_SIDE = 8192


@dataclass(frozen=True)
class Rectification:
    corners: tuple[Corner, Corner, Corner, Corner] = FULL
    out_width: int = 0  # 0 = derived from the corner distances
    out_height: int = 0

    def __post_init__(self) -> None:
        if len(self.corners) != 4:
            raise ValueError("a rectification needs exactly four corners")
        if self.out_width < 0 or self.out_height < 0 or max(self.out_width, self.out_height) > MAX_SIDE:
            raise ValueError(f"the output size must be between 1 and {MAX_SIDE} pixels per side")

    @classmethod
    def crop(cls, x0: float, y0: float, x1: float, y1: float, out_width: int = 0, out_height: int = 0):
        return cls(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), out_width, out_height)

    @property
    def is_identity(self) -> bool:
        return np.allclose(self.corners, FULL) and self.out_width == 0 and self.out_height == 0

    def to_json(self) -> dict:
        return {"corners": [list(c) for c in self.corners], "size": [self.out_width, self.out_height]}

    @classmethod
    def from_json(cls, data: dict) -> Rectification:
        corners = tuple((float(x), float(y)) for x, y in data["corners"])
        width, height = (int(v) for v in data.get("size", (0, 0)))
        return cls(corners, width, height)  # type: ignore[arg-type]

    def pixel_corners(self, width: int, height: int) -> np.ndarray:
        return np.array([(x * width, y * height) for x, y in self.corners], dtype=np.float32)

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        """(W, H) of the result: explicit, or the mean lengths of opposite edges of the quad."""
        if self.out_width and self.out_height:
            return self.out_width, self.out_height
        p = self.pixel_corners(width, height)
        w = (np.linalg.norm(p[1] - p[0]) + np.linalg.norm(p[2] - p[3])) / 2
        h = (np.linalg.norm(p[3] - p[0]) + np.linalg.norm(p[2] - p[1])) / 2
        if self.out_width:  # keep the quad's aspect for the missing side
            return self.out_width, max(1, round(self.out_width * h / max(w, 1e-6)))
        if self.out_height:
            return max(1, round(self.out_height * w / max(h, 1e-6))), self.out_height
        return max(1, min(MAX_SIDE, round(w))), max(1, min(MAX_SIDE, round(h)))


def check_corners(corners: np.ndarray) -> None:
    """Reject a quad that is degenerate or not convex (crossed handles) with one sentence."""
    p = np.asarray(corners, dtype=np.float64)
    cross = []
    for i in range(4):
        a, b, c = p[i], p[(i + 1) % 4], p[(i + 2) % 4]
        cross.append((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]))
    cross = np.array(cross)
    if np.any(np.abs(cross) < 1e-9) or not (np.all(cross > 0) or np.all(cross < 0)):
        raise ValueError("the four corners must form a convex shape; drag the crossed handles apart")


def rectify(pixels: np.ndarray, rect: Rectification) -> np.ndarray:
    """Warp the quad of ``pixels`` (H, W, C float32) to an upright rectangle of ``rect``'s size."""
    if rect.is_identity:
        return pixels
    height, width = pixels.shape[:2]
    src = rect.pixel_corners(width, height)
    check_corners(src)
    out_w, out_h = rect.output_size(width, height)
    dst = np.array([(0, 0), (out_w, 0), (out_w, out_h), (0, out_h)], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    src_area = cv2.contourArea(src)
    shrinking = out_w * out_h < src_area
    flags = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    if shrinking:  # warpPerspective has no area filter: pre-blur by downscaling the source
        factor = float(np.sqrt(out_w * out_h / max(src_area, 1.0)))
        small = cv2.resize(
            pixels, (max(1, round(width * factor)), max(1, round(height * factor))), interpolation=flags
        )
        scale = np.diag([small.shape[1] / width, small.shape[0] / height, 1.0])
        matrix = matrix @ np.linalg.inv(scale)
        pixels = small
        flags = cv2.INTER_LINEAR
    out = cv2.warpPerspective(
        np.ascontiguousarray(pixels, dtype=np.float32), matrix, (out_w, out_h),
        flags=flags, borderMode=cv2.BORDER_REPLICATE,
    )
    if out.ndim == 2:
        out = out[..., None]
    return np.clip(out, 0.0, None) if pixels.min() >= 0 else out
