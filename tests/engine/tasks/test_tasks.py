import pytest
import torch

from engine.tasks import INTRINSIC, SVBRDF, TaskSpec, channels, decode, encode, get_task


def test_svbrdf_teammates_follow_the_official_order():
    assert SVBRDF.teammates() == [
        "image.in", "halfway.in", "diffuse.out", "specular.out", "roughness.out", "normals.out",
    ]
    assert get_task("intrinsic") is INTRINSIC
    assert INTRINSIC.teammates()[0] == "image.in"


def test_bad_names_fail_clearly():
    with pytest.raises(ValueError, match="Unknown task"):
        get_task("nope")
    with pytest.raises(ValueError, match="form"):
        TaskSpec("x", ("Image",), ("a",))
    with pytest.raises(ValueError, match="Unknown component"):
        encode("colour", torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="1 channel"):
        encode("roughness", torch.zeros(1, 3, 2, 2))


def test_from_teammates_round_trip():
    task = TaskSpec.from_teammates("t", SVBRDF.teammates())
    assert task.teammates() == SVBRDF.teammates()


def _sample(component: str, generator: torch.Generator) -> torch.Tensor:
    x = torch.rand(2, channels(component), 4, 5, generator=generator)
    if component == "normals":
        n = x * 2 - 1
        n[:, 2] = n[:, 2].abs() + 0.1
        return n / n.norm(dim=1, keepdim=True)
    if component == "halfway":
        return x * 2 - 1
    if component in ("diffuseshading", "residual"):
        return x * 5
    return x


@pytest.mark.parametrize(
    "component",
    ["image", "diffuse", "specular", "albedo", "roughness", "normals", "halfway",
     "diffuseshading", "residual", "inverseshading"],
)
def test_encode_decode_round_trip(component):
    x = _sample(component, torch.Generator().manual_seed(1))
    image = encode(component, x)
    assert image.shape == (2, 3, 4, 5)
    if component != "halfway":
        assert image.min() >= -1 and image.max() <= 1
    torch.testing.assert_close(decode(component, image), x, atol=2e-4, rtol=1e-3)


def test_encodings_match_the_conventions():
    grey = torch.full((1, 3, 1, 1), 0.5)
    assert torch.allclose(encode("diffuse", grey), torch.full_like(grey, 0.5 ** (1 / 2.2) * 2 - 1))
    h = torch.tensor([0.0, 0.0, 1.0]).view(1, 3, 1, 1)
    assert torch.allclose(encode("halfway", h), h * 2 - 1)  # the official x2-1 quirk
    assert torch.allclose(encode("normals", h), h)
    s = torch.full((1, 3, 1, 1), 1.0)
    assert torch.allclose(encode("diffuseshading", s), torch.zeros_like(s))  # 1/(1+1) -> 0


def test_depth_is_normalised_per_image():
    depth = torch.stack([torch.linspace(2, 4, 6), torch.linspace(10, 40, 6)]).view(2, 1, 2, 3)
    decoded = decode("depth", encode("depth", depth))
    assert torch.allclose(decoded[:, 0, 0, 0], torch.zeros(2))
    assert torch.allclose(decoded[:, 0, 1, 2], torch.ones(2))
