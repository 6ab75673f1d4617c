"""A game day of hours holds no more than one of minutes: the prober keeps each endpoint's
state changes, its last sample and its counts, not every sample; the canary writer keeps
the acknowledged numbers as runs (benchmarks/bench_long_exercise.py measures 8 hours)."""

import tracemalloc

from bookstore_resil.exercise.probes import CanaryWriter, Prober
from bookstore_resil.targets.base import Canary, Probe
from tests.conftest_lab import wait_until


def test_thousands_of_samples_of_a_steady_endpoint_cost_no_memory():
    tracemalloc.start()
    try:
        with Prober([Probe("svc", "memory", lambda: True)], 1e-6) as prober:
            assert wait_until(lambda: prober.checks >= 1_000, timeout_s=60)
            early = tracemalloc.get_traced_memory()[0]
            assert wait_until(lambda: prober.checks >= 6_000, timeout_s=60)
            late = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # A kept sample costs about 160 bytes: 5,000 of them would be 800 kB.
    assert late - early < 100_000, f"{late - early} bytes for 5,000 more samples"
    seen = prober.seen("svc")
    assert len(seen.changes) == 1 and seen.changes[0][1] is True
    assert seen.checks >= 6_000 and seen.down == 0 and seen.last.up


def test_the_prober_keeps_each_change_and_measures_from_them():
    answers = iter([True] * 3 + [False] * 4 + [True] * 5)
    with Prober([Probe("svc", "memory", lambda: next(answers, True))], 1e-3) as prober:
        assert wait_until(lambda: prober.checks >= 15)
    seen = prober.seen("svc")
    assert [up for _, up in seen.changes] == [True, False, True]
    assert seen.down == 4
    down_at, up_at = seen.changes[1][0], seen.changes[2][0]
    outage = prober.outage("svc", after=0)
    assert outage.recovered and round(up_at - down_at, 3) == outage.duration_s


class Flaky(Canary):
    """Acknowledges every write but the 4th and the 5th."""

    run_id = "flaky"

    def write(self, seq: int) -> bool:
        return seq not in (4, 5)

    def surviving(self) -> set[int] | None:
        return {1, 2, 3, 6}


def test_the_canary_keeps_acknowledged_numbers_as_runs():
    with CanaryWriter(Flaky(), 1e-3) as writer:
        assert wait_until(lambda: writer.written >= 9)
    runs = writer.acknowledged
    assert runs[0] == (1, 3) and runs[1][0] == 6 and len(runs) == 2
    loss = writer.loss()
    assert loss.written == writer.written and loss.lost[:3] == [7, 8, 9]
