"""The held-out set: deterministic, disjoint from training by family, and the leak checker works."""

from __future__ import annotations

import torch

from benchmarks.eval.heldout import (
    HELD_OUT_ENVIRONMENTS,
    HELD_OUT_FAMILIES,
    HELD_OUT_FOVS,
    HELD_OUT_SEED_BASE,
    case_family,
    check_training_config,
    config_problems,
    intrinsic_cases,
    svbrdf_cases,
    training_families,
)
from engine.materials import FAMILIES, Environment


def test_constants_name_real_families_and_leave_most_for_training():
    assert len(HELD_OUT_FAMILIES) >= 2
    assert set(HELD_OUT_FAMILIES) <= set(FAMILIES)
    assert not set(HELD_OUT_FAMILIES) & set(training_families())
    assert len(training_families()) == len(FAMILIES) - len(HELD_OUT_FAMILIES)


def test_cases_alternate_between_held_out_and_training_families():
    picks = [case_family(i) for i in range(8)]
    assert [held for _, held in picks] == [True, False] * 4
    assert {f for f, held in picks if held} == set(HELD_OUT_FAMILIES)
    assert all(f in training_families() for f, held in picks if not held)


def test_svbrdf_cases_are_deterministic_and_use_new_seeds_and_several_fovs():
    a = svbrdf_cases(3, 16)
    b = svbrdf_cases(3, 16)
    for x, y in zip(a, b, strict=True):
        assert x.name == y.name and x.seed == y.seed and x.fov_degrees == y.fov_degrees
        assert torch.equal(x.image, y.image) and torch.equal(x.halfway, y.halfway)
        for k in x.maps:
            assert torch.equal(x.maps[k], y.maps[k])
    assert [c.fov_degrees for c in a] == list(HELD_OUT_FOVS)
    assert all(c.seed >= HELD_OUT_SEED_BASE for c in a)
    case = a[0]
    assert case.image.shape == (1, 3, 16, 16)
    assert 0 <= float(case.image.min()) and float(case.image.max()) <= 1
    # an 8-bit photo: linear values come from 256 sRGB codes only
    assert torch.unique(case.image).numel() <= 256
    assert set(case.maps) == {"diffuse", "specular", "roughness", "normals"}


def test_intrinsic_cases_under_a_constant_sky_have_constant_shading_and_consistent_residual():
    sky = Environment.constant(0.5)
    cases = intrinsic_cases(2, 16, environments=[sky])
    again = intrinsic_cases(2, 16, environments=[sky])
    for case, other in zip(cases, again, strict=True):
        assert torch.equal(case.image, other.image)
        shading = case.truth["diffuseshading"]
        # a constant environment gives the same irradiance to every normal
        assert float(shading.std() / shading.mean()) < 1e-3
        assert set(case.truth) == {"albedo", "diffuseshading", "residual", "normals"}
        n = case.truth["normals"]
        assert torch.allclose(n.norm(dim=1), torch.ones(1, 16, 16), atol=1e-5)
        # the relief tilts the normals far from the flat sample
        assert float(n[:, 2].mean()) < 0.97


def test_leak_checker_flags_held_out_families_and_environments():
    clean = {"data": [{"source": "svbrdf", "families": list(training_families())},
                      {"source": "generated_svbrdf", "exclude_families": list(HELD_OUT_FAMILIES)}]}
    assert check_training_config(clean) == []
    everything = {"data": [{"source": "generated_svbrdf"}]}
    assert "all families" in check_training_config(everything)[0]
    partial = {"data": [{"source": "generated_svbrdf", "exclude_families": [HELD_OUT_FAMILIES[0]]}]}
    assert "held-out family" in check_training_config(partial)[0]
    leaky = {"data": [{"source": "svbrdf", "options": {"families": ["bricks", HELD_OUT_FAMILIES[0]]}},
                      {"source": "folder", "environments": ["courtyard"]}]}
    problems = check_training_config(leaky)
    assert len(problems) == 2
    assert "held-out family" in problems[0] and "courtyard" in problems[1]
    lit = {"data": [{"source": "generated_svbrdf", "exclude_families": list(HELD_OUT_FAMILIES),
                     "environment_probability": 0.3}]}
    assert "environments" in check_training_config(lit)[0]
    lit["data"][0]["exclude_environments"] = list(HELD_OUT_ENVIRONMENTS)
    assert check_training_config(lit) == []
    assert check_training_config({"data": [{"source": "toy"}]}) == []


def test_shipped_training_configs_keep_held_out_families_out(tmp_path):
    for name, problems in config_problems().items():
        assert not [p for p in problems if "famil" in p], f"configs/{name}: {problems}"
    (tmp_path / "bad.toml").write_text('[[data]]\nsource = "generated_intrinsic"\n')
    found = config_problems(str(tmp_path))
    assert list(found) == ["bad.toml"] and len(found["bad.toml"]) == 2


def test_scene_cases_use_held_out_materials_and_environments():
    from benchmarks.eval.scenes import scene_cases

    cases = scene_cases(1, 16, texture_size=8)
    again = scene_cases(1, 16, texture_size=8)
    case = cases[0]
    assert torch.equal(case.image, again[0].image)
    assert case.held_out_family and case.family == HELD_OUT_FAMILIES[0]
    assert case.environment in HELD_OUT_ENVIRONMENTS
    assert case.mask.shape == (1, 1, 16, 16) and float(case.mask.sum()) > 0
    # the truth explains the (exposed) photo on geometry: image = albedo-ish * shading + residual
    assert float(case.truth["diffuseshading"][case.mask.expand(1, 3, 16, 16) == 0].abs().sum()) == 0
