"""Export choices -> engine.export (Qt-free): presets, formats, naming, overwrite protection."""

import datetime

import numpy as np
import pytest

from app.exporting import ExportChoice, ExportError, existing_files, export_maps, preset_choices


def _maps(size=16):
    rng = np.random.default_rng(0)
    normals = np.zeros((size, size, 3), np.float32)
    normals[..., 2] = 1
    return {"diffuse": rng.random((size, size, 3), dtype=np.float32),
            "specular": np.full((size, size, 3), 0.04, np.float32),
            "roughness": rng.random((size, size, 1), dtype=np.float32), "normals": normals}


def test_naming_template_and_format():
    choice = ExportChoice(naming="{photo}-{task}-{preset}-{date}", preset="unreal", file_type="exr",
                          bit_depth=32, folder="/x")
    assert choice.material_name("wood 1.jpg", "svbrdf", datetime.date(2026, 1, 2)) == \
        "wood 1-svbrdf-unreal-2026-01-02"
    assert choice.fmt == "exr32"
    assert ExportChoice(file_type="tif", bit_depth=8).fmt == "tif16"  # TIFF is 16-bit here
    with pytest.raises(ExportError, match="template"):
        ExportChoice(naming="{photo}_{map}").material_name("a.png", "svbrdf")
    with pytest.raises(ExportError, match="folder"):
        ExportChoice().target("a.png", "svbrdf")
    assert ExportChoice(naming="a/b:{photo}").material_name("c.png", "x") == "a_b_c"


def test_presets_come_from_the_engine():
    choices = preset_choices()
    for name in ("gltf", "unreal", "unity-hdrp", "unity-urp", "blender", "substance", "raw"):
        assert name in choices


@pytest.mark.parametrize("preset", ["gltf", "unreal"])
def test_export_writes_files_and_refuses_silent_overwrite(tmp_path, preset):
    choice = ExportChoice(preset=preset, folder=str(tmp_path), naming="{photo}_{preset}", resolution=8)
    target = export_maps(_maps(), choice, "wood.png", "svbrdf")
    files = existing_files(target)
    assert target.name == f"wood_{preset}" and len(files) >= 3
    with pytest.raises(ExportError, match="overwrite"):
        export_maps(_maps(), choice, "wood.png", "svbrdf")
    export_maps(_maps(), choice, "wood.png", "svbrdf", overwrite=True)
    pngs = [p for p in existing_files(target) if p.suffix == ".png"]
    import cv2

    assert pngs and max(cv2.imread(str(pngs[0]), cv2.IMREAD_UNCHANGED).shape[:2]) == 8  # resolution


def test_bad_maps_give_one_sentence(tmp_path):
    with pytest.raises(ExportError) as info:
        export_maps({"diffuse": np.zeros((0, 0, 3), np.float32)}, ExportChoice(folder=str(tmp_path)),
                    "x.png", "svbrdf")
    assert "\n" not in str(info.value)


# -- exports off the GUI thread: ExportJob (Qt-free), the queue and the window ------------------

def _all_files(folder):
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_export_job_runs_on_its_thread_with_progress(tmp_path):
    import threading

    from app.exporting import ExportJob, ExportRequest

    events, done = [], threading.Event()
    request = ExportRequest(_maps(), ExportChoice(folder=str(tmp_path)), "wood.png", "svbrdf")
    job = ExportJob(request, on_progress=lambda s, t: events.append((threading.current_thread().name, s, t)),
                    on_finished=lambda target: (events.append(target), done.set()),
                    on_failed=lambda m: (events.append(m), done.set()))
    job.start()
    assert done.wait(30) and job.join(5)
    steps = [e for e in events if isinstance(e, tuple)]
    assert steps and all(name == "export" for name, _, _ in steps)
    total = steps[-1][2]
    assert [s for _, s, _ in steps] == list(range(1, total + 1))
    assert events[-1] == tmp_path / "wood_gltf" and len(existing_files(events[-1])) >= 3


def test_cancelled_export_job_leaves_nothing(tmp_path):
    from app.exporting import ExportCancelled, ExportJob, ExportRequest
    from engine.progress import CancelToken

    outcome = []
    request = ExportRequest(_maps(), ExportChoice(folder=str(tmp_path / "out")), "wood.png", "svbrdf")
    job = ExportJob(request, on_finished=outcome.append, on_failed=outcome.append,
                    on_cancelled=lambda: outcome.append("cancelled"))
    job.on_progress = lambda step, total: job.cancel()  # cancel as soon as the first file is done
    job.start()
    assert job.join(30) and outcome == ["cancelled"]
    assert _all_files(tmp_path / "out") == []
    token = CancelToken()
    token.cancel()
    with pytest.raises(ExportCancelled):  # an already-cancelled export does not even start
        export_maps(_maps(), ExportChoice(folder=str(tmp_path / "out")), "a.png", "svbrdf", cancel=token)
    assert _all_files(tmp_path / "out") == []


