"""The append-only event log of an exercise (``events.jsonl``, CONTRACT §3).

Every event is one JSON object a line with ``ts`` (ISO 8601, UTC) and ``type``, written,
flushed and fsynced before :meth:`EventLog.append` returns, so a dying kernel loses
nothing that was recorded. Reading back tolerates a last line cut short by a crash.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bookstore_resil.clock import iso, now
from bookstore_resil.errors import EventLogError

# The event types an exercise writes, in the order they usually appear.
STARTED = "exercise_started"
RESUMED = "exercise_resumed"
FAULT = "fault_injected"
OUTAGE = "outage_declared"
PROBES = "probes_started"
PROBE = "probe"
CANARY = "canary"
CANARY_CHECK = "canary_check"
STEP_STARTED = "step_started"
STEP_FINISHED = "step_finished"
NOTE = "note"
NOTIFICATION = "notification"
DEVIATION = "deviation"
HALTED = "halted"
FINISHED = "exercise_finished"
ERROR = "error"


class EventLog:
    """Appends events to ``events.jsonl``; safe to call from the prober's thread."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def append(self, type: str, ts: datetime | None = None, **fields: Any) -> dict[str, Any]:
        event = {"ts": iso(ts or now()), "type": type, **fields}
        line = json.dumps(event, default=str, separators=(",", ":")) + "\n"
        with self._lock:
            if self._file.closed:
                raise EventLogError(str(self.path), 0, f"closed: {type} not recorded")
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())
        return event

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()

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
    """Read an event log; a partial last line (a crash mid-write) is dropped and flagged."""
    events: list[dict[str, Any]] = []
    truncated = False
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            if number >= len(lines) - 1:
                truncated = True
                continue
            raise EventLogError(str(path), number, "not a JSON object") from None
        if not isinstance(event, dict) or "ts" not in event or "type" not in event:
            raise EventLogError(str(path), number, "needs 'ts' and 'type'")
        events.append(event)
    return LogContents(events, truncated)
