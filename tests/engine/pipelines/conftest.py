"""One torch thread for this folder: on a shared 2-core machine, two spinning OpenMP threads per
process make tiny models 10-30x slower (measured: 13 s vs 0.5 s for one 2-step SD2 sample)."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
