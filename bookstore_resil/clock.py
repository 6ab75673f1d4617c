"""Time as every stage writes it: aware UTC datetimes, ISO 8601 text with a ``Z``.

An exercise reads the wall clock once, when it starts, and counts every later moment on
the monotonic clock from there (:class:`ExerciseClock`): an NTP step or a person setting
the clock mid-exercise moves no probe, canary or event time, so no downtime comes out
negative and no outage disappears.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone: a naive datetime, as typed at a prompt or in a test, is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def boot_id() -> str | None:
    """This boot of the machine (Linux), within which the monotonic clock is one clock for
    every process; None where it cannot be told."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


@dataclass(frozen=True)
class ExerciseClock:
    """The wall-clock time ``wall`` read once at monotonic reading ``monotonic``; every
    later moment is ``wall`` plus the monotonic time gone by since."""

    wall: datetime
    monotonic: float
    boot: str | None

    @classmethod
    def start(cls) -> ExerciseClock:
        return cls(now(), time.monotonic(), boot_id())

    def at(self, monotonic: float) -> datetime:
        """The moment of monotonic reading ``monotonic`` (``time.monotonic()``)."""
        return self.wall + timedelta(seconds=monotonic - self.monotonic)

    def now(self) -> datetime:
        return self.at(time.monotonic())

    def epoch(self) -> float:
        """Now in epoch seconds, on this clock."""
        return self.now().timestamp()

    def anchor(self) -> dict[str, Any]:
        """What the event log keeps so that a resume in this boot goes on with this clock."""
        return {"wall": iso(self.wall), "monotonic": self.monotonic, "boot": self.boot}

    @classmethod
    def resume(cls, anchor: Any, not_before: datetime) -> ExerciseClock:
        """The clock of an exercise picked up again: its recorded anchor when the machine
        has not rebooted since (the monotonic clock runs on), else the wall clock read
        anew, never earlier than ``not_before`` (the last time the log holds), so time in
        one exercise never runs backwards."""
        here = boot_id()
        if isinstance(anchor, dict) and here is not None and anchor.get("boot") == here:
            try:
                return cls(parse_ts(str(anchor["wall"])), float(anchor["monotonic"]), here)
            except (KeyError, TypeError, ValueError):
                pass
        fresh = cls.start()
        if fresh.wall < not_before:
            return cls(not_before, fresh.monotonic, fresh.boot)
        return fresh


def beside_utc(moment: datetime | str, zone: str = "UTC", date: bool = False) -> str:
    """``13:20:31 PST (21:20:31 UTC)``: a time in the team's zone with UTC beside it (the
    room reads its own clock, the log speaks UTC); UTC alone when that is the team's zone.
    ``date`` puts the day in front: ``2026-11-26 13:20:31 PST (21:20:31 UTC)``."""
    from zoneinfo import ZoneInfo

    if isinstance(moment, str):
        moment = parse_ts(moment)
    shape = "%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S"
    utc = moment.astimezone(timezone.utc)
    if zone == "UTC":
        return f"{utc:{shape}} UTC"
    there = moment.astimezone(ZoneInfo(zone))
    return f"{there:{shape} %Z} ({utc:%H:%M:%S} UTC)"
