"""Downtime, detection, data loss and outcome are computed from events alone."""

from datetime import datetime, timedelta, timezone

import pytest

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.measure import summarize

T0 = datetime(2026, 11, 26, 17, 0, 0, tzinfo=timezone.utc)


def at(seconds: float) -> str:
    return clock.iso(T0 + timedelta(seconds=seconds))


def event(type_: str, seconds: float, **fields) -> dict:
    return {"ts": at(seconds), "type": type_, **fields}


def started(**overrides) -> dict:
    fields = dict(
        exercise_id="x1",
        scenario="api-failure",
        target="lab",
        mode="auto",
        rto_s=43200.0,
        rpo_s=86400.0,
        sustain_s=1.0,
        measured_endpoint="api",
    )
    fields.update(overrides)
    return event(ev.STARTED, 0, **fields)


def probe(seconds: float, up: bool, endpoint: str = "api") -> dict:
    return event(ev.PROBE, seconds, endpoint=endpoint, up=up, at=at(seconds))


def step(seconds: float, step_id: str, status: str, duration: float, nxt, handled=True) -> list:
    return [
        event(ev.STEP_STARTED, seconds, step=step_id, procedure="recovery_procedure"),
        event(
            ev.STEP_FINISHED,
            seconds + duration,
            step=step_id,
            status=status,
            handled=handled,
            next=nxt,
        ),
    ]


def finished(seconds: float) -> dict:
    return event(ev.FINISHED, seconds)


def base_log() -> list:
    return [
        started(),
        probe(0.1, True),
        event(ev.FAULT, 5.0, fault="api-crash", at=at(5.0)),
        probe(5.2, False),
        *step(5.0, "verify-instance", "failed", 0.5, "restart-app"),
        *step(5.5, "restart-app", "ok", 3.0, None),
        probe(8.6, True),
        finished(12.0),
    ]


def test_downtime_runs_from_first_failed_sample_to_first_sustained_good_one():
    summary = summarize(base_log())
    assert summary.measured_downtime_s == pytest.approx(3.4)
    assert summary.time_to_detect_s == pytest.approx(0.2)
    assert summary.recovered is True
    assert summary.rto_met is True
    assert summary.rto_margin_s == pytest.approx(43200 - 3.4)
    assert summary.outcome == "passed"
    assert [(s.id, s.status, s.duration_s) for s in summary.steps] == [
        ("verify-instance", "failed", 0.5),
        ("restart-app", "ok", 3.0),
    ]


def test_a_recovery_that_relapses_within_the_sustain_window_does_not_count():
    log = base_log()
    log[-1:] = [probe(9.0, False), probe(10.0, True), finished(12.0)]
    summary = summarize(log)
    assert summary.measured_downtime_s == pytest.approx(10.0 - 5.2)


def test_an_endpoint_still_down_at_the_end_fails_the_exercise():
    log = base_log()
    log[-2:] = [finished(20.0)]
    summary = summarize(log)
    assert summary.recovered is False
    assert summary.measured_downtime_s == pytest.approx(20.0 - 5.2)
    assert summary.rto_met is None
    assert summary.outcome == "failed"


def test_missing_the_rto_is_a_breach():
    log = base_log()
    log[0] = started(rto_s=2.0)
    summary = summarize(log)
    assert summary.rto_met is False
    assert summary.breached


def test_data_loss_is_the_window_of_acknowledged_writes_that_did_not_survive():
    log = base_log()
    canaries = [event(ev.CANARY, s, seq=n, ack=True, at=at(s)) for n, s in enumerate([1, 2, 3, 4])]
    canaries.append(event(ev.CANARY, 6, seq=4, ack=False, at=at(6)))
    log[1:1] = canaries
    log.insert(-1, event(ev.CANARY_CHECK, 11.5, surviving=[0, 1]))
    summary = summarize(log)
    assert summary.canary.lost == [2, 3]
    # From the last write that survived (at 2 s) to the fault (at 5 s): what was written
    # after the last lost canary and before the fault is gone too.
    assert summary.measured_data_loss_s == pytest.approx(5.0 - 2.0)
    assert summary.rpo_met is True


def test_no_canary_means_data_loss_not_measured():
    summary = summarize(base_log())
    assert summary.measured_data_loss_s is None
    assert summary.rpo_met is None


@pytest.mark.parametrize(
    ("change", "outcome"),
    [
        (lambda log: log.insert(-1, event(ev.HALTED, 9, reason="stop")), "aborted"),
        (lambda log: log.insert(-1, event(ev.ERROR, 9, message="boom")), "error"),
        (lambda log: log.pop(), "error"),
        (
            lambda log: log.__setitem__(
                slice(5, 7), step(5.5, "restart-app", "failed", 3.0, None, handled=False)
            ),
            "failed",
        ),
    ],
    ids=["halted", "engine-error", "log-cut-short", "unhandled-failure"],
)
def test_outcome_follows_what_the_log_shows(change, outcome):
    log = base_log()
    change(log)
    assert summarize(log).outcome == outcome
