"""Repair region and Make tileable without Qt: the mask, the inputs, applying/undoing an edit,
the editor's job handling with a fake backend, and projects keeping the repaired photo."""

import numpy as np
import pytest

from app.project import load_project, save_project
from app.repair import (
    REPAIR,
    TILEABLE,
    EditError,
    MaskState,
    MaterialEditor,
    edit_inputs,
    edited_result,
    fit_photo,
    mask_overlay,
)
from app.session import Result, Session


def svbrdf_maps(h=16, w=24, seed=0):
    rng = np.random.default_rng(seed)
    normals = np.zeros((h, w, 3), np.float32)
    normals[..., 2] = 1
    return {
        "diffuse": rng.random((h, w, 3), dtype=np.float32),
        "specular": np.full((h, w, 3), 0.04, np.float32),
        "roughness": rng.random((h, w, 1), dtype=np.float32),
        "normals": normals,
    }


def session_with_result(photo_files):
    """A session whose first photo (48x32) has a 24x16 SVBRDF result (estimated at half size)."""
    session = Session()
    session.add_photos(photo_files[:1])
    photo = session.photos[0]
    session.set_result(photo.id, Result(svbrdf_maps(), "svbrdf", "embedded", ["a warning"], 1.5))
    session.undo_stack.set_clean()
    return session, photo


def worker_output(maps, value=0.5):
    """What the worker sends back: every map as map:<name>, edited (filled with ``value``)."""
    return {f"map:{name}": np.full_like(x, value) for name, x in maps.items()}


class FakeBackend:
    def __init__(self):
        self.submitted = []
        self.cancelled = []

    def submit_edit(self, job, maps, mask, options, label):
        self.submitted.append((job, maps, mask, options, label))
        return 100 + len(self.submitted)

    def cancel(self, job_id):
        self.cancelled.append(job_id)


def editor_for(session):
    backend = FakeBackend()
    editor = MaterialEditor(session, backend)
    events = []
    for name in ("state_changed", "progress", "finished", "failed", "cancelled"):
        editor.subscribe(name, lambda *a, n=name: events.append((n, *a)))
    return editor, backend, events


# -- the mask --------------------------------------------------------------------------------------
def test_brush_strokes_paint_and_erase_round_capped_lines():
    mask = MaskState(40, 60)
    assert mask.empty and mask.default_brush() == 2
    changed = mask.stroke((10, 20), (40, 20), radius=3)
    assert changed == (7, 17, 44, 24)
    assert mask.mask[20, 10:41].all() and mask.mask[17:24, 25].all()
    assert not mask.mask[20, 45] and not mask.mask[25, 25]  # stays within the brush
    assert mask.mask[20, 8]  # round cap past the start
    painted = int(mask.mask.sum())
    mask.stroke((25, 20), (25, 20), radius=2, erase=True)  # a single dab of the eraser
    assert not mask.mask[20, 25] and 0 < int(mask.mask.sum()) < painted
    assert mask.stroke((-50, -50), (-20, -30), radius=3) is None  # entirely off the texture
    version = mask.version
    assert mask.clear() and mask.empty and mask.version > version
    assert not mask.clear()


def test_mask_array_and_overlay():
    mask = MaskState(8, 8)
    mask.stroke((4, 4), (4, 4), radius=1)
    array = mask.array()
    assert array.dtype == np.float32 and array.shape == (8, 8) and set(np.unique(array)) == {0.0, 1.0}
    assert 0 < mask.coverage < 0.2
    overlay = mask_overlay(mask.mask)
    assert overlay.shape == (8, 8, 4) and overlay[4, 4, 3] > 0 and overlay[0, 0, 3] == 0


# -- inputs and results ----------------------------------------------------------------------------
def test_edit_inputs_are_the_maps_and_the_rectified_photo_at_map_size(photo_files):
    session, photo = session_with_result(photo_files)
    inputs = edit_inputs(photo)
    assert set(inputs) == {"diffuse", "specular", "roughness", "normals", "image"}
    assert inputs["image"].shape == (16, 24, 3)
    np.testing.assert_allclose(inputs["image"].mean(), photo.prepared().mean(), atol=0.02)
    repaired = np.full((16, 24, 3), 0.25, np.float32)
    photo.result.photo = repaired  # an already repaired photo is edited further, not the original
    np.testing.assert_array_equal(edit_inputs(photo)["image"], repaired)
    photo.result = None
    with pytest.raises(EditError, match="Run photo0.png first"):
        edit_inputs(photo)


