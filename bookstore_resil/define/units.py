"""Durations as a definition file writes them (``12h``, ``30min``, ``90s``, ``2d``) and as
the tool shows them, every one in seconds in between."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema

# pandas reads a bare number such as "12" as nanoseconds.
_NUMBER = re.compile(r"^\s*[-+]?[\d.]+\s*$")


_DAY_WEEK = re.compile(r"(\d\s*)([dw])(?![a-z])")
# ISO 8601 as pandas reads it right: weeks, days, hours, minutes, seconds. pandas takes the
# months of "P1M" for minutes and the "0.5" of "P0.5D" for 5: both are refused.
_ISO = re.compile(r"^[-+]?P", re.IGNORECASE)
_ISO_FIXED = re.compile(r"^P(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
# Below this a duration is a typo, not a timeout ("1ns"); an RTO or RPO is at least 1 s.
MIN_DURATION_S = 0.001
MIN_OBJECTIVE_S = 1.0
# Every wait of an exercise (baseline, sustain, recovery, the probe interval) is under a day.
DAY_S = 86400.0


def check_interval(seconds: float | None) -> float:
    """``seconds`` as a probe interval: from a millisecond (shorter, the probes only spin)
    to under a day. The one bound of target.yaml's ``interval`` and drill's
    ``--probe-interval``; raises ValueError outside it."""
    if seconds is None or not MIN_DURATION_S <= seconds < DAY_S:  # NaN is outside too
        raise ValueError(f"a probe interval is from 1ms to under a day, not {seconds!r}")
    return seconds


def unreadable_duration(value: Any) -> str:
    """The message for a duration that cannot be read, as ``validate`` reports it."""
    return f"cannot read {value!r} as a duration (e.g. 12h, 30min, 90s, 2d)"


def _check_iso(value: str) -> None:
    text = value.strip().upper()
    if "Y" in text or "M" in text.split("T", 1)[0]:
        raise ValueError(
            f"duration {value!r}: months and years have no fixed length; use days (e.g. 30d)"
        )
    if not _ISO_FIXED.match(text):
        raise ValueError(f"cannot read {value!r} as an ISO 8601 duration (e.g. P2D, PT12H)")


def parse_duration(value: Any, minimum_s: float = MIN_DURATION_S) -> float:
    """``"12h"``, ``"30min"``, ``"90s"``, ``"2d"`` -> seconds, parsed by pandas.

    A bare number is refused: the seed's tables say "12" and mean hours, which a reader
    cannot tell from minutes. So is an ISO duration in months or years (no fixed length),
    and one shorter than ``minimum_s``.
    """
    if isinstance(value, bool) or not isinstance(value, str) or _NUMBER.match(value):
        raise ValueError(f"expected a duration with a unit such as '12h' or '30min', got {value!r}")
    if _ISO.match(value.strip()):
        _check_iso(value)
    return _at_least(value, _seconds(value), minimum_s)


# The forms a definition nearly always uses, read without pandas (whose import alone costs
# more than reading a large definition): a whole number and a unit pandas reads the same.
_PLAIN = re.compile(r"^\s*([0-9]{1,9})(s|min|h|d|w)\s*$")
_PANDAS_MAX_S = 9_223_372_036  # a Timedelta counts nanoseconds in 64 bits
_UNIT_S = {"s": 1, "min": 60, "h": 3600, "d": 86400, "w": 604800}


@lru_cache(maxsize=1024)
def _seconds(value: str) -> float:
    """Seconds in a duration text, parsed by pandas; cached, as a large definition repeats a
    handful of them thousands of times."""
    plain = _PLAIN.match(value)
    if plain and (seconds := int(plain[1]) * _UNIT_S[plain[2]]) <= _PANDAS_MAX_S:
        return float(seconds)
    import pandas as pd

    # pandas 3 deprecates the lower-case day and week units the contract uses ("2d").
    text = _DAY_WEEK.sub(lambda m: m.group(1) + m.group(2).upper(), value.strip())
    try:
        return pd.Timedelta(text).total_seconds()
    except (ValueError, TypeError) as exc:
        raise ValueError(unreadable_duration(value)) from exc


def _at_least(value: Any, seconds: float, minimum_s: float) -> float:
    if not seconds > 0:
        raise ValueError(f"duration {value!r} must be positive")
    if seconds < minimum_s:
        shortest = "a second" if minimum_s == MIN_OBJECTIVE_S else f"{minimum_s:g}s"
        raise ValueError(f"duration {value!r} is shorter than {shortest}")
    return seconds


TODO = "TODO"


def _duration(value: Any, info: ValidationInfo, minimum_s: float = MIN_DURATION_S) -> float | None:
    # Numbers are seconds when built in code; a definition file must say its unit.
    context = info.context or {}
    if context.get("incomplete") and isinstance(value, str) and value.strip().upper() == TODO:
        return None  # an objective not decided yet: analysed as unknown, never guessed
    if context.get("unreadable"):  # reported already: read on with it unknown
        try:
            return _strict(value, context, minimum_s)
        except ValueError:
            return None
    return _strict(value, context, minimum_s)


def _strict(value: Any, context: dict[str, Any], minimum_s: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if context.get("from_file"):
            raise ValueError(f"expected a duration with a unit such as '12h', got {value!r}")
        return _at_least(value, float(value), minimum_s)
    return parse_duration(value, minimum_s)


def _objective_duration(value: Any, info: ValidationInfo) -> float | None:
    return _duration(value, info, MIN_OBJECTIVE_S)


# As a file writes it (the JSON Schema editors check against); seconds once loaded. None
# only where an incomplete system is loaded for analysis (``rto: TODO``); a strict load,
# and every exercise, always has the number. A Duration (an interval, a timeout) may be
# under a second; an Objective (an RTO or RPO) may not: a nanosecond objective is a typo no
# one can meet.
# What a file may write (an editor flags "banana" as it is typed); validate reads it.
DURATION_PATTERN = (
    r"^\s*(?:TODO"  # not decided yet: deps analyses it as unknown, validate refuses it
    r"|[-+]?P(?=\d|T\d)(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"
    r"|(?:\d+(?:\.\d+)?\s*(?:w|W|weeks?|d|D|days?|h|H|hr|hrs|hours?|m|min|mins|minutes?"
    r"|s|S|sec|secs|seconds?|ms|milliseconds?|us|microseconds?|ns|nanoseconds?)\s*)+"
    r"|(?:\d+\s+days?,?\s+)?\d{1,2}:\d{2}:\d{2}(?:\.\d+)?"
    r")\s*$"
)
DURATION_SCHEMA = {
    "type": "string",
    "pattern": DURATION_PATTERN,
    "description": "a duration with a unit: 12h, 30min, 90s, 2d",
    "examples": ["12h", "30min", "90s", "2d"],
}
Duration = Annotated[float | None, BeforeValidator(_duration), WithJsonSchema(DURATION_SCHEMA)]
Objective = Annotated[
    float | None, BeforeValidator(_objective_duration), WithJsonSchema(DURATION_SCHEMA)
]


def format_duration(seconds: float | None) -> str:
    """Seconds -> the shortest readable form: ``12h``, ``1h 30min``, ``4.2s``."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    parts = []
    rest = int(round(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts)
