import pytest
import torch

from engine.progress import Cancelled, CancelToken
from tests.engine.pipelines.helpers import pixel_pipeline, svbrdf_inputs


@pytest.fixture(scope="module")
def pipe():
    return pixel_pipeline()


@pytest.mark.parametrize("scheduler", ["ddim", "dpm", "euler"])
def test_every_output_at_the_input_size(pipe, scheduler):
    out = pipe(svbrdf_inputs((13, 15)), steps=2, scheduler=scheduler)
    assert set(out.maps) == {"diffuse", "specular", "roughness", "normals"}
    for name, x in out.maps.items():
        assert x.shape == (1, 1 if name == "roughness" else 3, 13, 15)
        assert torch.isfinite(x).all()
    assert torch.allclose(out.maps["normals"].norm(dim=1), torch.ones(1, 13, 15), atol=1e-5)


def test_seed_reproducible_and_output_subset(pipe):
    a = pipe(svbrdf_inputs(), ["roughness"], steps=2, seed=3).maps
    b = pipe(svbrdf_inputs(), ["roughness"], steps=2, seed=3).maps
    c = pipe(svbrdf_inputs(), ["roughness"], steps=2, seed=4).maps
    assert list(a) == ["roughness"]
    assert torch.equal(a["roughness"], b["roughness"])
    assert not torch.equal(a["roughness"], c["roughness"])


def test_outputs_depend_on_inputs_only_with_communication():
    inputs, other = svbrdf_inputs(seed=0), svbrdf_inputs(seed=1)
    team = pixel_pipeline()
    alone = pixel_pipeline(communication=False)
    changed = (team(inputs, ["diffuse"], steps=2).maps["diffuse"]
               - team(other, ["diffuse"], steps=2).maps["diffuse"]).abs().max()
    unchanged = (alone(inputs, ["diffuse"], steps=2).maps["diffuse"]
                 - alone(other, ["diffuse"], steps=2).maps["diffuse"]).abs().max()
    assert changed > 1e-3
    assert unchanged < 1e-6


def test_optional_input_can_be_skipped(pipe):
    out = pipe({"image": svbrdf_inputs()["image"]}, ["normals"], steps=2)
    assert out.maps["normals"].shape == (1, 3, 16, 16)


def test_samples_are_averaged(pipe):
    out = pipe(svbrdf_inputs(), ["diffuse", "normals"], steps=2, samples=2)
    assert out.samples["diffuse"].shape[0] == 2
    assert not torch.equal(out.samples["diffuse"][0], out.samples["diffuse"][1])
    torch.testing.assert_close(out.maps["diffuse"], out.samples["diffuse"].mean(0, keepdim=True))
    assert torch.allclose(out.maps["normals"].norm(dim=1), torch.ones(1, 16, 16), atol=1e-5)


def test_cancel_stops_within_one_step(pipe):
    token = CancelToken()
    calls = []

    def progress(step, total):
        calls.append((step, total))
        token.cancel()

    with pytest.raises(Cancelled):
        pipe(svbrdf_inputs(), steps=5, progress=progress, cancel=token)
    assert calls == [(1, 5)]


def test_bad_requests_fail_clearly(pipe):
    with pytest.raises(ValueError, match="no 'albedo' output"):
        pipe(svbrdf_inputs(), ["albedo"], steps=1)
    with pytest.raises(ValueError, match="no 'depth' input"):
        pipe({"depth": torch.rand(1, 1, 16, 16)}, steps=1)
    with pytest.raises(ValueError, match="same size"):
        pipe({"image": torch.rand(1, 3, 16, 16), "halfway": torch.rand(1, 3, 8, 8)}, steps=1)
