import os
import stat
import sys

import numpy as np
import pytest

from engine.io import write_image
from engine.io.modes import UMASK, give_default_mode
from engine.worker.runner import write_json_atomic

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")

EXPECTED = 0o666 & ~UMASK


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("name", ["map.png", "map.exr", "map.tif"])
def test_written_images_get_the_mode_a_plain_open_gives(tmp_path, name):
    depth = 8 if name == "map.tif" else 16
    path = write_image(tmp_path / name, np.zeros((4, 4, 3), np.float32), bit_depth=depth)
    assert mode(path) == EXPECTED != 0o600


def test_material_json_and_checkpoints_are_not_owner_only(tmp_path):
    from engine.teamwork import TeamworkConfig, adapt, save_checkpoint
    from tests.engine.teamwork.test_teamwork_checkpoint import FAMILIES, TEAM

    write_json_atomic(tmp_path / "material.json", {"a": 1})
    assert mode(tmp_path / "material.json") == EXPECTED
    family = FAMILIES["pixel"]
    config = TeamworkConfig(tuple(TEAM), lora_rank=2, base_model="local/base", title="t", resolution="16x16")
    path = save_checkpoint(adapt(family.build(), config, seed=1), config, tmp_path / "team.safetensors")
    assert mode(path) == EXPECTED


def test_a_folder_gets_every_file_below_it(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for p in (tmp_path / "a" / "x", tmp_path / "a" / "b" / "y"):
        p.write_text("")
        os.chmod(p, 0o600)
    give_default_mode(tmp_path / "a")
    assert mode(tmp_path / "a" / "x") == mode(tmp_path / "a" / "b" / "y") == EXPECTED
