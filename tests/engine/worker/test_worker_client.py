"""The worker process through its client: round trips, errors, crashes, cancel, hangs, no leaks.

One worker is shared by the module (spawning costs ~0.4 s without torch); tests that kill it check
that the next job restarts it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import defaultdict

import numpy as np
import pytest

from engine.worker import shm
from engine.worker.client import JobFailed, WorkerClient

FAKE = "tests.engine.worker.fake_jobs"


class Recorder:
    def __init__(self) -> None:
        self.progress: dict[int, list[tuple[int, int, str, float]]] = defaultdict(list)
        self.results: dict[int, object] = {}
        self.errors: dict[int, object] = {}
        self.logs: list[tuple[int, str, str]] = []
        self.lock = threading.Lock()

    def on_progress(self, job_id, step, total, stage):
        with self.lock:
            self.progress[job_id].append((step, total, stage, time.monotonic()))

    def on_result(self, job_id, result):
        self.results[job_id] = result

    def on_error(self, job_id, error):
        self.errors[job_id] = error

    def on_log(self, level, logger, message):
        self.logs.append((level, logger, message))


@pytest.fixture(scope="module")
def recorder():
    return Recorder()


@pytest.fixture(scope="module")
def client(recorder):
    worker = WorkerClient(
        on_progress=recorder.on_progress,
        on_result=recorder.on_result,
        on_error=recorder.on_error,
        on_log=recorder.on_log,
        heartbeat_timeout=20,
    )
    worker.start()
    yield worker
    worker.shutdown()
    assert shm.leftover_blocks() == []


def _wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_ping_and_echo_round_trip_through_shared_memory(client, recorder):
    assert client.ping() < 5
    photo = np.random.default_rng(0).random((64, 48, 3)).astype(np.float32)
    result = client.run(
        "diag.echo", params={"scale": 2.0, "tag": "x"}, arrays={"photo": photo}, label="a.png"
    )
    np.testing.assert_allclose(result.arrays["photo"], photo * 2)
    assert result.payload["params"] == {"scale": 2.0, "tag": "x"}
    assert result.payload["pid"] == client.worker_pid != os.getpid()
    assert any("echo of 1 arrays for a.png" in message for _, _, message in recorder.logs)
    assert shm.leftover_blocks() == []


def test_progress_is_reported_in_order(client, recorder):
    job = client.submit("diag.sleep", params={"steps": 4, "delay": 0.0})
    client.outcome(job, timeout=10)
    assert [(s, t, st) for s, t, st, _ in recorder.progress[job]] == [(i, 4, "sleeping") for i in range(1, 5)]
    assert job in recorder.results


def test_job_failure_is_one_sentence_and_worker_survives(client, recorder):
    pid = client.worker_pid
    with pytest.raises(JobFailed) as info:
        client.run("diag.fail", params={"message": "boom"}, label="b.png", timeout=10)
    assert info.value.error.kind == "failed"
    assert (
        str(info.value)
        == "the engine failed while processing b.png (RuntimeError: boom); details are in the log."
    )
    assert any("Traceback" in message for _, _, message in recorder.logs)  # the traceback goes to the log
    assert client.run("diag.sleep", params={"steps": 1}).payload == {"steps": 1}
    assert client.worker_pid == pid


def test_unknown_job_and_missing_model_are_clear(client):
    with pytest.raises(JobFailed, match="no job called 'nope'"):
        client.run("nope", timeout=10)
    with pytest.raises(JobFailed) as info:
        client.run(f"{FAKE}:no_model", timeout=10)
    assert info.value.error.kind == "model_not_available"
    assert "not shipped" in str(info.value)


def test_results_with_many_arrays(client):
    result = client.run("diag.allocate", params={"shape": [8, 8, 3], "count": 5}, timeout=10)
    assert sorted(result.arrays) == [f"a{i}" for i in range(5)]
    assert all(float(result.arrays[f"a{i}"].mean()) == i for i in range(5))
    assert shm.leftover_blocks() == []


def test_sigkill_mid_job_reports_crash_and_next_job_succeeds(client, recorder):
    photo = np.ones((256, 256, 3), np.float32)
    job = client.submit(
        "diag.sleep", params={"steps": 500, "delay": 0.02}, arrays={"photo": photo}, label="big.png"
    )
    queued = client.submit("diag.echo", arrays={"x": photo[:4]}, label="queued.png")
    assert _wait_for(lambda: len(recorder.progress[job]) >= 2)
    assert len(shm.leftover_blocks()) >= 1  # the photo is in shared memory while the job runs
    os.kill(client.worker_pid, signal.SIGKILL)
    with pytest.raises(JobFailed) as info:
        client.outcome(job, timeout=15)
    assert info.value.error.kind == "crashed"
    assert str(info.value) == "the engine worker crashed (killed by signal 9) while processing big.png."
    # the queued job was not lost: the worker restarted and ran it
    np.testing.assert_array_equal(client.outcome(queued, timeout=30).arrays["x"], photo[:4])
    assert client.run("diag.sleep", params={"steps": 2}, timeout=30).payload == {"steps": 2}
    assert shm.leftover_blocks() == []


def test_worker_exit_code_is_reported(client):
    with pytest.raises(JobFailed, match=r"crashed \(exit code 3\) while processing c.png"):
        client.run("diag.crash", params={"after": 0, "exit_code": 3}, label="c.png", timeout=15)
    assert client.run("diag.sleep", params={"steps": 1}, timeout=30).payload == {"steps": 1}


@pytest.mark.parametrize("job", ["diag.sleep", "diag.callback_steps"])
def test_cancel_stops_within_one_step(client, recorder, job):
    delay = 0.1
    job_id = client.submit(job, params={"steps": 200, "delay": delay})
    assert _wait_for(lambda: len(recorder.progress[job_id]) >= 2)
    client.cancel(job_id)
    cancelled_at = time.monotonic()
    with pytest.raises(JobFailed) as info:
        client.outcome(job_id, timeout=10)
    assert info.value.error.kind == "cancelled"
    after = [event for event in recorder.progress[job_id] if event[3] > cancelled_at]
    assert len(after) <= 1, after  # at most the step that was running when cancel arrived
    assert time.monotonic() - cancelled_at < delay * 3 + 0.5


def test_cancel_of_a_queued_job_never_runs_it(client, recorder):
    first = client.submit("diag.sleep", params={"steps": 5, "delay": 0.05})
    second = client.submit("diag.sleep", params={"steps": 5, "delay": 0.05})
    client.cancel(second)
    client.outcome(first, timeout=10)
    with pytest.raises(JobFailed, match="cancelled"):
        client.outcome(second, timeout=10)
    assert recorder.progress[second] == []


def test_a_hung_worker_is_detected_by_missing_heartbeats():
    errors = {}
    client = WorkerClient(on_error=lambda job, error: errors.setdefault(job, error), heartbeat_timeout=1.0)
    try:
        with pytest.raises(JobFailed, match=r"crashed \(stopped responding for 1 s\) while processing h.png"):
            client.run("diag.hang", params={"seconds": 30}, label="h.png", timeout=20)
        assert client.run("diag.sleep", params={"steps": 1}, timeout=30).payload == {"steps": 1}
    finally:
        client.shutdown()
    assert len(errors) == 1


def test_shutdown_cancels_unfinished_jobs_and_frees_memory():
    client = WorkerClient()
    job = client.submit(
        "diag.sleep", params={"steps": 100, "delay": 0.05}, arrays={"x": np.ones((32, 32, 3))}
    )
    client.shutdown()
    with pytest.raises(JobFailed) as info:
        client.outcome(job, timeout=5)
    assert info.value.error.kind == "cancelled"
    assert not client.alive
    assert shm.leftover_blocks() == []
    with pytest.raises(RuntimeError, match="shut down"):
        client.submit("diag.sleep")
