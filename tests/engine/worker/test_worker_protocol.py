"""Protocol messages: exact round trips, and fuzzing that can only ever produce ProtocolError."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.worker import protocol as p
from engine.worker import shm
from engine.worker.client import WorkerClient

REF = p.ArrayRef(shm_name="tw_test_0", shape=(4, 5, 3), dtype="float32")
SAMPLES = [
    p.Ping(token=7),
    p.LoadModel(job_id=1, options={"task": "svbrdf", "steps": 4}),
    p.Estimate(
        job_id=2, photo=REF, options={"seed": 0, "fov_degrees": 45.0}, label="a.png", out_prefix="tw1j2"
    ),
    p.RunJob(job_id=3, job="diag.echo", params={"x": [1, 2, {"y": None}]}, arrays={"a": REF}, label="é.png"),
    p.Cancel(job_id=3),
    p.Shutdown(),
    p.Hello(version=p.PROTOCOL_VERSION, pid=123),
    p.Pong(token=7),
    p.Heartbeat(busy_job=3),
    p.Started(job_id=3),
    p.Progress(job_id=3, step=2, total=10, stage="denoising"),
    p.Log(level=20, logger="engine", message="hello\nworld"),
    p.Result(job_id=3, payload={"task": "svbrdf", "timings": {"total": 1.5}}, arrays={"diffuse": REF}),
    p.Error(job_id=3, message="cannot read a.png: the file is empty (0 bytes).", kind="failed"),
]


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.TYPE)
def test_every_message_round_trips_exactly(message):
    assert p.decode(p.encode(message)) == message


def test_every_message_type_has_a_sample():
    assert {m.TYPE for m in SAMPLES} == {cls.TYPE for cls in p.REQUESTS + p.EVENTS}


def test_version_mismatch_and_bad_fields_are_rejected():
    body = json.loads(p.encode(p.Progress(job_id=1, step=1, total=2)))
    with pytest.raises(p.ProtocolError, match="version"):
        p.from_dict({**body, "v": p.PROTOCOL_VERSION + 1})
    with pytest.raises(p.ProtocolError, match="integer"):
        p.from_dict({**body, "step": "1"})
    with pytest.raises(p.ProtocolError, match="integer"):
        p.from_dict({**body, "step": True})
    with pytest.raises(p.ProtocolError, match="unknown fields"):
        p.from_dict({**body, "extra": 1})
    with pytest.raises(p.ProtocolError, match="incomplete"):
        p.from_dict({"v": p.PROTOCOL_VERSION, "type": "progress", "job_id": 1})
    with pytest.raises(p.ProtocolError, match="non-finite"):
        p.decode(b'{"v":1,"type":"progress","job_id":1,"step":1,"total":2,"stage":NaN}')
    with pytest.raises(p.ProtocolError, match="dtype"):
        p.ArrayRef("x", (1,), "object")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
message_like = st.fixed_dictionaries(
    {
        "v": st.sampled_from([p.PROTOCOL_VERSION, 0, "1", None]),
        "type": st.sampled_from(sorted(p._BY_TYPE) + ["x"]),
    },
    optional={
        name: json_values
        for name in (
            "job_id",
            "step",
            "total",
            "stage",
            "token",
            "pid",
            "version",
            "message",
            "kind",
            "level",
            "logger",
            "payload",
            "arrays",
            "photo",
            "options",
            "params",
            "label",
            "out_prefix",
            "job",
            "busy_job",
        )
    },
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_protocol_error(data):
    try:
        p.decode(data)
    except p.ProtocolError:
        pass


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message_like)
def test_random_message_shapes_decode_or_raise_protocol_error(body):
    try:
        message = p.from_dict(body)
    except p.ProtocolError:
        return
    assert p.decode(p.encode(message)) == message  # anything accepted is a well-formed message


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=120), message_like.map(lambda b: json.dumps(b).encode())))
def test_the_client_survives_fuzzed_events(data):
    _IDLE_CLIENT._handle_bytes(data)  # must not raise, whatever arrives


_IDLE_CLIENT = WorkerClient()  # never started: only its event handling is exercised


def test_a_live_worker_survives_garbage_requests():
    client = WorkerClient()
    try:
        client.start()
        rng = np.random.default_rng(0)
        for index in range(40):
            garbage = (
                rng.bytes(int(rng.integers(0, 64))) if index % 2 else b'{"v":1,"type":"run_job","job_id":"x"}'
            )
            client._conn.send_bytes(garbage)
        assert client.ping(timeout=10) < 10
        assert client.run("diag.sleep", params={"steps": 1}, timeout=10).payload == {"steps": 1}
    finally:
        client.shutdown()


def test_unlink_prefix_removes_blocks_left_by_a_dead_worker():
    prefix = shm.new_prefix(987654)
    for index in range(3):
        block, _ = shm.create(np.ones(10, np.float32), f"{prefix}_{index}")
        shm.release(block, unlink=False)
    assert len(shm.leftover_blocks(prefix)) == 3
    assert shm.unlink_prefix(prefix) == 3
    assert shm.leftover_blocks(prefix) == []
