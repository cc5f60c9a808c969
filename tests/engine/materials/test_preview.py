"""Contact sheets: layout and value range."""

from __future__ import annotations

import numpy as np

from engine.materials.preview import COLUMNS, contact_sheet


def test_contact_sheet_layout():
    sheet = contact_sheet(["bricks", "brushed_metal"], size=16, seeds=(0,), environment="studio", gap=2)
    assert sheet.shape == (2 * 16 + 2, len(COLUMNS) * 18 - 2, 3)
    assert sheet.dtype == np.float32 and sheet.min() >= 0 and sheet.max() <= 1
    tile = sheet[:16, 4 * 18:4 * 18 + 16]  # the flash render of the bricks
    assert tile.std() > 0.01
