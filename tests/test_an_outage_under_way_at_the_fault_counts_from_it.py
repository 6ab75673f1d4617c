"""An endpoint already down when the fault is recorded (down within the sample before it,
or earlier) is down from the fault; one never seen back is down to the end and not
recovered. Checked against a plain reading of the endpoint's state over time, over
generated logs.

Before: the lab's users endpoint seen down 46 ms before the fault's recorded time and never
back read ``measured_user_downtime_s: 0.0``, "users stayed up"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.measure import summarize

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
FAULT_S, END_S = 10.0, 30.0


def at(seconds: float) -> str:
    return clock.iso(T0 + timedelta(seconds=seconds))


def log(changes: list[tuple[float, bool]], endpoint: str = "api") -> list[dict]:
    start = {
        "ts": at(0),
        "type": ev.STARTED,
        "exercise_id": "x",
        "scenario": "api-failure",
        "target": "lab",
        "rto_s": 3600.0,
        "rpo_s": 3600.0,
        "sustain_s": 0.0,
        "measured_endpoint": "api",
        "user_facing_endpoint": "users",
    }
    probes = [
        {"ts": at(t), "type": ev.PROBE, "endpoint": endpoint, "up": up, "at": at(t)}
        for t, up in changes
    ]
    fault = {"ts": at(FAULT_S), "type": ev.FAULT, "at": at(FAULT_S), "fault": "api-crash"}
    steps = [
        {"ts": at(FAULT_S), "type": ev.STEP_STARTED, "step": "fix"},
        {
            "ts": at(FAULT_S + 1),
            "type": ev.STEP_FINISHED,
            "step": "fix",
            "status": "ok",
            "next": None,
        },
    ]
    others = [
        {"ts": at(0), "type": ev.PROBE, "endpoint": other, "up": True, "at": at(0)}
        for other in ("api", "users")
        if other != endpoint
    ]
    events = sorted([*probes, *others, fault, *steps], key=lambda e: e["ts"])
    return [start, *events, {"ts": at(END_S), "type": ev.FINISHED}]


def expected(changes: list[tuple[float, bool]]) -> tuple[float, bool]:
    """Downtime and recovery read off the state over time: down from the fault if it was
    already down (or from its first failure after), to the first time it is up again."""
    before = [up for t, up in changes if t < FAULT_S]
    if before and not before[-1]:
        down_at = FAULT_S
    else:
        down_at = next((t for t, up in changes if t >= FAULT_S and not up), None)
    if down_at is None:
        return 0.0, True
    back = next((t for t, up in changes if t > down_at and up), None)
    return (round(back - down_at, 3), True) if back is not None else (END_S - down_at, False)


@st.composite
def state_changes(draw: st.DrawFn) -> list[tuple[float, bool]]:
    times = draw(st.lists(st.integers(1, 2999), min_size=0, max_size=12, unique=True))
    states = [True]
    for _ in times:
        states.append(not states[-1])
    return list(zip([0.0, *(t / 100 for t in sorted(times))], states, strict=True))


@settings(max_examples=300, deadline=None)
@given(state_changes())
def test_downtime_is_read_off_the_state_at_and_after_the_fault(changes):
    summary = summarize(log(changes))
    downtime, recovered = expected(changes)
    assert summary.measured_downtime_s == pytest.approx(downtime, abs=0.001)
    assert summary.recovered is recovered


def test_users_down_46_ms_before_the_fault_and_never_back_are_not_recovered():
    changes = [(0.0, True), (FAULT_S - 0.046, False)]
    summary = summarize(log(changes, endpoint="users"))
    assert summary.measured_user_downtime_s == pytest.approx(END_S - FAULT_S)
    assert summary.recovered is False
    assert summary.outcome == "failed" and "users was still down at the end" in summary.reason
    assert summary.rto_met is None  # not recovered, and the RTO's hour not yet over
