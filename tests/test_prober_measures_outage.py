"""The prober measures outages: a synthetic one of known length, and a real API crash.

Each outage is set against moments read on the prober's own clock, in order only: a probe
thread may be late on a loaded machine, so no bound in seconds is asserted."""

import pytest

from bookstore_resil.clock import parse_ts
from bookstore_resil.exercise.probes import Prober, Sample
from bookstore_resil.targets.base import Probe
from tests.conftest_lab import wait_until


def epoch(iso: str) -> float:
    return parse_ts(iso).timestamp()


def seen_after(seen: list[Sample], endpoint: str, up: bool, after: float) -> bool:
    return any(s.endpoint == endpoint and s.up is up and s.ts > after for s in list(seen))


def test_a_known_outage_is_measured_within_an_interval():
    up = {"value": True}
    seen: list[Sample] = []
    prober = Prober([Probe("svc", "memory", lambda: up["value"])], 0.02, seen.append).start()
    assert wait_until(lambda: seen_after(seen, "svc", True, 0))
    up["value"] = False
    went_down = prober.clock.epoch()
    assert wait_until(lambda: sum(not s.up for s in list(seen)) >= 5)
    up["value"] = True
    came_back = prober.clock.epoch()
    assert wait_until(lambda: seen_after(seen, "svc", True, came_back))
    prober.stop()

    outage = prober.outage("svc", after=went_down - 1)

    first_down = next(s for s in seen if not s.up)
    first_up_again = next(s for s in seen if s.up and s.ts > first_down.ts)
    assert epoch(outage.down_at) == pytest.approx(first_down.ts, abs=1e-6)
    assert epoch(outage.up_at) == pytest.approx(first_up_again.ts, abs=1e-6)
    assert went_down < first_down.ts and came_back < first_up_again.ts
    # Within an interval: at most the one check in flight at each flip read the old state.
    assert sum(went_down < s.ts < first_down.ts for s in seen) <= 1
    assert sum(came_back < s.ts < first_up_again.ts for s in seen) <= 1
    assert outage.duration_s == pytest.approx(first_up_again.ts - first_down.ts, abs=1e-3)


def test_a_probe_that_raises_counts_as_down_and_does_not_stop_the_prober():
    def broken() -> bool:
        raise RuntimeError("boom")

    seen: list[Sample] = []
    with Prober([Probe("svc", "memory", broken)], 0.02, seen.append) as prober:
        assert wait_until(lambda: len(seen) >= 3)
    assert not any(s.up for s in seen)
    outage = prober.outage("svc", after=0)
    assert outage.recovered is False and outage.up_at is None


def test_an_api_crash_is_measured_as_an_api_outage_only(lab_target):
    seen: list[Sample] = []
    with Prober(lab_target.probes(), 0.1, seen.append) as prober:
        names = [p.name for p in lab_target.probes()]
        assert wait_until(lambda: all(seen_after(seen, name, True, 0) for name in names))
        started = prober.clock.epoch()
        lab_target.inject_fault("api-crash")
        assert wait_until(lambda: seen_after(seen, "api", False, started))
        restarting = prober.clock.epoch()
        assert lab_target.run_action("restart_app", {}, 30).ok
        assert wait_until(lambda: seen_after(seen, "api", True, restarting))
        back = prober.clock.epoch()

    outage = prober.outage("api", after=started)
    # It begins at the crash, and ends after the restart began, by the time a probe saw it.
    assert started < epoch(outage.down_at) < restarting < epoch(outage.up_at) <= back
    assert prober.outage("database", after=0) is None and prober.outage("cdn", after=0) is None
