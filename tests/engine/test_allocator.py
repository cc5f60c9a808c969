import os
import subprocess
import sys

import pytest

# A few conv layers run 10 times on 8 MiB activations (a denoiser's pattern); prints the page faults.
PROGRAM = """
import resource, sys, torch
from engine.allocator import keep_freed_memory
applied = keep_freed_memory() if sys.argv[1] == "tuned" else None
conv = torch.nn.Conv2d(32, 32, 3, padding=1)
x = torch.randn(4, 32, 128, 128)
with torch.no_grad():
    conv(conv(x))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        conv(torch.relu(conv(x)) + x)
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    applied, count = out.stdout.split()
    return applied, int(count)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc tuning is Linux-only")
def test_freed_tensor_memory_is_reused_instead_of_faulted_in_again():
    applied, tuned = faults("tuned")
    _, default = faults("default")
    assert applied == "True"
    # default: each activation is mapped and faulted in anew (about 130k faults); tuned: reused
    assert tuned * 20 < default, (tuned, default)


def test_is_a_no_op_off_linux(monkeypatch):
    from engine import allocator

    monkeypatch.setattr(allocator.sys, "platform", "win32")
    assert allocator.keep_freed_memory() is False


def test_system_malloc_can_be_asked_for(monkeypatch):
    from engine import allocator

    monkeypatch.setenv("TEAMWORK_STUDIO_SYSTEM_MALLOC", "1")
    assert allocator.keep_freed_memory() is False
