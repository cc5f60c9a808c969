"""Official checkpoint layout: hand-written files load bit-exactly; round trips; bad files."""

import logging

import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.teamwork import (
    TeamworkCheckpointError,
    TeamworkConfig,
    active,
    adapt,
    adapted_layers,
    load_checkpoint,
    save_checkpoint,
)
from tests import tiny_models
from tests.engine.teamwork.families import FAMILIES, randomize_adapters

TEAM = ["image.in", "diffuse.out", "normals.out"]
META = {
    "modelspec.sai_model_spec": "1.0.0",
    "modelspec.architecture": "stabilityai/stable-diffusion-3-medium-diffusers/teamwork",
    "modelspec.implementation": "samsartor/teamwork",
    "modelspec.title": "Hand written",
    "modelspec.type": "teamwork",
    "modelspec.resolution": "64x64",
    "base_model": "stabilityai/stable-diffusion-3-medium-diffusers",
    "teamwork.version": "1.0",
    "teamwork.teammates": "image.in,diffuse.out,normals.out",
    "teamwork.lora_rank": "2",
    "teamwork.profile": "SD3",
    "teamwork.lora_communication": "True",
    "teamwork.use_bias": "True",
    "teamwork.attn_allow": "111;111;111",
}


def _hand_written(path, dtype=torch.bfloat16):
    gen = torch.Generator().manual_seed(5)

    def rnd(*shape):
        return (torch.randn(*shape, generator=gen) * 0.3).to(dtype)

    tensors = {
        # SD3 tiny: inner dim 16 (2 heads x 8), ff hidden 64
        "transformer_blocks.0.attn.to_q.adapter.down": rnd(3, 16, 2),
        "transformer_blocks.0.attn.to_q.adapter.up": rnd(3, 2, 16),
        "transformer_blocks.0.attn.to_q.adapter.bias": rnd(3, 16),
        "transformer_blocks.1.ff.net.2.adapter.down": rnd(3, 64, 2),
        "transformer_blocks.1.ff.net.2.adapter.up": rnd(3, 2, 16),
    }
    save_file(tensors, str(path), metadata=META)
    return tensors


def test_hand_written_checkpoint_loads_bit_exactly_and_matches_formula(tmp_path):
    path = tmp_path / "official.safetensors"
    written = _hand_written(path, torch.float32)
    config, state = load_checkpoint(path)
    assert config.teammates == tuple(TEAM) and config.lora_rank == 2 and config.profile == "SD3"
    assert config.resolution == "64x64" and config.title == "Hand written"
    base = tiny_models.tiny_sd3().requires_grad_(False)
    model = adapt(base, config, state)
    layers = adapted_layers(model)
    assert sorted(layers) == ["transformer_blocks.0.attn.to_q", "transformer_blocks.1.ff.net.2"]
    assert layers["transformer_blocks.1.ff.net.2"].adapter.bias is None
    for key, tensor in written.items():
        loaded = model.state_dict()[key]
        assert loaded.dtype == tensor.dtype and torch.equal(loaded, tensor)

    # the adapted to_q inside the real model against the formula written out here
    captured = {}
    layer = layers["transformer_blocks.0.attn.to_q"]
    layer.register_forward_hook(lambda mod, inp, out: captured.update(x=inp[0], y=out))
    rows = [(0, "image.in"), (0, "normals.out"), (1, "image.in"), (1, "diffuse.out"), (1, "normals.out")]
    family = FAMILIES["sd3"]
    with torch.no_grad(), active(model, rows):
        family.call(model, family.make_input(len(rows), 0))
    x, y = captured["x"].double(), captured["y"].double()
    down, up, bias = (
        written[f"transformer_blocks.0.attn.to_q.adapter.{n}"].double() for n in ("down", "up", "bias")
    )
    base_q = base.transformer_blocks[0].attn.to_q
    expected = torch.nn.functional.linear(x, base_q.weight.double(), base_q.bias.double())
    for k, (sample, name) in enumerate(rows):
        t = TEAM.index(name)
        h = sum(x[j] @ down[TEAM.index(n)] for j, (s, n) in enumerate(rows) if s == sample)
        expected[k] += h @ up[t] + bias[t]
    torch.testing.assert_close(y, expected, rtol=1e-5, atol=1e-5)


