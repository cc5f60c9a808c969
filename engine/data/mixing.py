"""Weighted heterogeneous mixing of datasets and deterministic splits.

- ``MixedDataset(datasets, weights, length, seed)``: item i picks a source dataset with probability
  proportional to its weight and an item of it, both a pure function of (seed, i); each sample keeps
  only its own components and gains ``source`` (the dataset's index) in its name prefix. Batch such
  samples with ``engine.data.sample.collate`` (zero-filled components plus a presence mask).
- ``split_indices(names, fractions, seed)`` / ``split_dataset``: assign each sample to a split by a
  stable hash of its name (so adding samples never moves old ones), e.g. {"train": .9, "val": .1}.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import torch
from torch.utils.data import Dataset, Subset

from engine.data.sample import NAME


class MixedDataset(Dataset):
    def __init__(
        self,
        datasets: Sequence[Dataset],
        weights: Sequence[float] | None = None,
        length: int | None = None,
        seed: int = 0,
        names: Sequence[str] | None = None,
    ):
        if not datasets:
            raise ValueError("A mixed dataset needs at least one dataset.")
        weights = list(weights) if weights is not None else [1.0] * len(datasets)
        if len(weights) != len(datasets) or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError("Give one non-negative weight per dataset, with a positive sum.")
        if any(len(d) == 0 for d, w in zip(datasets, weights, strict=True) if w > 0):
            raise ValueError("Every dataset with a positive weight must hold at least one sample.")
        self.datasets = list(datasets)
        self.weights = torch.tensor(weights, dtype=torch.float64) / sum(weights)
        self.length = int(length) if length is not None else sum(len(d) for d in datasets)
        self.seed = int(seed)
        self.source_names = list(names) if names else [f"set{i}" for i in range(len(datasets))]

    def __len__(self) -> int:
        return self.length

    def pick(self, index: int) -> tuple[int, int]:
        """(dataset index, item index) for mixed item ``index``."""
        if not 0 <= index < self.length:
            raise IndexError(f"Index {index} is outside this mixed dataset of {self.length} samples.")
        g = torch.Generator().manual_seed((self.seed * 1_000_003 + index * 104_729 + 1) % (2**62))
        source = int(torch.multinomial(self.weights, 1, generator=g))
        item = int(torch.randint(len(self.datasets[source]), (), generator=g))
        return source, item

    def __getitem__(self, index: int) -> dict:
        source, item = self.pick(index)
        sample = dict(self.datasets[source][item])
        sample[NAME] = f"{self.source_names[source]}/{sample.get(NAME, item)}"
        return sample


def _bucket(name: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_indices(
    names: Sequence[str], fractions: Mapping[str, float], seed: int = 0
) -> dict[str, list[int]]:
    """Indices per split, by a stable hash of each name; fractions are normalised to sum to 1."""
    total = sum(fractions.values())
    if not fractions or total <= 0 or any(f < 0 for f in fractions.values()):
        raise ValueError("Give split fractions that are non-negative with a positive sum.")
    edges, acc = [], 0.0
    for split, f in fractions.items():
        acc += f / total
        edges.append((acc, split))
    out: dict[str, list[int]] = {split: [] for split in fractions}
    for i, name in enumerate(names):
        b = _bucket(name, seed)
        out[next((s for edge, s in edges if b < edge), edges[-1][1])].append(i)
    return out


def split_dataset(dataset: Dataset, fractions: Mapping[str, float], seed: int = 0) -> dict[str, Subset]:
    """Deterministic subsets of a dataset with a ``names()`` method (folder, MatSynth, five-panel)."""
    names_fn = getattr(dataset, "names", None)
    names = names_fn() if callable(names_fn) else [str(i) for i in range(len(dataset))]
    return {split: Subset(dataset, idx) for split, idx in split_indices(names, fractions, seed).items()}
