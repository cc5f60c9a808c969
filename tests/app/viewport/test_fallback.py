"""The no-OpenGL fallback renders its preview off the GUI thread (in-process: it needs no GL)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from app.viewport.fallback_render import THREAD_NAME, LatestPreviewJob


def flat_maps(value: float, size: int = 8) -> dict[str, np.ndarray]:
    return {"diffuse": np.full((size, size, 3), value, np.float32)}


class SlowRender:
    """A render with ``engine_preview``'s signature that takes ``delay`` seconds and returns the
    diffuse value as a flat image, so what is on screen tells which request produced it."""

    def __init__(self, delay: float = 0.4, fail: bool = False) -> None:
        self.delay = delay
        self.fail = fail
        self.started = threading.Event()
        self.release = threading.Event()  # set early to end a render before ``delay``
        self.calls: list[float] = []
        self.threads: list[str] = []

    def __call__(self, maps: dict[str, np.ndarray], fov_degrees: float) -> np.ndarray:
        value = float(maps["diffuse"][0, 0, 0])
        self.calls.append(value)
        self.threads.append(threading.current_thread().name)
        self.started.set()
        self.release.wait(self.delay)
        if self.fail:
            raise ValueError("the maps are broken")
        return np.full((6, 10, 3), value, np.float32)


def preview_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


@pytest.fixture
def make_fallback(qtbot):
    from app.viewport.qt_fallback import QtViewportFallback

    def make(render):
        widget = QtViewportFallback(render=render)
        qtbot.addWidget(widget, before_close_func=lambda w: w.shutdown())
        widget.show()
        return widget

    return make


def shown_value(widget) -> float:
    image = widget.preview.pixmap().toImage()
    return image.pixelColor(0, 0).redF()


def test_the_event_loop_keeps_ticking_while_the_preview_renders(qtbot, make_fallback):
    from PySide6.QtCore import QTimer

    render = SlowRender(delay=0.6)
    widget = make_fallback(render)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    try:
        began = time.perf_counter()
        with qtbot.waitSignal(widget.previewShown, timeout=5000):
            widget.set_maps(flat_maps(0.5))
            returned = time.perf_counter() - began
            assert widget.rendering and widget.status.isVisible()
            assert widget.status.text() == "Rendering preview…"
    finally:
        timer.stop()
    # bounds sit well below the 0.6 s render a blocking call would take, with room for a loaded CI box
    assert returned < 0.4, f"set_maps blocked the GUI thread for {returned:.2f} s"
    assert render.threads == [THREAD_NAME]  # the render ran on the job's thread, not the GUI's
    during = [t for t in ticks if t < began + 0.55]
    assert len(during) >= 3, f"the event loop ticked only {len(during)} times during the render"
    assert max(np.diff([began, *during])) < 0.4  # no freeze as long as the render anywhere in it


def test_the_preview_appears_when_done_and_the_status_goes(qtbot, make_fallback):
    widget = make_fallback(SlowRender(delay=0.1))
    assert widget.image().isNull()
    with qtbot.waitSignal(widget.previewShown, timeout=5000) as shown:
        widget.set_maps(flat_maps(0.75))
    assert shown.args == [widget.job.latest] and not widget.rendering
    assert not widget.status.isVisible()
    pixmap = widget.preview.pixmap()
    assert (pixmap.width(), pixmap.height()) == (10, 6)
    assert shown_value(widget) == pytest.approx(0.75, abs=1 / 255)
    qtbot.waitUntil(lambda: not preview_threads(), timeout=2000)  # idle: the thread has ended


def test_quick_updates_show_only_the_latest(qtbot, make_fallback):
    render = SlowRender(delay=0.3)
    widget = make_fallback(render)
    shown: list[int] = []
    widget.previewShown.connect(shown.append)
    widget.set_maps(flat_maps(0.2))
    assert render.started.wait(2.0)  # the first one renders now ...
    widget.set_maps(flat_maps(0.4))  # ... this one waits, and is replaced by the next
    widget.set_maps(flat_maps(0.6))
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert widget.job.wait(5.0)
    qtbot.wait(50)  # any late (stale) signal would arrive now
    assert shown == [widget.job.latest]
    assert render.calls == pytest.approx([0.2, 0.6])  # 0.4 was superseded before it started
    assert shown_value(widget) == pytest.approx(0.6, abs=1 / 255)
    assert not widget.status.isVisible()


def test_clearing_during_a_render_drops_its_result(qtbot, make_fallback):
    render = SlowRender(delay=0.2)
    widget = make_fallback(render)
    widget.set_maps(flat_maps(0.3))
    assert render.started.wait(2.0)
    widget.set_maps(None)
    assert not widget.rendering and not widget.status.isVisible()
    assert widget.job.wait(5.0)
    qtbot.wait(50)
    assert widget.image().isNull()


def test_a_failed_render_says_why(qtbot, make_fallback):
    widget = make_fallback(SlowRender(delay=0.0, fail=True))
    with qtbot.waitSignal(widget.previewShown, timeout=5000):
        widget.set_maps(flat_maps(0.5))
    assert widget.preview.text() == "No preview: the maps are broken"
    assert not widget.status.isVisible()


def test_destroying_the_widget_mid_render_leaves_no_running_thread(qtbot):
    import shiboken6

    from app.viewport.qt_fallback import QtViewportFallback

    render = SlowRender(delay=5.0)
    widget = QtViewportFallback(render=render)
    job = widget.job
    delivered: list[int] = []
    widget.previewShown.connect(delivered.append)
    widget.set_maps(flat_maps(0.1))
    assert render.started.wait(2.0) and job.running
    widget.set_maps(flat_maps(0.9))  # waiting behind it: must never start
    threading.Timer(0.2, render.release.set).start()  # the render in progress ends soon
    began = time.perf_counter()
    shiboken6.delete(widget)
    assert time.perf_counter() - began < 3.0
    assert not job.running and not preview_threads()
    assert render.calls == pytest.approx([0.1])
    qtbot.wait(50)
    assert delivered == []


def test_grab_image_of_the_viewport_waits_for_the_preview(qtbot):
    from app.viewport import QtViewport

    view = QtViewport(force_fallback=True)
    qtbot.addWidget(view)
    view.set_maps(flat_maps(0.5, size=12))  # the real engine renderer
    image = view.grab_image()
    assert (image.width(), image.height()) == (12, 12)
    assert not view._fallback.rendering and not view._fallback.status.isVisible()


def test_the_job_hands_only_the_newest_result_and_nothing_after_close():
    results: list[tuple[int, float]] = []
    render = SlowRender(delay=0.2)
    job = LatestPreviewJob(on_result=lambda s, img: results.append((s, float(img[0, 0, 0]))), render=render)
    first = job.submit(flat_maps(0.1))
    assert render.started.wait(2.0)
    job.submit(flat_maps(0.2))
    last = job.submit(flat_maps(0.3))
    assert first < last and job.busy
    assert job.wait(5.0) and not job.busy
    assert results == [(last, pytest.approx(0.3))]
    assert job.result()[0] == last

    render.started.clear()
    job.submit(flat_maps(0.4))
    assert render.started.wait(2.0)
    assert job.close(5.0) and not job.running
    assert len(results) == 1  # the render that was in progress at close() is never handed over
    with pytest.raises(RuntimeError, match="closed"):
        job.submit(flat_maps(0.5))
