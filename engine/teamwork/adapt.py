"""`adapt`: one structural copy, one module walk, one dispatch over layer factories.

The adapted model is a *structural* copy of the base: every module object is new (so the base's
module tree is never edited), but every parameter and buffer shares storage with the base (nothing
is copied). Base parameters of the copy are distinct `nn.Parameter` objects with
`requires_grad=False`, so freezing them for training leaves the original model's flags alone, and
`.to(...)` on the adapted model does not move the original. Attributes that reference modules
outside the `_modules` tree (rare in diffusers) keep pointing at the original objects.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import types
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from engine.teamwork.config import TeamworkConfig
from engine.teamwork.layers import LAYER_FACTORIES, TeamAdapter, TeamworkLayerMixin
from engine.teamwork.profiles import Profile, resolve_profile
from engine.teamwork.selection import Team
from engine.teamwork.training import gradient_checkpointing_func as teamwork_checkpointing

logger = logging.getLogger(__name__)

ADAPTER_SUFFIXES = (".adapter.down", ".adapter.up", ".adapter.bias")
_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_pre_hooks",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_pre_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_state_dict_hooks",
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


def structural_copy(module: nn.Module, memo: dict[int, nn.Module] | None = None) -> nn.Module:
    """New module objects over the same parameter/buffer storage (frozen parameter aliases)."""
    memo = {} if memo is None else memo
    if id(module) in memo:
        return memo[id(module)]
    clone = type(module).__new__(type(module))
    clone.__dict__.update(module.__dict__)
    memo[id(module)] = clone
    for name in _HOOK_DICTS:
        if name in module.__dict__:
            clone.__dict__[name] = type(module.__dict__[name])(module.__dict__[name])
    clone.__dict__["_buffers"] = dict(module._buffers)
    clone.__dict__["_parameters"] = {
        name: None if p is None else nn.Parameter(p.detach(), requires_grad=False)
        for name, p in module._parameters.items()
    }
    clone.__dict__["_modules"] = {
        name: None if child is None else structural_copy(child, memo)
        for name, child in module._modules.items()
    }
    return clone


def _split_state(state: Mapping[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
    """Group adapter tensors by module path; other keys are ignored with a warning."""
    groups: dict[str, dict[str, torch.Tensor]] = {}
    ignored = []
    for key, tensor in state.items():
        suffix = next((s for s in ADAPTER_SUFFIXES if key.endswith(s)), None)
        if suffix is None:
            ignored.append(key)
            continue
        groups.setdefault(key[: -len(suffix)], {})[suffix.rsplit(".", 1)[1]] = tensor
    if ignored:
        logger.warning(
            "Ignoring %d non-adapter keys in the Teamwork state, e.g. %s", len(ignored), ignored[0]
        )
    for path, parts in groups.items():
        if "down" not in parts or "up" not in parts:
            raise ValueError(f"The Teamwork state for {path!r} needs both adapter.down and adapter.up.")
    return groups


def _check_shapes(path: str, parts: dict[str, torch.Tensor], adapter: TeamAdapter) -> None:
    for name, tensor in parts.items():
        expected = tuple(getattr(adapter, name).shape)
        if tuple(tensor.shape) != expected:
            raise ValueError(
                f"Adapter {path}.adapter.{name} has shape {tuple(tensor.shape)}; the model needs {expected}."
            )


def adapt(
    model: nn.Module,
    config: TeamworkConfig,
    state: Mapping[str, torch.Tensor] | None = None,
    *,
    dtype: torch.dtype | None = None,
    seed: int | None = None,
    patterns: Sequence[str] | None = None,
) -> nn.Module:
    """Return a Teamwork-adapted model sharing `model`'s weights; `model` itself is left untouched.

    Without `state`, the config's profile picks the layers and adapters get the standard init
    (D ~ N(0, 0.02^2), U = 0, b = 0; `seed` makes it reproducible). With `state` (official keys),
    its keys pick the layers and its tensors are loaded bit-exactly. Adapters live in `dtype`
    (default: the state's dtype, else float32) on each base layer's device. Base parameters of
    the result are frozen; `trainable_parameters(result)` yields the adapters only.
    `patterns` (module-path globs, `*` = one segment) replace the profile's layer choice.
    """
    if not isinstance(config, TeamworkConfig):
        raise TypeError("config must be an engine.teamwork.TeamworkConfig.")
    if hasattr(model, "_teamwork_team"):
        raise ValueError("This model is already Teamwork-adapted; adapt the base model instead.")
    groups = _split_state(state) if state is not None else None
    if dtype is None:
        dtype = next(iter(state.values())).dtype if state else torch.float32
    profile = None
    if patterns is not None:
        profile = Profile(config.profile, type(model).__name__, tuple(patterns))
    elif groups is None:
        profile = resolve_profile(config.profile, model)
    elif str(config.profile).lower() == "auto":
        with contextlib.suppress(ValueError):
            profile = resolve_profile(config.profile, model)
    if profile is not None and str(config.profile).lower() == "auto":
        config = dataclasses.replace(config, profile=profile.name)
    rank = config.lora_rank
    if groups:
        first = next(iter(groups.values()))
        rank = first["down"].shape[-1]
        if rank != config.lora_rank:
            logger.warning(
                "State rank %d differs from config lora_rank %d; using the state's.", rank, config.lora_rank
            )
            config = dataclasses.replace(config, lora_rank=rank)

    team = Team(config)
    adapted = structural_copy(model)
    adapted.__dict__["_teamwork_team"] = team
    if callable(getattr(type(adapted), "enable_gradient_checkpointing", None)):
        # diffusers' default checkpointing would recompute blocks without the active rows
        adapted.__dict__["enable_gradient_checkpointing"] = types.MethodType(_enable_checkpointing, adapted)
    modules = dict(adapted.named_modules())
    if groups is not None:
        missing = [p for p in groups if p not in modules]
        if missing:
            raise ValueError(f"The Teamwork state names layers this model lacks, e.g. {missing[0]!r}.")
        targets = list(groups)
    else:
        targets = [path for path in modules if path and profile.matches(path)]
    if not targets:
        raise ValueError(f"Profile {config.profile!r} matched no layer of {type(model).__name__}.")

    generator = None
    if seed is not None:
        generator = torch.Generator().manual_seed(seed)
    for path in targets:
        base = modules[path]
        device = next((p.device for p in base.parameters()), None)
        use_bias = config.use_bias if groups is None else "bias" in groups[path]
        layer = None
        for factory in LAYER_FACTORIES:
            layer = factory(base, team, rank, use_bias, config.lora_communication, device=device, dtype=dtype)
            if layer is not None:
                break
        if layer is None:
            raise ValueError(
                f"Teamwork cannot adapt {path!r}: {type(base).__name__} is not Linear or Conv2d."
            )
        if groups is not None:
            if use_bias and layer.adapter.bias is None:
                raise ValueError(f"The Teamwork state has a bias for {path!r}, a layer without a bias.")
            _check_shapes(path, groups[path], layer.adapter)
            with torch.no_grad():
                for name, tensor in groups[path].items():
                    getattr(layer.adapter, name).copy_(tensor)
        elif generator is not None:
            with torch.no_grad():
                noise = torch.randn(layer.adapter.down.shape, generator=generator, dtype=torch.float32)
                layer.adapter.down.copy_(noise * 0.02)
        parent_path, _, leaf = path.rpartition(".")
        parent = modules[parent_path] if parent_path else adapted
        parent._modules[leaf] = layer
    logger.info(
        "Teamwork: adapted %d layers (profile %s, rank %d, %d teammates)",
        len(targets),
        config.profile,
        rank,
        config.num_teammates,
    )
    return adapted


def _enable_checkpointing(self: nn.Module, gradient_checkpointing_func=None) -> None:
    """`enable_gradient_checkpointing` of adapted diffusers models: defaults to a checkpointing
    function that keeps the active rows for the recomputation (see training.py)."""
    function = gradient_checkpointing_func or teamwork_checkpointing(self)
    type(self).enable_gradient_checkpointing(self, function)


def teamwork_config(model: nn.Module) -> TeamworkConfig:
    """The (resolved) config of an adapted model."""
    from engine.teamwork.selection import team_of

    return team_of(model).config


def adapted_layers(model: nn.Module) -> dict[str, nn.Module]:
    """Module path -> adapted layer."""
    return {path: m for path, m in model.named_modules() if isinstance(m, TeamworkLayerMixin)}


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The adapter parameters (the only ones with requires_grad after `adapt`)."""
    return [p for layer in adapted_layers(model).values() for p in layer.adapter.parameters()]
