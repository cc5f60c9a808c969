"""Adapter layers: a frozen `nn.Linear` / stride-1 `nn.Conv2d` plus one Teamwork offset.

For batch row k (teammate i of sample s):  y_k = W x_k + U_i h_s + b_i,  h_s = sum_{rows j of s} D_j x_j.

How it is computed (never a [batch, tokens, teammates, out] intermediate):
1. gather the active teammates' D, U, b by row (tiny: [B, n, r], [B, r, m], [B, m]);
2. one batched matmul  x_k @ D_{t_k} -> [B, L, r]  (reads x once, no permute copy of x);
3. mix per sample: a reshape + sum when rows come in equal contiguous groups, else index_add
   (skipped for the independent-LoRA baseline);
4. Linear (same dtype): out = [h | 1] @ [U ; b_i + b_base] (bmm), then the base GEMM accumulates
   onto it (addmm_, beta = 1): the offset and both biases cost no extra pass over the output.
   Conv2d, or adapters in another dtype: y + [h | 1] @ [U ; b] in one baddbmm.
Linear layers are channels-last ([B, L, n]); convs are channels-first ([B, n, H*W]) and use the
transposed products (or channels-last when the conv output is), so no layout is ever permuted.
The offset is computed in the adapter dtype; the result is returned in the base output dtype
and memory layout.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.teamwork.selection import Selection, Team


class TeamAdapter(nn.Module):
    """Parameters of one adapted layer, in the official layout: down [T, n, r], up [T, r, m], bias [T, m]."""

    def __init__(
        self,
        teammates: int,
        in_features: int,
        out_features: int,
        rank: int,
        bias: bool,
        device: torch.device | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.down = nn.Parameter(torch.empty(teammates, in_features, rank, **kw))
        self.up = nn.Parameter(torch.zeros(teammates, rank, out_features, **kw))
        self.bias = nn.Parameter(torch.zeros(teammates, out_features, **kw)) if bias else None
        nn.init.normal_(self.down, mean=0.0, std=0.02)

    @property
    def rank(self) -> int:
        return self.down.shape[2]


def _gathered(
    adapter: TeamAdapter, tidx: torch.Tensor, base_bias: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row down [B, n, r] and up [B, r(+1), m]; the extra row holds b_i (+ a base bias to fold in)."""
    down = adapter.down.index_select(0, tidx)
    up = adapter.up.index_select(0, tidx)
    bias = None if adapter.bias is None else adapter.bias.index_select(0, tidx)
    if base_bias is not None:
        bias = base_bias.to(up.dtype).expand(len(tidx), -1) if bias is None else bias + base_bias
    if bias is not None:
        up = torch.cat([up, bias.unsqueeze(1)], dim=1)
    return down, up


def _mix(h: torch.Tensor, selection: Selection, sidx: torch.Tensor, communicate: bool, ones_dim: int | None):
    """Row-wise h [B, ...] -> per-row sum over the rows of the same sample (or unchanged), with a
    column of ones appended along `ones_dim` when given (added per sample, before broadcasting)."""

    def with_ones(t: torch.Tensor) -> torch.Tensor:
        if ones_dim is None:
            return t
        shape = list(t.shape)
        shape[ones_dim] = 1
        return torch.cat([t, t.new_ones(shape)], dim=ones_dim)

    if not communicate:
        return with_ones(h)
    s, k = selection.num_samples, selection.group_size
    if s == 1:
        return with_ones(h.sum(0, keepdim=True)).expand(h.shape[0], -1, -1)
    if k is not None:
        summed = with_ones(h.unflatten(0, (s, k)).sum(1))
        return summed.unsqueeze(1).expand(s, k, -1, -1).flatten(0, 1)
    summed = h.new_zeros((s, *h.shape[1:])).index_add_(0, sidx, h)
    return with_ones(summed).index_select(0, sidx)