def _slow_export(delay, log=None):
    """export_maps, but each file takes ``delay`` seconds more; records the thread and overlap."""
    import threading
    import time

    state = {"running": 0, "most": 0}

    def run(maps, choice, photo, task, progress=None, cancel=None, **kwargs):
        state["running"] += 1
        state["most"] = max(state["most"], state["running"])
        if log is not None:
            log.append(threading.current_thread())

        def slow(step, total):
            time.sleep(delay)
            if progress is not None:
                progress(step, total)
        try:
            return export_maps(maps, choice, photo, task, progress=slow, cancel=cancel, **kwargs)
        finally:
            state["running"] -= 1

    run.state = state
    return run


def _window_with_result(make_window, photo_files):
    from app.session import Result

    window = make_window()
    window.add_photos(photo_files[:1])
    photo = window.session.current
    window.session.set_result(photo.id, Result(_maps(), "svbrdf"))
    return window, photo


@pytest.mark.qt
def test_dialog_export_runs_off_the_gui_thread_and_shows_progress(make_window, qtbot, photo_files, tmp_path):
    import threading

    from PySide6.QtCore import QTimer

    window, _photo = _window_with_result(make_window, photo_files)
    qtbot.wait(800)  # the viewport's one-off GL set-up for its first material happens here
    threads = []
    window.exports.export = _slow_export(0.12, threads)
    dialog = window.export_dialog()
    dialog.folder.setText(str(tmp_path / "out"))
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: window.exports.busy and ticks.append(window.export_progress.bar.value()))
    timer.start()
    try:
        dialog.export_button.click()
        assert window.exports.busy and window.last_export is None  # the click returned at once
        qtbot.waitUntil(lambda: window.export_progress.bar.value() > 0, timeout=10_000)
        strip = window.export_progress
        assert strip.isVisible() and "Exporting photo0_gltf" in strip.label.text()
        qtbot.waitUntil(lambda: window.last_export is not None, timeout=20_000)
    finally:
        timer.stop()
    assert threads and threads[0] is not threading.main_thread()
    # the event loop kept ticking while the export ran (7 files x 0.12 s; a blocking export gives
    # none, since the timer only counts while the export is busy). Not more than a few are required:
    # on a loaded 2-core CI machine the 10 ms timer itself may fire only every 100 ms or so.
    assert len(ticks) >= 3
    assert len({t for t in ticks if 0 < t < 1000}) >= 2  # the bar moved through several steps
    assert window.last_export == tmp_path / "out" / "photo0_gltf" and existing_files(window.last_export)
    assert window.statusBar().currentMessage() == f"Exported to {window.last_export}."
    assert not window.export_progress.isVisible() and window.last_error is None


@pytest.mark.qt
def test_cancel_stops_the_export_writes_nothing_and_says_so(make_window, qtbot, photo_files, tmp_path):
    window, _photo = _window_with_result(make_window, photo_files)
    window.exports.export = _slow_export(0.3)
    dialog = window.export_dialog()
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: window.export_progress.bar.value() > 0, timeout=10_000)
    assert window.export_progress.cancel_button.isVisible()
    window.export_progress.cancel_button.click()
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=10_000)
    assert window.statusBar().currentMessage() == "Export cancelled."
    assert _all_files(tmp_path / "out") == []
    assert window.last_export is None and window.last_error is None
    assert not window.export_progress.isVisible()


@pytest.mark.qt
def test_failed_export_shows_the_error_box(make_window, qtbot, photo_files, tmp_path):
    window, _photo = _window_with_result(make_window, photo_files)

    def broken(*_args, **_kwargs):
        raise ExportError("The disk is full.")

    window.exports.export = broken
    dialog = window.export_dialog()
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=10_000)
    assert window.last_error.windowTitle() == "Export failed"
    assert "The disk is full." in window.last_error.text() and not window.exports.busy


@pytest.mark.qt
def test_export_queue_runs_one_at_a_time(qtbot, tmp_path):
    from app.exporting import ExportRequest
    from app.qt_export_progress import QtExportQueue

    slow = _slow_export(0.02)
    queue = QtExportQueue(export=slow)
    finished, busy = [], []
    queue.finished.connect(lambda request, target: finished.append((request.tag, target)))
    queue.busy_changed.connect(busy.append)
    for i in range(3):
        choice = ExportChoice(folder=str(tmp_path))
        queue.enqueue(ExportRequest(_maps(), choice, f"p{i}.png", "svbrdf", tag=i))
    assert queue.busy and queue.queued == 2
    qtbot.waitUntil(lambda: len(finished) == 3, timeout=30_000)
    assert [tag for tag, _ in finished] == [0, 1, 2] and slow.state["most"] == 1
    assert busy == [True, False] and not queue.busy
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p0_gltf", "p1_gltf", "p2_gltf"]
    queue.shutdown()
