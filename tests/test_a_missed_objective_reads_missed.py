"""One outcome word: a playbook completed with an objective missed is ``missed`` (the
objective named), never "passed" beside "MISSED"; the same word with or without
``--fail-on-breach``, in the summary and on the one screen. An interruption the exercise
was resumed from is named in the reason, not its outcome.

Before: ``--fail-on-breach`` exited 1 while the outcome line still said "passed"; a resumed
exercise that completed stayed ``error`` with no reason."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.measure import summarize
from bookstore_resil.exercise.drill import DrillResult, one_screen

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def at(seconds: float) -> str:
    return clock.iso(T0 + timedelta(seconds=seconds))


def log(down_s: float, rto_s: float, *extra: dict, fail_on_breach: bool = False) -> list[dict]:
    return [
        {
            "ts": at(0),
            "type": ev.STARTED,
            "exercise_id": "x",
            "scenario": "api-failure",
            "target": "lab",
            "rto_s": rto_s,
            "rpo_s": 3600.0,
            "sustain_s": 0.5,
            "measured_endpoint": "api",
            "fail_on_breach": fail_on_breach,
        },
        {"ts": at(1), "type": ev.PROBE, "endpoint": "api", "up": True, "at": at(1)},
        {"ts": at(2), "type": ev.FAULT, "at": at(2), "fault": "api-crash"},
        {"ts": at(2.1), "type": ev.PROBE, "endpoint": "api", "up": False, "at": at(2.1)},
        {"ts": at(2.2), "type": ev.STEP_STARTED, "step": "restart"},
        *extra,
        {
            "ts": at(2.1 + down_s),
            "type": ev.PROBE,
            "endpoint": "api",
            "up": True,
            "at": at(2.1 + down_s),
        },
        {
            "ts": at(3 + down_s),
            "type": ev.STEP_FINISHED,
            "step": "restart",
            "status": "ok",
            "next": None,
        },
        {"ts": at(5 + down_s), "type": ev.FINISHED},
    ]


@pytest.mark.parametrize("fail_on_breach", [False, True])
def test_a_completed_playbook_that_missed_its_rto_is_missed(fail_on_breach):
    summary = summarize(log(45.0, 30.0, fail_on_breach=fail_on_breach))
    assert summary.rto_met is False
    assert summary.outcome == "missed"
    assert summary.reason.startswith("RTO missed: down 45.0s against 30.0s; ")
    screen = one_screen(DrillResult(Path("a"), summary))
    assert "outcome    missed: RTO missed" in screen
    assert "passed" not in screen


def test_a_met_rto_still_passes():
    summary = summarize(log(3.0, 30.0))
    assert (summary.outcome, summary.rto_met) == ("passed", True)


def test_a_resumed_exercise_that_completed_gets_its_real_outcome_with_the_interruption_named():
    interrupted = [
        {"ts": at(2.3), "type": ev.ERROR, "message": "notebook failed: DeadKernelError: killed"},
        {"ts": at(2.4), "type": ev.RESUMED},
    ]
    summary = summarize(log(3.0, 30.0, *interrupted))
    assert summary.outcome == "passed"
    assert (
        "(resumed after an interruption: notebook failed: DeadKernelError: killed)"
        in summary.reason
    )
    assert summary.errors == [] and len(summary.interruptions) == 1
