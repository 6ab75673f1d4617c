"""The prober measures outages: a synthetic one of known length, and a real API crash."""

import time

from bookstore_resil.clock import parse_ts
from bookstore_resil.exercise.probes import Prober, Sample
from bookstore_resil.targets.base import Probe


def epoch(iso: str) -> float:
    return parse_ts(iso).timestamp()


def test_a_known_outage_is_measured_within_an_interval():
    up = {"value": True}
    seen: list[Sample] = []
    prober = Prober([Probe("svc", "memory", lambda: up["value"])], 0.02, seen.append).start()
    time.sleep(0.2)
    up["value"] = False
    went_down = time.time()
    time.sleep(0.5)
    up["value"] = True
    came_back = time.time()
    time.sleep(0.2)
    prober.stop()

    outage = prober.outage("svc", after=went_down - 0.1)

    assert abs(epoch(outage.down_at) - went_down) < 0.1
    assert abs(epoch(outage.up_at) - came_back) < 0.1
    assert abs(outage.duration_s - 0.5) < 0.1
    assert seen == prober.samples


def test_a_probe_that_raises_counts_as_down_and_does_not_stop_the_prober():
    def broken() -> bool:
        raise RuntimeError("boom")

    with Prober([Probe("svc", "memory", broken)], 0.02) as prober:
        time.sleep(0.1)
    assert len(prober.samples) >= 3 and not any(s.up for s in prober.samples)
    outage = prober.outage("svc", after=0)
    assert outage.recovered is False and outage.up_at is None


def test_an_api_crash_is_measured_as_an_api_outage_only(lab_target):
    with Prober(lab_target.probes(), interval_s=0.1) as prober:
        time.sleep(0.3)
        started = time.time()
        lab_target.inject_fault("api-crash")
        time.sleep(1.0)
        assert lab_target.run_action("restart_app", {}, 30).ok
        ended = time.time()
        time.sleep(0.3)

    outage = prober.outage("api", after=started)
    # It begins at the crash, and ends after the restart began, by the time it returned.
    assert started <= epoch(outage.down_at) < started + 0.5
    assert started + 1.0 < epoch(outage.up_at) < ended + 0.5
    assert prober.outage("database", after=0) is None and prober.outage("cdn", after=0) is None
