"""The report's objectives say why an exercise judges none (its fault failed, no probe saw
it) and that a data loss is a lower bound, in the words the one screen uses; never
"no probe watched" or "still down after 0.0s" over a fault that did nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.measure import summarize
from bookstore_resil.report.headline import rollback_line
from bookstore_resil.report.verdicts import at_least, verdicts

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def at(seconds: float) -> str:
    return clock.iso(T0 + timedelta(seconds=seconds))


def log(*middle: dict) -> list[dict]:
    start = {
        "ts": at(0),
        "type": ev.STARTED,
        "exercise_id": "x",
        "scenario": "web-crash",
        "target": "system",
        "rto_s": 300.0,
        "rpo_s": 5.0,
        "measured_endpoint": "web",
    }
    up = {"ts": at(0.5), "type": ev.PROBE, "endpoint": "web", "up": True, "at": at(0.5)}
    return [start, up, *middle, {"ts": at(9), "type": ev.FINISHED}]


def test_a_failed_fault_says_so_in_both_objectives():
    failed = {"ts": at(2), "type": ev.FAULT_FAILED, "fault": "web-killed", "error": "exit 3"}
    rto, rpo = verdicts(summarize(log(failed)))
    for verdict in (rto, rpo):
        assert verdict.status == "not measured"
        assert verdict.text.endswith(
            ": the fault web-killed failed: nothing was broken, nothing measured"
        )


def test_a_fault_nobody_saw_says_so_instead_of_still_down():
    fault = {"ts": at(2), "type": ev.FAULT, "fault": "web-killed", "at": at(2)}
    steps = [
        {"ts": at(2.1), "type": ev.STEP_STARTED, "step": "s"},
        {"ts": at(3), "type": ev.STEP_FINISHED, "step": "s", "status": "ok", "next": None},
    ]
    rto, _rpo = verdicts(summarize(log(fault, *steps)))
    assert rto.status == "undecided"
    assert "undecided: the probes never saw web down" in rto.text


def test_a_lower_bound_of_data_loss_says_at_least_and_what_to_set():
    fault = {"ts": at(2), "type": ev.FAULT, "fault": "host-lost", "at": at(2)}
    events = [
        {"ts": at(1), "type": ev.CANARY, "seq": 1, "ack": True, "at": at(1)},
        fault,
        {"ts": at(2.1), "type": ev.PROBE, "endpoint": "web", "up": False, "at": at(2.1)},
        {"ts": at(4), "type": ev.PROBE, "endpoint": "web", "up": True, "at": at(4)},
        {"ts": at(4.1), "type": ev.STEP_STARTED, "step": "s"},
        {"ts": at(5), "type": ev.STEP_FINISHED, "step": "s", "status": "ok", "next": None},
        {"ts": at(8), "type": ev.CANARY_CHECK, "surviving": []},
    ]
    summary = summarize(log(*events))
    assert summary.data_loss_bound == "at_least" and summary.rpo_met is None
    _rto, rpo = verdicts(summary)
    assert "at least 2.0s of writes lost: the restored data is older" in rpo.text
    assert "set newest_record" in rpo.text
    assert at_least(summary) == "at least "  # the report's glance table says it too


def test_the_headline_says_what_the_rollback_left():
    rolled = [
        {"ts": at(2), "type": ev.FAULT, "fault": "web-killed", "at": at(2)},
        {"ts": at(2.1), "type": ev.PROBE, "endpoint": "web", "up": False, "at": at(2.1)},
        {"ts": at(3), "type": ev.HALTED, "reason": "interrupted by SIGINT"},
        {"ts": at(3.1), "type": ev.ROLLBACK, "reason": "halted: interrupted by SIGINT"},
    ]
    left = {"ts": at(8), "type": ev.ROLLED_BACK, "recovered": False, "left": "web still down"}
    line = rollback_line(summarize(log(*rolled, left)))
    assert (line.status, line.text) == (
        "left broken",
        "halted: interrupted by SIGINT: web still down",
    )
    back = {"ts": at(8), "type": ev.ROLLED_BACK, "recovered": True, "left": None}
    assert rollback_line(summarize(log(*rolled, back))).status == "rolled back"
    assert rollback_line(summarize(log())) is None
