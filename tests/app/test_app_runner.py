import numpy as np

from app.runner import JobRunner, format_duration
from app.session import Session


class FakeBackend:
    def __init__(self):
        self.submitted = []
        self.cancelled = []

    def submit(self, pixels, options, label):
        self.submitted.append((pixels.shape, options, label))
        return len(self.submitted)

    def cancel(self, job_id):
        self.cancelled.append(job_id)


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def _setup(photo_files, n=3):
    session = Session()
    session.add_photos(photo_files[:n])
    backend = FakeBackend()
    clock = Clock()
    runner = JobRunner(session, backend, clock)
    events = []
    for name in ("state_changed", "progress", "job_failed", "finished"):
        runner.subscribe(name, lambda *a, n=name: events.append((n, *a)))
    return session, backend, clock, runner, events


def test_batch_runs_in_order_with_eta_and_results(photo_files):
    session, backend, clock, runner, events = _setup(photo_files)
    runner.run([p.id for p in session.photos])
    assert runner.running and len(backend.submitted) == 1
    assert [p.status for p in session.photos] == ["running", "queued", "queued"]
    assert backend.submitted[0][1]["fov_degrees"] == 45.0
    for step in (1, 2, 3, 4):
        clock.t += 1.0
        runner.job_progress(1, step, 4)
    progress = [e[1] for e in events if e[0] == "progress"][-1]
    # 1 s per step: 0 steps left in this photo + 2 photos x 4 s
    assert progress.eta_seconds == 8.0 and progress.item == 1 and progress.items == 3
    assert "step 4/4" in progress.text and "photo 1 of 3" in progress.text
    runner.job_result(1, {"diffuse": np.zeros((4, 4, 3))}, {"task": "svbrdf", "warnings": ["dim"]})
    assert session.photos[0].status == "done" and session.photos[0].result.maps["diffuse"].dtype == np.float32
    assert session.photos[0].message == "dim"
    runner.job_error(2, "The worker stopped unexpectedly.", "crashed", "trace")
    assert session.photos[1].status == "failed" and session.photos[1].details == "trace"
    assert ("job_failed", session.photos[1].id, "The worker stopped unexpectedly.", "trace") in events
    runner.job_result(3, {"diffuse": np.ones((4, 4, 3))}, {})
    assert not runner.running
    assert events[-1] == ("finished", 2, 1) and ("state_changed", False) in events
    # retry only the failed one
    runner.retry_failed()
    assert len(backend.submitted) == 4 and backend.submitted[-1][2] == "photo1.png"
    runner.job_result(4, {"diffuse": np.ones((4, 4, 3))}, {})
    assert all(p.status == "done" for p in session.photos)


def test_cancel_drops_queue_and_marks_running_cancelled(photo_files):
    session, backend, clock, runner, events = _setup(photo_files)
    runner.run([p.id for p in session.photos])
    runner.cancel()
    assert backend.cancelled == [1]
    assert [p.status for p in session.photos][1:] == ["cancelled", "cancelled"]
    runner.job_error(1, "cancelled by the user", "cancelled")
    assert session.photos[0].status == "cancelled" and not runner.running
    assert not [e for e in events if e[0] == "job_failed"]


def test_stale_events_are_ignored(photo_files):
    session, backend, clock, runner, events = _setup(photo_files, 1)
    runner.run([session.photos[0].id])
    runner.job_result(99, {"diffuse": np.zeros((2, 2, 3))}, {})
    assert session.photos[0].status == "running"


def test_format_duration():
    assert format_duration(5.4) == "5 s"
    assert format_duration(125) == "2 min 05 s"
    assert format_duration(7300) == "2 h 01 min"
