"""The adapter math against a direct implementation of the formula, on single layers."""

import threading

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from engine.teamwork import TeamworkConfig, active, adapt, adapted_layers, trainable_parameters
from tests import tiny_models

TEAM = ("image.in", "halfway.in", "diffuse.out", "normals.out", "roughness.out")
CFG = TeamworkConfig(TEAM, lora_rank=3)
# mixed samples, partial teams, interleaved order (the generic gather/index_add path)
MIXED = [
    (7, "diffuse.out"),
    (2, "image.in"),
    (7, "image.in"),
    (2, "normals.out"),
    (7, "roughness.out"),
    (2, "halfway.in"),
    (5, "image.in"),
]


def reference_offset(x, adapter, rows, communicate):
    """y_k offset = U_i h + b_i, h = sum_{rows j of the same sample} D_j x_j (x: [B, L, n], float64)."""
    names = [r[1] for r in rows]
    t = [TEAM.index(n) for n in names]
    down, up = adapter.down.double(), adapter.up.double()
    out = []
    for k, (sample, _) in enumerate(rows):
        if communicate:
            h = sum(x[j] @ down[t[j]] for j, (s, _) in enumerate(rows) if s == sample)
        else:
            h = x[k] @ down[t[k]]
        o = h @ up[t[k]]
        if adapter.bias is not None:
            o = o + adapter.bias.double()[t[k]]
        out.append(o)
    return torch.stack(out)


def randomize(model, seed=0):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in adapted_layers(model).values():
            for p in layer.adapter.parameters():
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype) * 0.5)


def linear_model(communicate=True, bias=True):
    base = nn.Sequential(nn.Linear(6, 5, bias=bias)).requires_grad_(False)
    cfg = TeamworkConfig(TEAM, lora_rank=3, lora_communication=communicate)
    model = adapt(base, cfg, patterns=["0"])
    randomize(model)
    return base, model