def _hidden_last(
    x: torch.Tensor, adapter: TeamAdapter, selection: Selection, communicate: bool, base_bias=None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Channels-last h [B, L, r(+1)] (a ones column when `up` has a bias row) and up [B, r(+1), m]."""
    tidx, sidx = selection.on(x.device)
    down, up = _gathered(adapter, tidx, base_bias)
    ones = -1 if up.shape[1] > down.shape[2] else None
    return _mix(torch.bmm(x, down), selection, sidx, communicate, ones), up


def team_offset_last(
    y: torch.Tensor, x: torch.Tensor, adapter: TeamAdapter, selection: Selection, communicate: bool
) -> torch.Tensor:
    """Channels-last: y [B, L, m] + offset for x [B, L, n]; all in the adapter dtype."""
    h, up = _hidden_last(x, adapter, selection, communicate)
    return torch.baddbmm(y, h, up)


def team_linear(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    adapter: TeamAdapter,
    selection: Selection,
    communicate: bool,
) -> torch.Tensor:
    """Fused W x + b + offset for x [B, L, n] (one dtype): the offset (with both biases folded into
    its extra row) is written first and the base GEMM accumulates onto it (beta = 1), so adding the
    offset costs no extra pass over the output."""
    h, up = _hidden_last(x, adapter, selection, communicate, base_bias=bias)
    out = torch.bmm(h, up)
    b, length, n = x.shape
    out.view(b * length, -1).addmm_(x.reshape(b * length, n), weight.t())
    return out


def team_offset_first(
    y: torch.Tensor, x: torch.Tensor, adapter: TeamAdapter, selection: Selection, communicate: bool
) -> torch.Tensor:
    """Channels-first: y [B, m, P] + offset for x [B, n, P]; all in the adapter dtype."""
    tidx, sidx = selection.on(x.device)
    down, up = _gathered(adapter, tidx)
    ones = 1 if adapter.bias is not None else None
    h = _mix(torch.bmm(down.transpose(1, 2), x), selection, sidx, communicate, ones)  # [B, r(+1), P]
    return torch.baddbmm(y, up.transpose(1, 2), h)


def _like(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """`out` in the dtype and memory layout of the base output `y` (later kernels, and so the
    exact floating-point results, depend on the layout)."""
    out = out.to(y.dtype)
    if out.stride() == y.stride():
        return out
    return torch.empty_like(y).copy_(out)


_FUSE_DISABLED = False  # benchmarks flip this to time the unfused path


class TeamworkLayerMixin:
    """Shared by the adapter layers: the adapter module, the team handle, the batch check."""

    adapter: TeamAdapter
    _team: Team
    communicate: bool

    @classmethod
    def from_base(cls, base: nn.Module, team: Team, adapter: TeamAdapter, communicate: bool):
        """The adapted twin of ``base``: shares its parameters, adds ``adapter``."""
        layer = _clone_into(cls, base)
        layer._attach(team, adapter, communicate)
        return layer

    def _attach(self, team: Team, adapter: TeamAdapter, communicate: bool) -> None:
        self.adapter = adapter
        self._team = team
        self.communicate = communicate

    def _selection(self, batch: int) -> Selection:
        selection = self._team.current()
        if selection.batch_size != batch:
            raise ValueError(
                f"The batch has {batch} rows but {selection.batch_size} active rows were given; "
                "give one (sample, teammate) row per batch row."
            )
        return selection


def _clone_into(cls: type, base: nn.Module) -> nn.Module:
    """A `cls` instance sharing `base`'s attributes (parameters included, by reference)."""
    layer = cls.__new__(cls)
    layer.__dict__.update(base.__dict__)
    for name in ("_parameters", "_buffers", "_modules"):
        layer.__dict__[name] = dict(base.__dict__[name])
    return layer


class TeamworkLinear(nn.Linear, TeamworkLayerMixin):
    """`nn.Linear` whose batch rows are teammates; keys: weight, bias (base), adapter.* (ours)."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if input.dim() < 2:
            raise ValueError("A Teamwork linear layer needs a batch dimension first.")
        selection = self._selection(input.shape[0])
        dtype = self.adapter.down.dtype
        x3 = input.reshape(input.shape[0], -1, input.shape[-1])
        if input.dtype == dtype == self.weight.dtype and not _FUSE_DISABLED:
            out = team_linear(x3, self.weight, self.bias, self.adapter, selection, self.communicate)
            return out.view(*input.shape[:-1], self.out_features)
        y = F.linear(input, self.weight, self.bias)
        y3 = y.reshape(y.shape[0], -1, y.shape[-1]).to(dtype)
        out = team_offset_last(y3, x3.to(dtype), self.adapter, selection, self.communicate)
        return _like(out.view(y.shape), y)


class TeamworkConv2d(nn.Conv2d, TeamworkLayerMixin):
    """Stride-1 `nn.Conv2d` plus a per-pixel (1x1) Teamwork offset."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        y = self._conv_forward(input, self.weight, self.bias)
        if input.dim() != 4 or y.shape[-2:] != input.shape[-2:]:
            raise ValueError(
                f"A Teamwork conv needs [B, C, H, W] input and an output on the same grid; got "
                f"{tuple(input.shape)} -> {tuple(y.shape)}."
            )
        selection = self._selection(input.shape[0])
        dtype = self.adapter.down.dtype
        b, m, height, width = y.shape
        if y.is_contiguous(memory_format=torch.channels_last) and not y.is_contiguous():
            # keep the base's channels-last layout (oneDNN convs pick it): pixels as tokens
            x3 = input.permute(0, 2, 3, 1).reshape(b, height * width, -1).to(dtype)
            y3 = y.permute(0, 2, 3, 1).reshape(b, height * width, m).to(dtype)
            out = team_offset_last(y3, x3, self.adapter, selection, self.communicate)
            return _like(out.view(b, height, width, m).permute(0, 3, 1, 2), y)
        x3 = input.reshape(b, input.shape[1], -1).to(dtype)
        y3 = y.reshape(b, m, -1).to(dtype)
        out = team_offset_first(y3, x3, self.adapter, selection, self.communicate)
        return _like(out.view(y.shape), y)


# The dispatch list: each factory returns an adapted layer for modules it handles, else None.
def _linear_factory(module: nn.Module, team: Team, rank: int, bias: bool, communicate: bool, **kw):
    if type(module) is not nn.Linear:
        return None
    adapter = TeamAdapter(
        team.config.num_teammates,
        module.in_features,
        module.out_features,
        rank,
        bias and module.bias is not None,
        **kw,
    )
    return TeamworkLinear.from_base(module, team, adapter, communicate)


def _conv_factory(module: nn.Module, team: Team, rank: int, bias: bool, communicate: bool, **kw):
    if type(module) is not nn.Conv2d:
        return None
    if module.stride != (1, 1) or module.groups != 1:
        raise ValueError("Teamwork adapts only stride-1, ungrouped Conv2d layers.")
    adapter = TeamAdapter(
        team.config.num_teammates,
        module.in_channels,
        module.out_channels,
        rank,
        bias and module.bias is not None,
        **kw,
    )
    return TeamworkConv2d.from_base(module, team, adapter, communicate)


LAYER_FACTORIES = (_linear_factory, _conv_factory)
