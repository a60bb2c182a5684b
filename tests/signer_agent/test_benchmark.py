"""The agent's benchmark runs to its verdict on a small batch (figures are for `make bench`)."""

from __future__ import annotations

import re

from tests.test_benchmarks import bench


def test_the_signer_agent_benchmark_signs_a_batch_approved_once_in_the_window():
    out = bench("bench_signer_agent.py", "--batch", "5", "--rounds", "1")
    assert re.search(r"core PKCS#11 sign \(SoftHSM2\) : +\d+\.\d docs/s", out), out
    assert re.search(r"through the agent's HTTP API : +\d+\.\d docs/s +ratio", out), out