def test_bf16_checkpoint_keeps_its_dtype_bit_exactly(tmp_path):
    path = tmp_path / "bf16.safetensors"
    written = _hand_written(path, torch.bfloat16)
    config, state = load_checkpoint(path)
    model = adapt(tiny_models.tiny_sd3(), config, state)
    for key, tensor in written.items():
        loaded = model.state_dict()[key]
        assert loaded.dtype == torch.bfloat16 and torch.equal(
            loaded.view(torch.int16), tensor.view(torch.int16)
        )
    rows = config.rows(1)
    family = FAMILIES["sd3"]
    with torch.no_grad(), active(model, rows):
        assert family.call(model, family.make_input(len(rows), 0)).dtype == torch.float32
    resaved = save_checkpoint(model, config, tmp_path / "again.safetensors")
    again = load_file(str(resaved))
    assert all(torch.equal(again[k].view(torch.int16), v.view(torch.int16)) for k, v in written.items())


@pytest.mark.parametrize("name", ["pixel", "sd3", "flux"])
def test_round_trip(tmp_path, name):
    family = FAMILIES[name]
    config = TeamworkConfig(tuple(TEAM), lora_rank=3, base_model="local/base", title="t", resolution="16x16")
    model = adapt(family.build(), config, seed=1)
    randomize_adapters(model, seed=3)
    path = save_checkpoint(model, config, tmp_path / "team.safetensors")
    assert all(".adapter." in k for k in load_file(str(path)))
    loaded_config, state = load_checkpoint(path)
    assert loaded_config == TeamworkConfig(
        tuple(TEAM),
        lora_rank=3,
        profile=family.profile,
        base_model="local/base",
        title="t",
        resolution="16x16",
    )
    again = adapt(family.build(), loaded_config, state)
    rows = config.rows(2)
    x = family.make_input(len(rows), 4)
    with torch.no_grad():
        with active(model, rows):
            y1 = family.call(model, x)
        with active(again, rows):
            y2 = family.call(again, x)
    assert torch.equal(y1, y2)


def test_unknown_keys_are_ignored_and_wrong_layers_are_errors(tmp_path, caplog):
    path = tmp_path / "extra.safetensors"
    tensors = _hand_written(path, torch.float32)
    save_file({**tensors, "some.other.tensor": torch.zeros(2)}, str(path), metadata=META)
    config, state = load_checkpoint(path)
    with caplog.at_level(logging.WARNING):
        model = adapt(tiny_models.tiny_sd3(), config, state)
    assert "non-adapter keys" in caplog.text
    assert len(adapted_layers(model)) == 2
    bad = {
        **tensors,
        "transformer_blocks.9.attn.to_q.adapter.down": torch.zeros(3, 16, 2),
        "transformer_blocks.9.attn.to_q.adapter.up": torch.zeros(3, 2, 16),
    }
    with pytest.raises(ValueError, match="lacks"):
        adapt(tiny_models.tiny_sd3(), config, bad)
    wrong = {**tensors, "transformer_blocks.0.attn.to_q.adapter.up": torch.zeros(3, 2, 15)}
    with pytest.raises(ValueError, match="shape"):
        adapt(tiny_models.tiny_sd3(), config, wrong)
    half = {k: v for k, v in tensors.items() if not k.endswith("to_q.adapter.up")}
    with pytest.raises(ValueError, match="needs both"):
        adapt(tiny_models.tiny_sd3(), config, half)


def test_bad_files_give_clear_errors(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00\x01 not a safetensors file at all" * 10)
    with pytest.raises(TeamworkCheckpointError, match="not a readable .safetensors file"):
        load_checkpoint(junk)
    plain = tmp_path / "plain.safetensors"
    save_file({"weight": torch.zeros(2)}, str(plain), metadata={"format": "pt"})
    with pytest.raises(TeamworkCheckpointError, match="not a Teamwork checkpoint"):
        load_checkpoint(plain)
    truncated = tmp_path / "truncated.safetensors"
    _hand_written(truncated)
    truncated.write_bytes(truncated.read_bytes()[:-40])
    with pytest.raises(TeamworkCheckpointError):
        load_checkpoint(truncated)
    mismatch = tmp_path / "mismatch.safetensors"
    save_file(
        {"a.adapter.down": torch.zeros(2, 4, 2), "a.adapter.up": torch.zeros(2, 2, 4)},
        str(mismatch),
        metadata=META,
    )
    with pytest.raises(TeamworkCheckpointError, match="teammates"):
        load_checkpoint(mismatch)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.safetensors")
