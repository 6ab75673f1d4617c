"""What each event of an exercise log, and each ``summary.json``, must carry, checked as
they are read back.

Every number a report shows is computed from ``events.jsonl``, a file anyone can edit,
truncate or damage. So each line is checked before anything is computed from it: ``ts``
an ISO 8601 time with its zone, each field a measurement reads of the right kind (a
``seq`` a whole number, ``up`` true or false, an RTO a finite number of seconds). A bad
line is one :class:`~bookstore_resil.errors.EventLogError` naming the line and the field,
never a traceback from deep inside the report. Fields no measurement reads, and event
types this version does not know, are passed over: a newer workbook may write more.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bookstore_resil.clock import parse_ts

# Whatever the log says, durations and times stay where datetime arithmetic holds.
MAX_SECONDS = 1e9  # about 31 years
FIRST_YEAR, LAST_YEAR = 1970, 9000
STEP_STATUSES = ("ok", "failed", "skipped")

Check = Callable[[Any], str | None]  # a problem in words, or None


def _time(value: Any) -> str | None:
    if not isinstance(value, str):
        return "not an ISO 8601 time"
    try:
        moment = parse_ts(value)
    except ValueError:
        return f"not an ISO 8601 time: {value[:40]!r}"
    if moment.tzinfo is None:
        return f"an ISO 8601 time without its zone: {value[:40]!r}"
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return f"a time out of range: {value[:40]!r}"
    return None


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "not a string"


def _zone(value: Any) -> str | None:
    if not isinstance(value, str):
        return "not a string"
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # a bad name, an unknown zone, a folder
        return f"not a time zone: {value[:40]!r}"
    return None


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "not true or false"


def _whole(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**53
    return None if ok else "not a whole number from 0"


def _seconds(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "not a number of seconds"
    if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        return f"not a number of seconds from 0 to {MAX_SECONDS:.0e}: {value!r}"
    return None


def _wholes(value: Any) -> str | None:
    if not isinstance(value, list) or any(_whole(item) for item in value):
        return "not a list of whole numbers"
    return None


def _texts(value: Any) -> str | None:
    if not isinstance(value, list) or any(not isinstance(item, str) for item in value):
        return "not a list of strings"
    return None


def _mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) else "not an object"


def _status(value: Any) -> str | None:
    return None if value in STEP_STATUSES else f"not one of {', '.join(STEP_STATUSES)}"


def _or_null(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


# type -> field -> (check, required)
FIELDS: dict[str, dict[str, tuple[Check, bool]]] = {
    "exercise_started": {
        "exercise_id": (_text, True),
        "scenario": (_text, True),
        "target": (_text, True),
        "rto_s": (_seconds, True),
        "rpo_s": (_seconds, True),
        "title": (_text, False),
        "service": (_text, False),
        "mode": (_text, False),
        "environment": (_text, False),
        "timezone": (_zone, False),
        "baseline_s": (_seconds, False),
        "sustain_s": (_seconds, False),
        "measured_endpoint": (_or_null(_text), False),
        "user_facing_endpoint": (_or_null(_text), False),
        "dry_run": (_flag, False),
        "fail_on_breach": (_flag, False),
        "ci": (_flag, False),
        "data_dir": (_or_null(_text), False),
        "steps": (_texts, False),
        "clock": (_mapping, False),
    },
    "briefing": {
        "hypothesis": (_text, True),
        "expect_downtime_s": (_seconds, True),
        "expect_data_loss_s": (_seconds, True),
        "coordinator": (_text, False),
        "scribe": (_text, False),
        "observers": (_texts, False),
    },
    "exercise_resumed": {"clock": (_mapping, False)},
    "fault_injected": {"at": (_time, False), "fault": (_or_null(_text), False)},
    "fault_failed": {
        "at": (_time, False),
        "fault": (_or_null(_text), False),
        "error": (_or_null(_text), False),
        "output": (_or_null(_text), False),
    },
    "outage_declared": {"at": (_time, False)},
    "probes_started": {"canary_run": (_or_null(_text), False)},
    "probe": {
        "endpoint": (_text, True),
        "up": (_flag, True),
        "at": (_time, False),
        "reason": (_or_null(_text), False),
    },
    "canary": {"seq": (_whole, True), "ack": (_flag, False), "at": (_time, False)},
    "canary_check": {
        "surviving": (_or_null(_wholes), False),
        "recovery_point": (_or_null(_time), False),
    },
    "newest_record": {
        "before": (_time, False),
        "newest": (_or_null(_time), False),
        "error": (_or_null(_text), False),
    },
    "rollback_started": {"reason": (_or_null(_text), False)},
    "rollback_finished": {"recovered": (_or_null(_flag), False), "left": (_or_null(_text), False)},
    "step_started": {
        "step": (_text, True),
        "procedure": (_text, False),
        "automated": (_flag, False),
        "action": (_or_null(_text), False),
    },
    "step_finished": {
        "step": (_text, True),
        "status": (_status, True),
        "next": (_or_null(_text), False),
        "handled": (_flag, False),
        "by": (_or_null(_text), False),
        "output": (_or_null(_text), False),
        "error": (_or_null(_text), False),
        "note": (_or_null(_text), False),
    },
    "note": {
        "text": (_or_null(_text), False),
        "step": (_or_null(_text), False),
        "author": (_or_null(_text), False),
    },
    "observation": {
        "text": (_text, True),
        "step": (_or_null(_text), False),
        "author": (_or_null(_text), False),
    },
    "notification": {
        "contact": (_text, True),
        "reason": (_text, False),
        "how": (_text, False),
        "by": (_or_null(_text), False),
    },
    "deviation": {
        "text": (_text, False),
        "step": (_or_null(_text), False),
        "author": (_or_null(_text), False),
    },
    "halted": {"reason": (_or_null(_text), False), "step": (_or_null(_text), False)},
    "exercise_finished": {"step": (_or_null(_text), False)},
    "error": {"message": (_text, False)},
}


# What history and the checklist read from a summary.json (docs/contract.md §3).
SUMMARY_FIELDS: dict[str, tuple[Check, bool]] = {
    "exercise_id": (_text, True),
    "scenario": (_text, True),
    "started_at": (_time, True),
    "outcome": (_text, True),
    "rto_s": (_seconds, True),
    "rpo_s": (_seconds, True),
    "target": (_text, False),
    "mode": (_text, False),
    "environment": (_or_null(_text), False),
    "measured_downtime_s": (_or_null(_seconds), False),
    "measured_data_loss_s": (_or_null(_seconds), False),
    "rto_met": (_or_null(_flag), False),
    "rpo_met": (_or_null(_flag), False),
    "fail_on_breach": (_flag, False),
    "ci": (_flag, False),
    "dry_run": (_flag, False),
    "measured_user_downtime_s": (_or_null(_seconds), False),
    "system": (_or_null(_text), False),
}


def _first(
    document: dict[str, Any], fields: dict[str, tuple[Check, bool]]
) -> tuple[str, str] | None:
    for field, (check, required) in fields.items():
        if field not in document:
            if required:
                return field, "missing"
            continue
        if (wrong := check(document[field])) is not None:
            return field, wrong
    return None


def problem(event: Any) -> tuple[str, str] | None:
    """The first ``(field, what is wrong)`` of one parsed line, or None when it is sound."""
    if not isinstance(event, dict):
        return "event", "not a JSON object"
    common = _first(event, {"ts": (_time, True), "type": (_text, True)})
    return common or _first(event, FIELDS.get(event["type"], {}))


def summary_problem(document: Any) -> tuple[str, str] | None:
    """The first ``(field, what is wrong)`` of a summary.json document, or None."""
    if not isinstance(document, dict):
        return "summary", "not a JSON object"
    return _first(document, SUMMARY_FIELDS)
