import json

from app.settings import (
    SCHEMA_VERSION,
    AppSettings,
    TaskDefaults,
    load_settings,
    migrate,
    save_settings,
    settings_path,
)


def test_defaults_when_missing():
    settings_path().unlink(missing_ok=True)  # the config dir is shared by the whole test session
    settings = load_settings()
    assert settings == AppSettings()
    assert not settings_path().exists()


def test_round_trip_in_config_dir(tmp_path):
    settings = AppSettings()
    settings.task.steps = 7
    settings.task.checkpoint = "/models/x.safetensors"
    settings.export.preset = "unreal"
    settings.add_recent("projects", tmp_path / "a.twproj")
    settings.add_recent("projects", tmp_path / "b.twproj")
    settings.add_recent("projects", tmp_path / "a.twproj")
    save_settings(settings)
    assert settings_path().exists()
    loaded = load_settings()
    assert loaded.task.steps == 7 and loaded.export.preset == "unreal"
    assert loaded.recent_projects == [str(tmp_path / "a.twproj"), str(tmp_path / "b.twproj")]


def test_recent_list_is_bounded():
    settings = AppSettings()
    for i in range(25):
        settings.add_recent("photos", f"/p/{i}.png")
    assert len(settings.recent_photos) == 10 and settings.recent_photos[0] == "/p/24.png"


def test_migrates_v1(tmp_path):
    v1 = {"schema_version": 1, "recent": ["/x/a.twproj", "/x/photo.png"], "steps": 3, "seed": 9}
    data = migrate(v1)
    assert data["schema_version"] == SCHEMA_VERSION
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(json.dumps(v1))
    loaded = load_settings()
    assert loaded.recent_projects == ["/x/a.twproj"]
    assert loaded.task.steps == 3 and loaded.task.seed == 9


def test_corrupt_file_gives_defaults_and_is_kept_aside():
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("{not json")
    assert load_settings() == AppSettings()
    assert settings_path().with_suffix(".json.bad").exists()


def test_wrong_types_fall_back_per_field():
    loaded = AppSettings.from_dict({"show_welcome": "yes", "task": {"steps": "many", "seed": 4}})
    assert loaded.show_welcome is True and loaded.task.steps == TaskDefaults().steps and loaded.task.seed == 4