def test_fit_photo_resizes_to_height_width():
    pixels = np.random.default_rng(0).random((30, 40, 3), dtype=np.float32)
    assert fit_photo(pixels, (15, 20)).shape == (15, 20, 3)
    assert fit_photo(pixels, (60, 80)).min() >= 0
    assert fit_photo(pixels, (30, 40)) is pixels


def test_edited_result_replaces_maps_and_keeps_the_photo(photo_files):
    base = Result(svbrdf_maps(), "svbrdf", "embedded", ["w"], 2.0)
    inputs = {**base.maps, "image": np.zeros((16, 24, 3), np.float32)}
    result = edited_result(base, worker_output(inputs), {"method": "telea"}, REPAIR)
    assert set(result.maps) == set(base.maps) and result.maps["diffuse"][0, 0, 0] == 0.5
    assert result.photo.shape == (16, 24, 3) and result.photo[0, 0, 0] == 0.5
    assert result.edits == ["Repair region (OpenCV Telea)"] and not result.tileable
    assert result.task == "svbrdf" and result.warnings == ["w"] and base.edits == [] and base.photo is None
    tiled = edited_result(result, worker_output(inputs), {"method": "teamwork"}, TILEABLE)
    assert tiled.tileable and tiled.edits[-1] == "Make tileable (Teamwork model)"
    assert set(tiled.export_maps()) == {*base.maps, "image"} and set(base.export_maps()) == set(base.maps)
    with pytest.raises(EditError, match="no roughness map"):
        edited_result(base, {k: v for k, v in worker_output(inputs).items() if k != "map:roughness"},
                      {"method": "telea"}, REPAIR)


# -- undo -------------------------------------------------------------------------------------------
def test_replace_result_is_one_undo_step_and_never_drops_a_newer_run(photo_files):
    session, photo = session_with_result(photo_files)
    original = photo.result
    edited = Result(svbrdf_maps(seed=1), "svbrdf", photo=np.zeros((16, 24, 3), np.float32))
    changes = []
    session.subscribe("photo_changed", changes.append)
    session.replace_result(photo.id, edited, "Repair region")
    assert photo.result is edited and changes == [photo.id] and session.dirty
    assert session.undo_stack.undo_text == "Repair region"
    session.undo_stack.undo()
    assert photo.result is original and photo.result_photo() is photo.prepared()
    session.undo_stack.redo()
    assert photo.result is edited and photo.result_photo() is edited.photo
    newer = Result(svbrdf_maps(seed=2), "svbrdf")
    session.set_result(photo.id, newer)  # a new estimate is not undoable; undoing the repair keeps it
    session.undo_stack.undo()
    assert photo.result is newer


# -- the editor ---------------------------------------------------------------------------------------
def test_repair_submits_the_mask_and_applies_the_result(photo_files):
    session, photo = session_with_result(photo_files)
    session.set_options(steps=7, seed=3)
    editor, backend, events = editor_for(session)
    mask = MaskState(16, 24)
    with pytest.raises(EditError, match="Paint over the region"):
        editor.repair(photo.id, mask)
    mask.stroke((5, 5), (10, 8), 2)
    job = editor.repair(photo.id, mask)
    assert editor.running and editor.kind == REPAIR
    name, maps, sent_mask, options, label = backend.submitted[0]
    assert name == "inpaint" and label == "photo0.png" and "image" in maps
    np.testing.assert_array_equal(sent_mask, mask.array())
    assert options == {"model": "auto", "steps": 7, "seed": 3, "device": "auto"}
    with pytest.raises(EditError, match="still running"):
        editor.make_tileable(photo.id)
    editor.job_progress(job, 2, 7)
    assert events[-1][0] == "progress" and events[-1][1].text.startswith("step 2/7")
    warning = "No embedded inpainting model is shipped with this build; used OpenCV Telea inpainting."
    editor.job_result(job, worker_output(maps), {"method": "telea", "warnings": [warning]})
    assert not editor.running
    outcome = next(e[1] for e in events if e[0] == "finished")
    assert outcome.method == "telea" and outcome.warnings == (warning,)
    assert outcome.text.startswith("Repaired the region with OpenCV Telea")
    assert photo.result.photo[0, 0, 0] == 0.5 and photo.result.edits == ["Repair region (OpenCV Telea)"]
    assert events[-1] == ("state_changed", False)
    session.undo_stack.undo()
    assert photo.result.photo is None and photo.result.maps["specular"][0, 0, 0] == np.float32(0.04)


