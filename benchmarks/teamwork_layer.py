"""Teamwork layer and model benchmarks (issue 3); figures go to a JSON file.

1. Model: adapted fwd+bwd / plain batched base fwd+bwd, 6 teammates, rank 16, on a pixel
   UNet2DModel and a small SD3 transformer (goal <= 1.15).
2. Layer: our adapter's own cost vs a direct three-operand einsum of the official math on the same
   shapes (2 samples x 6 teammates, r=64, n=m=1536, 4096 tokens): goal >= 3x, max rel diff <= 1e-5.
3. GPU only: the overhead ratio on an SD3-medium-shaped transformer (bf16, 128x128 latents).

    .venv/bin/python benchmarks/teamwork_layer.py --device cpu --out docs/benchmarks/teamwork.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import torch

from engine.teamwork import TeamworkConfig, active, adapt, adapted_layers, layers
from engine.teamwork.layers import TeamAdapter, team_offset_last
from engine.teamwork.selection import Selection

TEAM6 = ("image.in", "halfway.in", "diffuse.out", "specular.out", "roughness.out", "normals.out")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed_pair(fa: Callable[[], object], fb: Callable[[], object], device: torch.device, reps: int):
    """Best-of-`reps` seconds of two functions, run alternately (fair on a busy machine)."""
    # one CPU thread: count the thread's CPU time, which a busy shared machine barely disturbs
    clock = time.thread_time if device.type == "cpu" and torch.get_num_threads() == 1 else time.perf_counter
    best = [float("inf"), float("inf")]
    for fn in (fa, fb):  # warm-up
        fn()
    for _ in range(reps):
        for i, fn in enumerate((fa, fb)):
            _sync(device)
            start = clock()
            fn()
            _sync(device)
            best[i] = min(best[i], clock() - start)
    return best[0], best[1]


# -- 2. the layer ------------------------------------------------------------------------------
def official_offset(y, x, adapter: TeamAdapter, teammate_index, batch_matrix):
    """The official math as written there: three-operand einsums with a row x sample matrix."""
    down = adapter.down.index_select(0, teammate_index)
    up = adapter.up.index_select(0, teammate_index)
    hidden = torch.einsum("t...i,tir,tb->b...r", x, down, batch_matrix)
    out = y + torch.einsum("b...r,tro,tb->t...o", hidden, up, batch_matrix)
    return out + adapter.bias.index_select(0, teammate_index).unsqueeze(1)


def layer_benchmark(device, dtype, tokens, width, rank, samples, teammates, reps) -> dict:
    gen = torch.Generator(device="cpu").manual_seed(0)
    config = TeamworkConfig(TEAM6[:teammates], lora_rank=rank)
    rows = config.rows(samples)
    selection = Selection.build(config, rows)
    batch = len(rows)
    linear = torch.nn.Linear(width, width).to(device, dtype).requires_grad_(False)
    adapter = TeamAdapter(teammates, width, width, rank, bias=True, device=device, dtype=dtype)
    with torch.no_grad():
        for p in adapter.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
    x = torch.randn(batch, tokens, width, generator=gen).to(device, dtype)
    tidx, sidx = selection.on(device)
    batch_matrix = torch.nn.functional.one_hot(sidx, samples).to(dtype)
    model = adapt(
        torch.nn.Sequential(linear), config, {f"0.adapter.{k}": v for k, v in adapter.state_dict().items()}
    )

    with torch.no_grad():
        y = linear(x)
        ours = team_offset_last(y, x, adapter, selection, True)
        ref = official_offset(y.double(), x.double(), adapter.double(), tidx, batch_matrix.double())
        theirs = official_offset(y, x, adapter.to(dtype), tidx, batch_matrix)
        max_rel = ((ours.double() - ref).abs().max() / ref.abs().max()).item()
        max_rel_official = ((theirs.double() - ref).abs().max() / ref.abs().max()).item()
        del ref, theirs, ours
        with active(model, rows):
            t_linear, t_adapted = timed_pair(lambda: linear(x), lambda: model(x), device, reps)
            layers._FUSE_DISABLED = True
            _, t_unfused = timed_pair(lambda: None, lambda: model(x), device, reps)
            layers._FUSE_DISABLED = False
        t_ours, t_official = timed_pair(
            lambda: team_offset_last(y, x, adapter, selection, True),
            lambda: official_offset(y, x, adapter, tidx, batch_matrix),
            device,
            reps,
        )
    adapter_cost = max(t_adapted - t_linear, 1e-9)
    return {
        "shapes": {
            "samples": samples,
            "teammates": teammates,
            "rank": rank,
            "n": width,
            "m": width,
            "tokens": tokens,
        },
        "dtype": str(dtype).removeprefix("torch."),
        "ms_plain_linear": 1e3 * t_linear,
        "ms_adapted_layer": 1e3 * t_adapted,
        "ms_adapted_layer_unfused": 1e3 * t_unfused,
        "ms_our_offset": 1e3 * t_ours,
        "ms_official_einsum_offset": 1e3 * t_official,
        "speedup_offset_vs_official": t_official / t_ours,
        "speedup_adapted_minus_linear_vs_official": t_official / adapter_cost,
        "max_rel_diff_vs_fp64": max_rel,
        "max_rel_diff_official_vs_fp64": max_rel_official,
        "opt_einsum": torch.backends.opt_einsum.is_available(),
    }


# -- 1. and 3. whole models ---------------------------------------------------------------------
def pixel_unet(device, dtype, size):
    from diffusers import UNet2DModel

    torch.manual_seed(0)
    model = UNet2DModel(
        sample_size=size,
        in_channels=3,
        out_channels=3,
        layers_per_block=1,
        block_out_channels=(64, 128, 256),
        down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
        norm_num_groups=8,
        attention_head_dim=32,
    ).to(device, dtype)
    return model, (lambda m, x: m(x, 10).sample), (3, size, size)


def sd3(device, dtype, layers, heads, head_dim, latent):
    from diffusers import SD3Transformer2DModel

    torch.manual_seed(0)
    model = SD3Transformer2DModel(
        sample_size=latent,
        patch_size=2,
        in_channels=16,
        out_channels=16,
        num_layers=layers,
        attention_head_dim=head_dim,
        num_attention_heads=heads,
        joint_attention_dim=4096 if heads >= 24 else 64,
        caption_projection_dim=heads * head_dim,
        pooled_projection_dim=2048 if heads >= 24 else 32,
        pos_embed_max_size=max(192, latent // 2),
    ).to(device, dtype)
    ctx = model.config.joint_attention_dim
    pooled = model.config.pooled_projection_dim

    def call(m, x):
        b = x.shape[0]
        return m(
            hidden_states=x,
            encoder_hidden_states=torch.zeros(b, 77, ctx, device=x.device, dtype=x.dtype),
            pooled_projections=torch.zeros(b, pooled, device=x.device, dtype=x.dtype),
            timestep=torch.full((b,), 500.0, device=x.device),
        ).sample

    return model, call, (16, latent, latent)


def model_benchmark(name, built, device, dtype, rank, reps, adapter_dtype=None) -> dict:
    base, call, shape = built
    base.requires_grad_(False)
    config = TeamworkConfig(TEAM6, lora_rank=rank)
    model = adapt(base, config, seed=0, dtype=adapter_dtype or dtype)
    with torch.no_grad():
        for layer in adapted_layers(model).values():
            layer.adapter.up.normal_(0, 0.01)
    rows = config.rows(1)
    x = torch.randn(len(rows), *shape, generator=torch.Generator().manual_seed(0)).to(device, dtype)

    def plain():
        xi = x.clone().requires_grad_(True)
        call(base, xi).float().square().mean().backward()

    def adapted():
        xi = x.clone().requires_grad_(True)
        with active(model, rows):
            call(model, xi).float().square().mean().backward()
        for p in model.parameters():
            p.grad = None

    t_plain, t_adapted = timed_pair(plain, adapted, device, reps)
    return {
        "model": name,
        "teammates": len(TEAM6),
        "rank": rank,
        "dtype": str(dtype).removeprefix("torch."),
        "adapted_layers": len(adapted_layers(model)),
        "input_shape": [len(rows), *shape],
        "ms_plain_fwd_bwd": 1e3 * t_plain,
        "ms_adapted_fwd_bwd": 1e3 * t_adapted,
        "ratio": t_adapted / t_plain,
    }


def _models(device, reps) -> list[dict]:
    f32 = torch.float32
    return [
        model_benchmark(
            "UNet2DModel pixel 64px (64/128/256)", pixel_unet(device, f32, 64), device, f32, 16, reps
        ),
        model_benchmark(
            "SD3Transformer2DModel small (4 blocks x 512, 32x32 latents)",
            sd3(device, f32, 4, 8, 64, 32),
            device,
            f32,
            16,
            reps,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks/teamwork.json"))
    parser.add_argument("--tokens", type=int, default=4096, help="tokens of the layer benchmark")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")
    parser.add_argument("--part", choices=["all", "layer", "models"], default="all")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    results: dict = {
        "command": "benchmarks/teamwork_layer.py " + " ".join(f"--{k} {v}" for k, v in vars(args).items()),
        "device": torch.cuda.get_device_name(device)
        if cuda
        else f"cpu ({platform.processor() or 'unknown'})",
        "threads": torch.get_num_threads(),
        "clock": "thread CPU time" if device.type == "cpu" and torch.get_num_threads() == 1 else "wall",
        "torch": torch.__version__,
    }
    if args.part in ("all", "layer"):
        results["layer_fp32"] = layer_benchmark(device, torch.float32, args.tokens, 1536, 64, 2, 6, args.reps)
        print(json.dumps(results["layer_fp32"], indent=1))
    if args.part in ("all", "models"):
        results["models"] = _models(device, args.reps)
        print(json.dumps(results["models"], indent=1))
    if cuda:
        results["layer_bf16"] = layer_benchmark(
            device, torch.bfloat16, args.tokens, 1536, 64, 2, 6, args.reps
        )
        medium = sd3(device, torch.bfloat16, 24, 24, 64, 128)
        results["sd3_medium_bf16"] = model_benchmark(
            "SD3-medium-shaped transformer, 1024px (128x128 latents)",
            medium,
            device,
            torch.bfloat16,
            64,
            args.reps,
        )
        print(json.dumps(results["sd3_medium_bf16"], indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
