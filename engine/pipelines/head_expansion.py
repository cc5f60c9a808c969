"""Head-expansion baseline (the ablation): widen the UNet's first and last conv, fine-tune everything.

The widened UNet reads ``3*(O+I)`` channels — the O noisy outputs, then the I clean inputs (zeros
when an example lacks one) — and writes ``3*O``. New input weights are zero except that each output
slot starts from the original conv_in weights divided by O; conv_out is repeated per output. This is
the usual "concatenate the condition and zero-init" recipe that Teamwork is compared against.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.pipelines.base import TeamworkPipeline
from engine.tasks import encode, split_teammate


def _split(teammates: list[str]) -> tuple[list[str], list[str]]:
    ins = [t for t in teammates if split_teammate(t)[1] == "in"]
    outs = [t for t in teammates if split_teammate(t)[1] == "out"]
    return ins, outs


def widen(unet: nn.Module, teammates: list[str]) -> nn.Module:
    """A new `UNet2DModel` with widened conv_in/conv_out, initialised from ``unet`` (left untouched)."""
    from diffusers import UNet2DModel

    ins, outs = _split(teammates)
    if not outs:
        raise ValueError("Head expansion needs at least one output teammate.")
    config = dict(unet.config)
    config.update(in_channels=3 * (len(outs) + len(ins)), out_channels=3 * len(outs))
    wide = UNet2DModel.from_config(config)
    state = {k: v for k, v in unet.state_dict().items() if not k.startswith(("conv_in.", "conv_out."))}
    wide.load_state_dict(state, strict=False)
    with torch.no_grad():
        w_in = torch.zeros_like(wide.conv_in.weight)
        for k in range(len(outs)):
            w_in[:, 3 * k:3 * k + 3] = unet.conv_in.weight / len(outs)
        wide.conv_in.weight.copy_(w_in)
        wide.conv_in.bias.copy_(unet.conv_in.bias)
        wide.conv_out.weight.copy_(unet.conv_out.weight.repeat(len(outs), 1, 1, 1))
        wide.conv_out.bias.copy_(unet.conv_out.bias.repeat(len(outs)))
    return wide


def expansion_loss(trainer, examples, timestep: int | None = None) -> torch.Tensor:
    """The baseline's diffusion loss on a (possibly heterogeneous) batch."""
    from engine.pipelines.train import weighted_mse

    ins, outs = _split(trainer.teammates)
    size = trainer.config.train.size
    b = len(examples)
    x0 = torch.zeros(b, len(outs), 3, size, size)
    cond = torch.zeros(b, len(ins), 3, size, size)
    weights = torch.zeros(b, len(outs), 1, size, size)
    for s, example in enumerate(examples):
        for k, teammate in enumerate(ins):
            component = split_teammate(teammate)[0]
            if component in example.maps:
                cond[s, k] = encode(component, example.maps[component][None])[0]
        for k, teammate in enumerate(outs):
            component = split_teammate(teammate)[0]
            if component in example.maps:
                x0[s, k] = encode(component, example.maps[component][None])[0]
                w = example.weights.get(component)
                weights[s, k] = 1 if w is None else w
    x0, cond, weights = (x.to(trainer.device) for x in (x0, cond, weights))
    t = trainer._timesteps(list(range(b)), timestep)
    noise = torch.randn(x0.shape, generator=trainer.generator).to(trainer.device)
    t_rows = t.repeat_interleave(len(outs))
    noisy = trainer.noise_scheduler.add_noise(x0.flatten(0, 1), noise.flatten(0, 1), t_rows)
    target = trainer.target(x0.flatten(0, 1), noise.flatten(0, 1), t_rows)
    x = torch.cat([noisy.unflatten(0, (b, len(outs))).flatten(1, 2), cond.flatten(1, 2)], dim=1)
    with trainer._autocast():
        prediction = trainer.forward_model(x, t).sample
    is_out = torch.ones(b * len(outs), dtype=torch.bool, device=trainer.device)
    return weighted_mse(prediction.unflatten(1, (len(outs), 3)).flatten(0, 1), target,
                        weights.flatten(0, 1), is_out)


class HeadExpansionPipeline(TeamworkPipeline):
    """Sampling with a widened UNet: all outputs are denoised together in one forward."""

    family = "head_expansion"

    def __init__(self, unet: nn.Module, scheduler_config: dict, teammates: list[str],
                 device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> None:
        super().__init__(unet, scheduler_config, teammates, None, None, device, dtype)

    @property
    def size_factor(self) -> int:
        return 2 ** (len(self.denoiser.config.block_out_channels) - 1)

    def predict(self, x: torch.Tensor, t: torch.Tensor, names: list[str], outputs: int) -> torch.Tensor:
        ins, outs = _split(self.teammates)
        n, _, c, h, w = x.shape
        given = dict(zip(names, x.unbind(1), strict=True))
        zeros = x.new_zeros(n, c, h, w)
        slots = [given.get(name, zeros) for name in outs + ins]
        stacked = torch.stack(slots, dim=1).flatten(1, 2).to(self.dtype)
        timestep = t.to(self.device).expand(n) if t.ndim == 0 else t
        out = self.denoiser(stacked, timestep).sample.unflatten(1, (len(outs), 3))
        requested = names[len(names) - outputs:]
        return torch.stack([out[:, outs.index(name)] for name in requested], dim=1)