def test_make_tileable_runs_without_a_mask_and_marks_the_result(photo_files):
    session, photo = session_with_result(photo_files)
    editor, backend, events = editor_for(session)
    job = editor.make_tileable(photo.id)
    assert backend.submitted[0][0] == "make_tileable" and backend.submitted[0][2] is None
    editor.job_result(job, worker_output(backend.submitted[0][1]), {"method": "teamwork", "warnings": []})
    assert photo.result.tileable and session.undo_stack.undo_text == "Make tileable"
    assert next(e[1] for e in events if e[0] == "finished").text.startswith(
        "Made the material tileable with Teamwork model")


def test_cancel_is_immediate_and_a_late_result_is_ignored(photo_files):
    session, photo = session_with_result(photo_files)
    original = photo.result
    editor, backend, events = editor_for(session)
    job = editor.make_tileable(photo.id)
    editor.cancel()
    assert backend.cancelled == [job] and not editor.running
    assert [e[0] for e in events[-2:]] == ["cancelled", "state_changed"]
    editor.job_result(job, worker_output(backend.submitted[0][1]), {"method": "telea"})  # Telea ran on
    assert photo.result is original and session.undo_stack.undo_text == "Add 1 photo"


def test_errors_and_a_result_that_changed_meanwhile(photo_files):
    session, photo = session_with_result(photo_files)
    editor, backend, events = editor_for(session)
    job = editor.make_tileable(photo.id)
    editor.job_error(job, "The seam band (8 px) must be narrower than half the texture (24x16).", "failed",
                     "kind: failed")
    assert ("failed", "The seam band (8 px) must be narrower than half the texture (24x16).",
            "kind: failed") in events
    job = editor.make_tileable(photo.id)
    editor.job_error(job, "cancelled", "cancelled")
    assert events[-2][0] == "cancelled"
    job = editor.make_tileable(photo.id)
    newer = Result(svbrdf_maps(seed=4), "svbrdf")
    session.set_result(photo.id, newer)  # the user re-ran the photo meanwhile
    editor.job_result(job, worker_output(backend.submitted[-1][1]), {"method": "telea"})
    assert photo.result is newer
    assert "changed while make tileable ran" in next(e[1] for e in reversed(events) if e[0] == "failed")
    photo.status = "running"
    with pytest.raises(EditError, match="being estimated"):
        editor.make_tileable(photo.id)
    other = MaskState(8, 8)
    other.stroke((2, 2), (2, 2), 1)
    photo.status = "done"
    with pytest.raises(EditError, match="another result"):
        editor.repair(photo.id, other)


def test_an_empty_mask_answer_changes_nothing(photo_files):
    session, photo = session_with_result(photo_files)
    editor, backend, events = editor_for(session)
    mask = MaskState(16, 24)
    mask.stroke((3, 3), (3, 3), 1)
    job = editor.repair(photo.id, mask)
    editor.job_result(job, worker_output(backend.submitted[0][1]), {"method": "none",
                                                                     "warnings": ["The mask is empty."]})
    assert session.undo_stack.undo_text == "Add 1 photo" and photo.result.photo is None
    assert next(e[1] for e in events if e[0] == "finished").text == "Nothing to repair: the mask is empty."


# -- projects ----------------------------------------------------------------------------------------
def test_projects_keep_the_repaired_photo_and_tileable_flag(photo_files, tmp_path):
    session, photo = session_with_result(photo_files)
    repaired = np.random.default_rng(5).random((16, 24, 3), dtype=np.float32)
    edited = Result(svbrdf_maps(seed=1), "svbrdf", "embedded", [], 1.0, photo=repaired, tileable=True,
                    edits=["Repair region (OpenCV Telea)", "Make tileable (OpenCV Telea)"])
    session.replace_result(photo.id, edited, "Make tileable")
    path = save_project(session, tmp_path / "wood.twproj")
    other = Session()
    assert load_project(other, path) == []
    result = other.photos[0].result
    np.testing.assert_array_equal(result.photo, repaired)  # float32, not the float16 photo copy
    assert result.tileable and result.edits == edited.edits
    assert set(result.maps) == set(edited.maps)


def test_the_repair_model_imports_no_qt():
    import subprocess
    import sys

    code = ("import sys, app.repair, app.project;"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
