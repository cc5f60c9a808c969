import numpy as np
import pytest

from app.rectify import Rectification, rectify


def _ramp(h=40, w=60):
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    return np.concatenate([np.broadcast_to(x, (h, w, 1)), np.broadcast_to(y, (h, w, 1)),
                           np.full((h, w, 1), 0.5, np.float32)], axis=2)


def test_identity_returns_input():
    pixels = _ramp()
    assert rectify(pixels, Rectification()) is pixels


def test_crop_takes_the_right_part():
    pixels = _ramp()
    out = rectify(pixels, Rectification.crop(0.5, 0.0, 1.0, 0.5))
    assert out.shape == (20, 30, 3)
    assert out[..., 0].min() > 0.45  # right half only
    assert out[..., 1].max() < 0.55  # top half only


def test_perspective_quad_becomes_square():
    # draw a bright square seen in perspective: the warp must bring it back to a full square
    import cv2

    canvas = np.zeros((100, 100, 3), np.float32)
    quad = np.array([[30, 20], [80, 30], [75, 85], [20, 70]], np.float32)
    cv2.fillConvexPoly(canvas, quad.astype(np.int32), (1.0, 1.0, 1.0))
    rect = Rectification(tuple((x / 100, y / 100) for x, y in quad), 32, 32)
    out = rectify(canvas, rect)
    assert out.shape == (32, 32, 3)
    assert out[2:-2, 2:-2].mean() > 0.97
    assert rect.output_size(100, 100) == (32, 32)


def test_auto_size_follows_edges():
    rect = Rectification.crop(0.0, 0.0, 0.5, 0.25)
    assert rect.output_size(200, 100) == (100, 25)
    assert Rectification.crop(0, 0, 1, 1, out_width=50).output_size(200, 100) == (50, 25)


def test_crossed_corners_are_rejected():
    rect = Rectification(((0, 0), (1, 1), (1, 0), (0, 1)), 8, 8)
    with pytest.raises(ValueError, match="convex"):
        rectify(_ramp(), rect)


def test_json_round_trip():
    rect = Rectification(((0.1, 0.2), (0.9, 0.1), (0.8, 0.9), (0.2, 0.8)), 64, 32)
    assert Rectification.from_json(rect.to_json()) == rect