@pytest.mark.parametrize("communicate", [True, False])
@pytest.mark.parametrize(
    "rows",
    [MIXED, CFG.rows(2), CFG.rows(1, ["normals.out", "image.in"]), CFG.rows(3, ["image.in", "diffuse.out"])],
)
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_linear_matches_formula(communicate, rows, shape):
    base, model = linear_model(communicate)
    x = torch.randn(len(rows), *shape, 6)
    with torch.no_grad(), active(model, rows):
        y = model(x)
    x3 = x.reshape(len(rows), -1, 6).double()
    expected = base(x).double() + reference_offset(x3, model[0].adapter, rows, communicate).reshape(y.shape)
    torch.testing.assert_close(y.double(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("communicate", [True, False])
def test_conv_matches_formula_per_pixel(channels_last, communicate):
    base = nn.Sequential(nn.Conv2d(4, 6, 3, padding=1)).requires_grad_(False)
    model = adapt(base, TeamworkConfig(TEAM, lora_rank=3, lora_communication=communicate), patterns=["0"])
    randomize(model, 1)
    x = torch.randn(len(MIXED), 4, 5, 7)
    if channels_last:
        x = x.to(memory_format=torch.channels_last)
    with torch.no_grad(), active(model, MIXED):
        y = model(x)
    pixels = x.permute(0, 2, 3, 1).reshape(len(MIXED), -1, 4).double()
    offset = reference_offset(pixels, model[0].adapter, MIXED, communicate)
    expected = base(x).double() + offset.reshape(len(MIXED), 5, 7, 6).permute(0, 3, 1, 2)
    torch.testing.assert_close(y.double(), expected, rtol=1e-5, atol=1e-5)
    assert y.stride() == base(x).stride()


def test_row_order_does_not_matter():
    """The grouped fast path and the generic index_add path agree."""
    _, model = linear_model()
    rows = CFG.rows(2)
    perm = torch.randperm(len(rows), generator=torch.Generator().manual_seed(3))
    x = torch.randn(len(rows), 4, 6)
    with torch.no_grad():
        with active(model, rows):
            y = model(x)
        with active(model, [rows[i] for i in perm]):
            y_perm = model(x[perm])
    torch.testing.assert_close(y_perm, y[perm], rtol=1e-6, atol=1e-6)


def test_inactive_teammate_weights_change_nothing_and_samples_do_not_leak():
    _, model = linear_model()
    x = torch.randn(len(MIXED), 4, 6)
    with torch.no_grad(), active(model, MIXED):
        y = model(x)
        model[0].adapter.down[TEAM.index("halfway.in")] += 1.0  # active for sample 2 only
        model[0].adapter.up[TEAM.index("halfway.in")] += 1.0
        y2 = model(x)
    rows_of_2 = [k for k, (s, _) in enumerate(MIXED) if s == 2]
    others = [k for k in range(len(MIXED)) if k not in rows_of_2]
    assert torch.equal(y[others], y2[others])
    assert not torch.allclose(y[rows_of_2], y2[rows_of_2])


def test_adapter_dtype_differs_from_base():
    base = nn.Sequential(nn.Linear(6, 5)).requires_grad_(False)
    model = adapt(base, CFG, patterns=["0"], dtype=torch.float64)
    randomize(model)
    assert model[0].adapter.down.dtype == torch.float64
    rows = CFG.rows(1)
    x = torch.randn(len(rows), 2, 6)
    with torch.no_grad(), active(model, rows):
        y = model(x)
    assert y.dtype == torch.float32
    expected = base(x).double() + reference_offset(x.double(), model[0].adapter, rows, True)
    torch.testing.assert_close(y, expected.float())
    bf16 = adapt(nn.Sequential(nn.Linear(6, 5)).to(torch.bfloat16), CFG, patterns=["0"])
    with torch.no_grad(), active(bf16, rows):
        assert bf16(x.bfloat16()).dtype == torch.bfloat16
    assert bf16[0].adapter.down.dtype == torch.float32


def test_training_updates_adapters_only_and_base_stays_trainable_elsewhere():
    base = tiny_models.tiny_mlp()
    model = adapt(base, CFG, patterns=["fc1", "fc2"], seed=0)
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert {id(p) for p in trainable} == {id(p) for p in trainable_parameters(model)}
    assert all(p.requires_grad for p in base.parameters())  # the original's flags are its own
    rows = CFG.rows(2)
    with active(model, rows):
        loss = model(torch.randn(len(rows), 3, 8)).square().mean()
    loss.backward()
    assert all(p.grad is not None for p in trainable_parameters(model))
    assert all(p.grad is None for p in base.parameters())
    # U = 0 at init: only U (and the bias) get a gradient signal through the offset
    assert model.fc1.adapter.up.grad.abs().sum() > 0


def test_seeded_init_is_reproducible_and_standard():
    a = adapt(tiny_models.tiny_mlp(), CFG, patterns=["fc1"], seed=4)
    b = adapt(tiny_models.tiny_mlp(), CFG, patterns=["fc1"], seed=4)
    assert torch.equal(a.fc1.adapter.down, b.fc1.adapter.down)
    assert torch.count_nonzero(a.fc1.adapter.up) == 0 and torch.count_nonzero(a.fc1.adapter.bias) == 0
    assert 0.01 < a.fc1.adapter.down.std().item() < 0.03


def test_clear_errors():
    _, model = linear_model()
    with pytest.raises(RuntimeError, match="without active rows"):
        model(torch.randn(2, 6))
    with pytest.raises(ValueError, match="batch has 3 rows"), active(model, CFG.rows(1, ["image.in"])):
        model(torch.randn(3, 6))
    with pytest.raises(ValueError, match="appears twice"), active(model, [(0, "image.in"), (0, "image.in")]):
        pass
    with pytest.raises(ValueError, match="Unknown teammate"), active(model, [(0, "depth.out")]):
        pass
    with pytest.raises(ValueError, match="already Teamwork-adapted"):
        adapt(model, CFG, patterns=["0"])
    with pytest.raises(ValueError, match="not Linear or Conv2d"):
        adapt(nn.Sequential(nn.GELU()), CFG, patterns=["0"])
    with pytest.raises(ValueError, match="stride-1"):
        adapt(nn.Sequential(nn.Conv2d(3, 3, 3, stride=2)), CFG, patterns=["0"])
    with pytest.raises(TypeError, match="not adapted"), active(nn.Linear(2, 2), [(0, "image.in")]):
        pass


def test_rows_are_per_thread():
    _, model = linear_model()
    jobs = [CFG.rows(2), MIXED, CFG.rows(1, ["image.in", "diffuse.out"])]
    inputs = [
        torch.randn(len(rows), 16, 6, generator=torch.Generator().manual_seed(i))
        for i, rows in enumerate(jobs)
    ]
    with torch.no_grad():
        expected = []
        for rows, x in zip(jobs, inputs, strict=True):
            with active(model, rows):
                expected.append(model(x))
    results: dict[int, list] = {i: [] for i in range(len(jobs))}
    barrier = threading.Barrier(len(jobs))

    def work(i):
        barrier.wait()
        for _ in range(20):
            with torch.no_grad(), active(model, jobs[i]):
                results[i].append(model(inputs[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(len(jobs)):
        assert len(results[i]) == 20
        assert all(torch.equal(r, expected[i]) for r in results[i])


def test_deepcopy_of_an_adapted_model_has_its_own_rows():
    import copy

    _, model = linear_model()
    twin = copy.deepcopy(model)
    x = torch.randn(2, 6)
    with torch.no_grad(), active(model, CFG.rows(1, ["image.in", "diffuse.out"])):
        y = model(x)
        with pytest.raises(RuntimeError, match="without active rows"):
            twin(x)
        with active(twin, CFG.rows(1, ["image.in", "diffuse.out"])):
            assert torch.equal(twin(x), y)


def test_rows_accept_numpy_ints_and_reject_foreign_selections():
    import numpy as np

    from engine.teamwork import Selection

    _, model = linear_model()
    rows = [(np.int64(0), "image.in"), (np.int64(1), "image.in")]
    with torch.no_grad(), active(model, rows) as selection:
        assert selection.num_samples == 2 and model(torch.randn(2, 6)).shape == (2, 5)
    with pytest.raises(ValueError, match="non-negative"), active(model, [(-1, "image.in")]):
        pass
    with pytest.raises(ValueError, match="non-negative"), active(model, [(True, "image.in")]):
        pass
    other = Selection.build(TeamworkConfig(("image.in", "depth.out")), [(0, "image.in")])
    with pytest.raises(ValueError, match="another team"), active(model, other):
        pass


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.sampled_from(TEAM)), min_size=1, max_size=10, unique=True),
    st.booleans(),
    st.integers(1, 3),
)
def test_any_rows_match_the_formula(rows, communicate, tokens):
    base, model = linear_model(communicate)
    x = torch.randn(len(rows), tokens, 6, generator=torch.Generator().manual_seed(len(rows)))
    with torch.no_grad(), active(model, rows):
        y = model(x)
    expected = base(x).double() + reference_offset(x.double(), model[0].adapter, rows, communicate)
    torch.testing.assert_close(y.double(), expected, rtol=1e-5, atol=1e-5)
