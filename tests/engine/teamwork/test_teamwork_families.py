"""Whole tiny models of every family: exactness at init, base untouched, communication rules."""

import pytest
import torch

from engine.teamwork import TeamworkConfig, active, adapt, adapted_layers, teamwork_config
from tests.engine.teamwork.families import TEAM, randomize_adapters

CFG = TeamworkConfig(TEAM, lora_rank=4, profile="auto")
ROWS = CFG.rows(2)  # sample 0: rows 0..3, sample 1: rows 4..7


def test_init_equals_plain_batching_exactly(family):
    base = family.build().requires_grad_(False)
    model = adapt(base, CFG, seed=0)
    assert teamwork_config(model).profile == family.profile
    assert len(adapted_layers(model)) == family.num_layers
    assert all(layer.adapter.down.abs().sum() > 0 for layer in adapted_layers(model).values())
    x = family.make_input(len(ROWS), 0)
    with torch.no_grad():
        expected = family.call(base, x)
        with active(model, ROWS):
            got = family.call(model, x)
    assert torch.equal(got, expected)


def test_base_model_untouched(family):
    base = family.build()
    snapshot = {k: v.clone() for k, v in base.state_dict().items()}
    types = {name: type(m) for name, m in base.named_modules()}
    flags = {name: p.requires_grad for name, p in base.named_parameters()}
    x = family.make_input(len(ROWS), 1)
    with torch.no_grad():
        before = family.call(base, x)
    model = adapt(base, CFG, seed=0)
    randomize_adapters(model)
    with active(model, ROWS):
        family.call(model, x).square().mean().backward()
    assert {name: type(m) for name, m in base.named_modules()} == types
    assert {name: p.requires_grad for name, p in base.named_parameters()} == flags
    state = base.state_dict()
    assert state.keys() == snapshot.keys() and all(torch.equal(state[k], v) for k, v in snapshot.items())
    assert not any("adapter" in k for k in state)
    with torch.no_grad():
        assert torch.equal(family.call(base, x), before)
    # weights are shared, not copied
    base_ptrs = {p.data_ptr() for p in base.parameters()}
    adapted_base = [p for p in model.parameters() if not p.requires_grad]
    assert adapted_base and all(p.data_ptr() in base_ptrs for p in adapted_base)


def _run(model, family, x, rows=ROWS):
    with torch.no_grad(), active(model, rows):
        return family.call(model, x)


@pytest.mark.parametrize("communicate", [True, False])
def test_communication_rules(family, communicate):
    base = family.build().requires_grad_(False)
    cfg = TeamworkConfig(TEAM, lora_rank=4, lora_communication=communicate)
    model = adapt(base, cfg, seed=0)
    randomize_adapters(model, seed=1)
    x = family.make_input(len(ROWS), 2)
    y = _run(model, family, x)
    x2 = x.clone()
    x2[0] += torch.randn(x2[0].shape, generator=torch.Generator().manual_seed(9))  # sample 0, image.in
    y2 = _run(model, family, x2)
    out = ROWS.index((0, "diffuse.out"))
    changed = (y2[out] - y[out]).abs().max().item()
    if communicate:
        assert changed > 1e-4
    else:
        assert changed < 1e-6
    torch.testing.assert_close(y2[4:], y[4:], rtol=0, atol=1e-6)  # sample 1 never sees sample 0


def test_inactive_teammate_weights_change_nothing(family):
    base = family.build().requires_grad_(False)
    model = adapt(base, CFG, seed=0)
    randomize_adapters(model, seed=2)
    rows = [(0, "image.in"), (0, "diffuse.out"), (3, "halfway.in"), (3, "image.in"), (3, "diffuse.out")]
    x = family.make_input(len(rows), 3)
    y = _run(model, family, x, rows)
    with torch.no_grad():
        for layer in adapted_layers(model).values():
            for p in layer.adapter.parameters():
                p[TEAM.index("normals.out")] += 3.0
    assert torch.equal(_run(model, family, x, rows), y)
    with torch.no_grad():
        for layer in adapted_layers(model).values():
            layer.adapter.up[TEAM.index("halfway.in")] += 3.0
    y3 = _run(model, family, x, rows)
    assert torch.equal(y3[:2], y[:2]) and not torch.allclose(y3[2:], y[2:])


def test_named_profile_must_fit_the_model(family):
    other = "SD3" if family.profile != "SD3" else "FLUX"
    with pytest.raises(ValueError, match="is for"):
        adapt(family.build(), TeamworkConfig(TEAM, profile=other))
    model = adapt(family.build(), TeamworkConfig(TEAM, lora_rank=2, profile=family.profile.lower()))
    assert len(adapted_layers(model)) == family.num_layers


@pytest.mark.parametrize("name", ["sd3", "sd2"])
def test_gradient_checkpointing_keeps_rows_for_backward_outside_the_block(name):
    from engine.teamwork import gradient_checkpointing_func, trainable_parameters
    from tests.engine.teamwork.families import FAMILIES

    family = FAMILIES[name]
    grads = []
    for checkpointing in (False, True):
        model = adapt(family.build(), CFG, seed=0)
        randomize_adapters(model, seed=5)
        if checkpointing and name == "sd3":
            model.enable_gradient_checkpointing(gradient_checkpointing_func(model))
        elif checkpointing:
            model.enable_gradient_checkpointing()  # the adapted model's default keeps the rows too
        model.train()
        with active(model, ROWS):
            loss = family.call(model, family.make_input(len(ROWS), 6)).square().mean()
        loss.backward()  # outside the block: recomputation needs the captured rows
        grads.append([p.grad.clone() for p in trainable_parameters(model)])
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)
