"""bench_enqueue.py runs to a verdict that follows from the figures it prints."""

from __future__ import annotations

import re

from tests.test_benchmarks import bench


def test_the_enqueue_benchmark_prints_each_row_and_a_verdict_that_follows_from_them():
    out = bench("bench_enqueue.py", "--dossiers", "20", "--rounds", "1")
    for clock in ("wall time", "this process's CPU"):
        table = out.split(clock, 1)[1].splitlines()
        assert table[2].split()[0] == "1" and len(re.findall(r"\(\s*[\d.]+%\)", table[2])) == 3
    cpu_row = out.split("this process's CPU", 1)[1].splitlines()[2]
    intake, *_ = (float(x) for x in cpu_row.split()[1:2])
    outbox = float(re.findall(r"([\d.]+) \(\s*[\d.]+%\)", cpu_row)[1])
    share = float(re.search(r"the job's row takes ([\d.]+)%", out).group(1))  # type: ignore[union-attr]
    assert abs(share - 100 * outbox / intake) < 0.1
    assert out.rstrip().endswith("PASS" if share < 5 else "FAIL")
