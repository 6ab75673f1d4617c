"""A declared outage (nothing injected: a dry run on AWS, a fault the team causes by hand)
is measured only from what the probes saw: when they saw no outage, the downtime is not
measured and the RTO is not "met" (a dry run that said "failed" and "RTO met" at once)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.measure import summarize

T0 = datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc)


def at(seconds: float) -> str:
    return clock.iso(T0 + timedelta(seconds=seconds))


def log(broken: str, *probes: tuple[float, bool]) -> list[dict]:
    start = {
        "ts": at(0),
        "type": ev.STARTED,
        "exercise_id": "x",
        "scenario": "cdn-failure",
        "target": "aws",
        "rto_s": 3600.0,
        "rpo_s": 3600.0,
        "sustain_s": 1.0,
        "measured_endpoint": "cdn",
    }
    fault = {"ts": at(2), "type": broken, "at": at(2), "fault": "cdn-bucket-deleted"}
    samples = [
        {"ts": at(s), "type": ev.PROBE, "endpoint": "cdn", "up": up, "at": at(s)}
        for s, up in probes
    ]
    steps = [
        {"ts": at(3), "type": ev.STEP_STARTED, "step": "verify"},
        {"ts": at(4), "type": ev.STEP_FINISHED, "step": "verify", "status": "ok", "next": None},
    ]
    return [start, samples[0], fault, *samples[1:], *steps, {"ts": at(9), "type": ev.FINISHED}]


def test_a_declared_outage_no_probe_saw_is_not_measured():
    summary = summarize(log(ev.OUTAGE, (0.5, True)))
    assert summary.measured_downtime_s is None
    assert summary.rto_met is None and summary.rto_margin_s is None
    assert summary.recovered is None


def test_an_outage_the_team_caused_by_hand_is_measured_from_the_probes():
    summary = summarize(log(ev.OUTAGE, (0.5, True), (2.5, False), (4.0, True)))
    assert summary.measured_downtime_s == pytest.approx(1.5)
    assert summary.rto_met is True


def test_an_injected_fault_no_probe_saw_is_inconclusive_not_met():
    summary = summarize(log(ev.FAULT, (0.5, True)))
    assert summary.measured_downtime_s == 0.0
    assert summary.fault_observed is False
    assert summary.rto_met is None and summary.rpo_met is None
    assert summary.outcome == "inconclusive"
    assert "never saw cdn down" in summary.reason
