"""The ``inpaint`` and ``make_tileable`` worker jobs through a real worker process.

OpenCV Telea (``model="telea"``) needs no model and is fast; one test runs a tiny random Teamwork
inpainting model through the worker, and cancels another mid-sampling.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from engine.pipelines.inpaint import seam_steps
from engine.worker import shm
from engine.worker.client import JobFailed, WorkerClient
from engine.worker.inpaint_job import make_inpaint_options, map_arrays, maps_from_arrays
from tests.engine.worker.test_worker_client import Recorder


@pytest.fixture(scope="module")
def recorder():
    return Recorder()


@pytest.fixture(scope="module")
def client(recorder):
    worker = WorkerClient(on_progress=recorder.on_progress, on_log=recorder.on_log, heartbeat_timeout=30)
    worker.start()
    yield worker
    worker.shutdown()
    assert shm.leftover_blocks() == []


def material(size: int = 32) -> dict[str, np.ndarray]:
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    normals = np.stack([0.2 * np.sin(6 * x), 0.2 * np.cos(5 * y), np.ones_like(x)], -1)
    return {
        "image": (0.2 + 0.6 * x[..., None] * np.array([1, 0.8, 0.6], np.float32)).astype(np.float32),
        "diffuse": (0.3 + 0.2 * y[..., None] * np.ones(3, np.float32)).astype(np.float32),
        "roughness": (0.3 + 0.4 * y[..., None]).astype(np.float32),
        "normals": (normals / np.linalg.norm(normals, axis=-1, keepdims=True)).astype(np.float32),
    }


def test_map_naming_round_trips():
    maps = material(8)
    arrays = map_arrays(maps) | {"mask": np.zeros((8, 8), np.float32)}
    assert set(arrays) == {"map:image", "map:diffuse", "map:roughness", "map:normals", "mask"}
    back = maps_from_arrays(arrays)
    assert set(back) == set(maps)
    np.testing.assert_array_equal(back["roughness"], maps["roughness"])


def test_unknown_options_are_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="engine.worker.inpaint_job"):
        options = make_inpaint_options({"model": "telea", "steps": 3, "flavour": "mint"})
    assert options.model == "telea" and options.steps == 3
    assert "flavour" in caplog.text


def test_inpaint_with_telea_fills_only_the_hole_of_every_map(client, recorder):
    maps = material()
    damaged = {n: x.copy() for n, x in maps.items()}
    mask = np.zeros((32, 32), np.float32)
    mask[10:16, 8:20] = 1
    for x in damaged.values():
        x[mask > 0] = 0.95  # a bright blotch to repair
    job = client.inpaint(damaged, mask, {"model": "telea", "colour": "red"}, label="wood.png")
    result = client.outcome(job, timeout=120)
    assert result.payload["method"] == "telea"
    assert isinstance(result.payload["warnings"], list) and "total" in result.payload["timings"]
    assert set(result.arrays) == {f"map:{n}" for n in maps}
    inside = mask > 0
    for name, x in damaged.items():
        out = result.arrays[f"map:{name}"]
        assert out.shape == x.shape and out.dtype == np.float32
        np.testing.assert_array_equal(out[~inside], x[~inside])
    error = np.abs(result.arrays["map:roughness"] - maps["roughness"])[inside].max()
    assert error < 0.05  # the blotch is gone: the gradient is continued through the hole
    assert any("colour" in message for _level, _logger, message in recorder.logs)


def test_make_tileable_with_telea_removes_the_wrap_seam(client):
    maps = material(48)
    result = client.outcome(client.make_tileable(maps, {"model": "telea", "band": 12}), timeout=120)
    assert result.payload["method"] == "telea"
    for name in ("image", "roughness"):
        assert seam_steps(result.arrays[f"map:{name}"])[0] < 0.2 * seam_steps(maps[name])[0]
    np.testing.assert_array_equal(result.arrays["map:image"][12:36, 12:36], maps["image"][12:36, 12:36])


def test_bad_inputs_are_one_sentence(client):
    maps = material()
    with pytest.raises(JobFailed, match="no mask"):
        client.run("inpaint", params={"model": "telea"}, arrays=map_arrays(maps), timeout=60)
    with pytest.raises(JobFailed, match="at least one map"):
        client.run("make_tileable", params={}, arrays={}, timeout=60)
    with pytest.raises(JobFailed, match="The mask is 10x10 but the maps are 32x32"):
        client.outcome(client.inpaint(maps, np.ones((10, 10), np.float32), {"model": "telea"}), timeout=60)
    with pytest.raises(JobFailed, match="narrower than half"):
        client.outcome(client.make_tileable(maps, {"model": "telea", "band": 20}), timeout=60)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from engine.tasks import INPAINT
    from tests.engine.pipelines.helpers import export_tiny_model

    folder = export_tiny_model(tmp_path_factory.mktemp("inpaint_model"), INPAINT.teammates())
    return str(folder / "adapter.safetensors")


def test_a_teamwork_model_runs_through_the_worker_with_progress_and_cancel(client, recorder, tiny_model):
    maps = material(24)
    mask = np.zeros((24, 24), np.float32)
    mask[8:14, 6:18] = 1
    options = {"model": tiny_model, "steps": 3, "device": "cpu", "seed": 0}
    job = client.inpaint(maps, mask, options, label="tiny")
    result = client.outcome(job, timeout=300)
    assert result.payload["method"] == "teamwork"
    steps = [(s, t) for s, t, *_ in recorder.progress[job]]
    assert steps[-1] == (3, 3) and all(stage == "inpainting" for _, _, stage, _ in recorder.progress[job])
    inside = mask > 0
    np.testing.assert_array_equal(result.arrays["map:diffuse"][~inside], maps["diffuse"][~inside])
    assert not np.allclose(result.arrays["map:diffuse"][inside], maps["diffuse"][inside])

    # the warm model is reused; a long run stops within a step of Cancel
    job = client.inpaint(maps, mask, options | {"steps": 500}, label="long")
    deadline = time.monotonic() + 120
    while not recorder.progress[job] and time.monotonic() < deadline:
        time.sleep(0.01)
    client.cancel(job)
    with pytest.raises(JobFailed) as info:
        client.outcome(job, timeout=60)
    assert info.value.error.kind == "cancelled"
    assert recorder.progress[job][-1][0] < 500


def test_load_model_warms_the_shared_cache(client, tiny_model):
    """``load_model`` preloads the pipeline the next job uses (the estimate/inpaint model cache)."""
    result = client.outcome(client.load_model({"model": tiny_model, "task": "inpaint", "device": "cpu"}),
                            timeout=300)
    assert result.payload == {"loaded": True}
    with pytest.raises(JobFailed) as info:
        client.outcome(client.load_model({"model": tiny_model + ".missing", "task": "inpaint"}), timeout=60)
    assert "does not exist" in info.value.error.message
