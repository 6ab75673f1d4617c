"""Availability: when a contact can be reached, read from the contact table's free text.

The seed writes "9 - 5, M - F", "9 - 5, M - F; 10 - 2, S & S" and "On-call"; the model checks
each contact's text with :func:`parse_availability` as the file is loaded, so an unreadable one
is a ``FILE:LINE: field: message`` problem, and ``analyse.people`` reads it in the contact's
own time zone to decide whom to call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bookstore_resil.clock import aware

MINUTES_PER_DAY = 24 * 60
ALWAYS = ("on-call", "on call", "oncall", "24/7", "always")
EVERY_DAY = frozenset(range(7))
_DAY_NAMES = {
    0: ("m", "mo", "mon", "monday"),
    1: ("tu", "tue", "tues", "tuesday"),
    2: ("w", "we", "wed", "wednesday"),
    3: ("th", "thu", "thur", "thurs", "thursday"),
    4: ("f", "fr", "fri", "friday"),
    5: ("sa", "sat", "saturday"),
    6: ("su", "sun", "sunday"),
}
DAYS = {name: day for day, names in _DAY_NAMES.items() for name in names}
DAY_SETS = {
    "daily": EVERY_DAY,
    "every day": EVERY_DAY,
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?"
_HOURS = re.compile(rf"^{_TIME}\s*(?:-|–|to)\s*{_TIME}$", re.IGNORECASE)
# The seed's "S & S": Saturday and Sunday, though "S" alone could be either.
_WEEKEND_PAIR = re.compile(r"\bs\s*&\s*s\b", re.IGNORECASE)
_DAY_SEPARATORS = re.compile(r"\s*(?:,|&|/|\band\b)\s*", re.IGNORECASE)
EXPECTED = (
    "expected 'On-call', '24/7', or hours and days such as '9 - 5, M - F' or '09:00-17:00, Mon-Fri'"
)


@dataclass(frozen=True)
class Window:
    """Hours on some days, in minutes since local midnight; ``end`` may be 1440 (24:00).

    ``end < start`` runs past midnight: the hours after midnight belong to the next day.
    """

    days: frozenset[int]  # 0 = Monday
    start: int
    end: int

    def contains(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        return (weekday in self.days and minute >= self.start) or (
            (weekday - 1) % 7 in self.days and minute < self.end
        )

    def __str__(self) -> str:
        def hhmm(minutes: int) -> str:
            return f"{minutes // 60:02d}:{minutes % 60:02d}"

        return f"{hhmm(self.start)}-{hhmm(self.end)} {_describe_days(self.days)}"


@dataclass(frozen=True)
class Availability:
    """A parsed availability: always (on call), or a set of weekly windows."""

    text: str
    windows: tuple[Window, ...] = ()
    always: bool = False

    def at(self, moment: datetime, timezone_name: str) -> bool:
        """Whether ``moment`` (naive means UTC) falls in a window, read in ``timezone_name``."""
        if self.always:
            return True
        local = aware(moment).astimezone(ZoneInfo(timezone_name))
        minute = local.hour * 60 + local.minute
        return any(window.contains(local.weekday(), minute) for window in self.windows)

    def __str__(self) -> str:
        return "always" if self.always else "; ".join(str(w) for w in self.windows)


def _describe_days(days: frozenset[int]) -> str:
    if days == EVERY_DAY:
        return "daily"
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{_WEEKDAY_ABBR[ordered[0]]}-{_WEEKDAY_ABBR[ordered[-1]]}"
    return ",".join(_WEEKDAY_ABBR[d] for d in ordered)


@lru_cache(maxsize=256)
def parse_availability(text: str) -> Availability:
    """Read an availability; raise ValueError (a validation message) when it cannot be read.

    Forms: ``On-call`` / ``24/7`` / ``always``; or windows separated by ``;``, each
    ``HOURS[, DAYS]`` (no days: every day). HOURS is ``9 - 5`` (bare hours, a 12-hour
    shorthand: an end not after the start is in the afternoon, so 9:00-17:00), ``9am - 5pm``,
    or 24-hour ``09:00-17:00`` (an end before the start runs past midnight). DAYS is a list
    (``,``, ``&``, ``/``, ``and``) of days or ranges: ``M - F``, ``Mon-Fri``, ``Sat & Sun``,
    ``S & S`` (the weekend), ``weekdays``, ``weekends``, ``daily``.
    """
    stripped = text.strip()
    if stripped.lower() in ALWAYS:
        return Availability(text, always=True)
    if not stripped:
        raise ValueError(f"empty availability; {EXPECTED}")
    windows = []
    for part in stripped.split(";"):
        hours, _, days = part.partition(",")
        try:
            start, end = _parse_hours(hours.strip())
            day_set = _parse_days(days.strip()) if days.strip() else EVERY_DAY
        except ValueError as exc:
            raise ValueError(f"cannot read {text!r}: {exc}; {EXPECTED}") from None
        windows.append(Window(day_set, start, end))
    return Availability(text, tuple(windows))


def _parse_hours(text: str) -> tuple[int, int]:
    match = _HOURS.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a range of hours")
    h1, m1, p1, h2, m2, p2 = match.groups()
    start = _minutes(h1, m1, p1)
    end = _minutes(h2, m2, p2)
    shorthand = not (m1 or m2 or p1 or p2)
    if shorthand and end <= start and end + 12 * 60 <= MINUTES_PER_DAY:
        end += 12 * 60
    if start == end:
        raise ValueError(f"{text!r} is an empty range")
    if start >= MINUTES_PER_DAY:
        raise ValueError(f"{text!r} starts at 24:00")
    return start, end


def _minutes(hour_text: str, minute_text: str | None, meridiem: str | None) -> int:
    hour, minute = int(hour_text), int(minute_text or 0)
    if minute > 59:
        raise ValueError(f"minute {minute} is out of range")
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour}{meridiem} is out of range")
        hour = hour % 12 + (12 if meridiem.lower() == "pm" else 0)
    elif hour > 24 or (hour == 24 and minute):
        raise ValueError(f"hour {hour}:{minute:02d} is out of range")
    return hour * 60 + minute


def _parse_days(text: str) -> frozenset[int]:
    text = _WEEKEND_PAIR.sub("sat & sun", text).replace("–", "-").lower()
    if text in DAY_SETS:
        return DAY_SETS[text]
    days: set[int] = set()
    for item in _DAY_SEPARATORS.split(text):
        first, dash, last = (part.strip() for part in item.partition("-"))
        start = _day(first)
        end = _day(last) if dash else start
        days.update((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    return frozenset(days)


def _day(name: str) -> int:
    if name in DAYS:
        return DAYS[name]
    if name in ("t", "s"):
        which = "Tue or Thu" if name == "t" else "Sat or Sun"
        raise ValueError(f"day {name.upper()!r} is ambiguous ({which}?)")
    raise ValueError(f"{name!r} is not a day")
