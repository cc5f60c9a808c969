import numpy as np
import pytest

from app.project import ProjectError, load_project, save_project
from app.rectify import Rectification
from app.session import Result, Session, TaskOptions


class Recorder:
    def __init__(self, session):
        self.events = []
        for name in ("photos_changed", "current_changed", "photo_changed", "options_changed", "undo_changed"):
            session.subscribe(name, lambda *a, n=name: self.events.append((n, *a)))

    def names(self):
        return [e[0] for e in self.events]


def test_add_photos_reports_bad_files_and_selects_first(photo_files, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    session = Session()
    rec = Recorder(session)
    added, errors = session.add_photos([*photo_files, bad, photo_files[0]])
    assert [p.name for p in added] == ["photo0.png", "photo1.png", "photo2.png"]
    assert len(errors) == 1 and "broken.png" in errors[0]
    assert session.current_id == added[0].id
    assert added[0].pixels.shape == (32, 48, 3) and added[0].pixels.dtype == np.float32
    assert "photos_changed" in rec.names() and "current_changed" in rec.names()
    assert session.dirty


def test_undo_redo_of_add_remove_and_rectify(photo_files):
    session = Session()
    session.add_photos(photo_files[:2])
    first = session.photos[0]
    session.set_rectification(first.id, Rectification.crop(0, 0, 0.5, 0.5))
    assert first.prepared().shape == (16, 24, 3)
    session.remove_photos([session.photos[1].id])
    assert len(session.photos) == 1
    assert session.undo_stack.undo_text == "Remove 1 photo"
    session.undo_stack.undo()
    assert len(session.photos) == 2
    session.undo_stack.undo()
    assert first.rectification.is_identity and first.prepared().shape == (32, 48, 3)
    session.undo_stack.redo()
    assert first.prepared().shape == (16, 24, 3)
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert session.photos == [] and session.current_id is None
    assert not session.undo_stack.can_undo


def test_option_edits_merge_and_validate():
    session = Session()
    session.set_options(steps=5)
    session.set_options(steps=6)
    session.set_options(seed=3)
    assert session.options.steps == 6
    session.undo_stack.undo()
    assert session.options.seed == 0 and session.options.steps == 6
    session.undo_stack.undo()
    assert session.options.steps == TaskOptions().steps
    with pytest.raises(ValueError, match="task"):
        session.set_options(task="painting")


def test_invalid_rectification_is_refused_without_undo_entry(photo_files):
    session = Session()
    session.add_photos(photo_files[:1])
    session.undo_stack.set_clean()
    with pytest.raises(ValueError):
        session.set_rectification(session.photos[0].id, Rectification(((0, 0), (1, 1), (1, 0), (0, 1))))
    assert session.photos[0].rectification.is_identity and not session.dirty


def test_fov_from_exif_default_and_options_for_photo(photo_files):
    session = Session()
    session.add_photos(photo_files[:1])
    photo = session.photos[0]
    assert photo.fov_degrees == 45.0 and not photo.fov_from_exif
    session.set_fov(photo.id, 60.0)
    kwargs = session.options.for_photo(photo)
    assert kwargs["fov_degrees"] == 60.0 and kwargs["model"] == "embedded" and kwargs["base"] is None
    with pytest.raises(ValueError):
        session.set_fov(photo.id, 0.0)


def test_project_round_trip_with_results(photo_files, tmp_path):
    session = Session()
    session.add_photos(photo_files[:2])
    a, b = session.photos
    session.set_rectification(a.id, Rectification.crop(0.25, 0, 1, 1, 16, 16))
    session.set_options(steps=3, tileable=True)
    maps = {"diffuse": np.random.default_rng(0).random((16, 16, 3), dtype=np.float32),
            "roughness": np.full((16, 16, 1), 0.25, np.float32)}
    session.set_result(a.id, Result(maps, "svbrdf", "embedded", ["low light"], 1.5))
    session.set_status(b.id, "failed", "The worker stopped.")
    path = save_project(session, tmp_path / "proj" / "wood")
    assert path.suffix == ".twproj" and not session.dirty

    # the originals may move: the project holds its own copies
    for f in photo_files:
        f.unlink()
    other = Session()
    warnings = load_project(other, path)
    assert warnings == []
    assert [p.id for p in other.photos] == [a.id, b.id]
    ra = other.photos[0]
    assert ra.rectification == a.rectification and ra.status == "done"
    np.testing.assert_allclose(ra.result.maps["diffuse"], maps["diffuse"])
    assert ra.result.warnings == ["low light"] and ra.prepared().shape == (16, 16, 3)
    assert np.abs(ra.pixels - a.pixels).max() < 2e-3  # float16 copy
    assert other.photos[1].status == "failed"
    assert other.options.steps == 3 and other.options.tileable
    assert not other.dirty and other.title == "wood"
    # saving twice replaces the data folder cleanly
    save_project(other, path)
    assert sorted(p.name for p in (tmp_path / "proj" / "wood_data").iterdir()) == [a.id, b.id]


def test_bad_project_files(tmp_path):
    session = Session()
    with pytest.raises(ProjectError, match="does not exist"):
        load_project(session, tmp_path / "none.twproj")
    (tmp_path / "x.twproj").write_text('{"format": "other"}')
    with pytest.raises(ProjectError, match="not a Teamwork Studio project"):
        load_project(session, tmp_path / "x.twproj")
