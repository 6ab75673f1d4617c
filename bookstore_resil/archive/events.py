"""The append-only event log of an exercise (``events.jsonl``, docs/contract.md §3).

Every event is one JSON object a line with ``ts`` (ISO 8601, UTC) and ``type``, written,
flushed and fsynced before :meth:`EventLog.append` returns, so a dying kernel loses
nothing that was recorded. A line the disk has no room for is cut back off and the append
fails, so a full disk leaves every line before it whole. Reading back tolerates a last
line cut short by a crash, and checks every line: its fields (:mod:`.fields`) and its
times, which lie within the exercise.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bookstore_resil.archive.fields import FIELDS, problem
from bookstore_resil.clock import iso, now, parse_ts
from bookstore_resil.errors import EventLogError

# The event types an exercise writes, in the order they usually appear.
STARTED = "exercise_started"
BRIEFING = "briefing"
RESUMED = "exercise_resumed"
FAULT = "fault_injected"
FAULT_FAILED = "fault_failed"
OUTAGE = "outage_declared"
PROBES = "probes_started"
PROBE = "probe"
CANARY = "canary"
CANARY_CHECK = "canary_check"
NEWEST_RECORD = "newest_record"
STEP_STARTED = "step_started"
STEP_FINISHED = "step_finished"
NOTE = "note"
OBSERVATION = "observation"
NOTIFICATION = "notification"
DEVIATION = "deviation"
HALTED = "halted"
ROLLBACK = "rollback_started"
ROLLED_BACK = "rollback_finished"
FINISHED = "exercise_finished"
ERROR = "error"

# Every time in a log lies within its exercise, from exercise_started to the last event,
# give or take this much (a sample's own time comes a moment before its line); and no
# event lies further ahead of the reader's clock than a badly set clock could put it.
SLACK = timedelta(seconds=5)
FUTURE_SLACK = timedelta(days=1)


class EventLog:
    """Appends events to ``events.jsonl``; safe to call from the prober's thread.

    ``clock`` stamps each event (an exercise passes its
    :class:`~bookstore_resil.clock.ExerciseClock`), under the lock, so the times in the file
    never run backwards.
    """

    def __init__(self, path: str | Path, clock: Callable[[], datetime] = now):
        self.path = Path(path)
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, type: str, ts: datetime | None = None, **fields: Any) -> dict[str, Any]:
        with self._lock:
            if self._fd is None:
                raise EventLogError(str(self.path), 0, f"closed: {type} not recorded")
            event = {"ts": iso(ts or self.clock()), "type": type, **fields}
            line = json.dumps(event, default=str, separators=(",", ":")) + "\n"
            data = line.encode("utf-8")
            end = os.lseek(self._fd, 0, os.SEEK_END)
            try:
                written = 0
                while written < len(data):
                    written += os.write(self._fd, data[written:])
                os.fsync(self._fd)
            except OSError as error:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, end)
                reason = error.strerror or str(error)
                raise EventLogError(str(self.path), 0, f"{type} not recorded: {reason}") from None
        return event

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class LogContents:
    """The events read back, and whether the last line was cut short."""

    events: list[dict[str, Any]]
    truncated: bool


def read_events(path: str | Path) -> LogContents:
    """Read an event log, every line checked (:mod:`.fields`); a partial last line (a
    crash mid-write) is dropped and flagged. A bad line is one :class:`EventLogError`
    naming the line and the field."""
    events: list[dict[str, Any]] = []
    numbers: list[int] = []
    truncated = False
    try:
        lines = Path(path).read_bytes().split(b"\n")
    except OSError as error:
        raise EventLogError(str(path), 0, error.strerror or str(error), "file") from None
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise EventLogError(str(path), number, "not UTF-8") from None
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            if number >= len(lines) - 1:
                truncated = True
                continue
            raise EventLogError(str(path), number, "not a JSON object") from None
        wrong = problem(event)
        if wrong is not None:
            raise EventLogError(str(path), number, wrong[1], wrong[0])
        events.append(event)
        numbers.append(number)
    _check_times(str(path), events, numbers)
    return LogContents(events, truncated)


def _check_times(path: str, events: list[dict[str, Any]], numbers: list[int]) -> None:
    """Each ``ts`` and ``at`` within the exercise (see :data:`SLACK`), else one
    :class:`EventLogError` naming the first line outside it."""
    start = next((e for e in events if e["type"] == STARTED), None)
    if start is None:
        return  # not an exercise: the callers say so
    last = events[-1]["ts"]
    if parse_ts(last) > now() + FUTURE_SLACK:
        raise EventLogError(path, numbers[-1], f"{last} is in the future", "ts")
    begin, end = parse_ts(start["ts"]) - SLACK, parse_ts(last) + SLACK
    for number, event in zip(numbers, events, strict=True):
        timed = ("ts", "at") if "at" in FIELDS.get(event["type"], {}) else ("ts",)
        for field in timed:
            value = event.get(field)
            if isinstance(value, str) and not begin <= parse_ts(value) <= end:
                span = f"{start['ts']} to {last}"
                message = f"{value} lies outside the exercise ({span})"
                raise EventLogError(path, number, message, field)
