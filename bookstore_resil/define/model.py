"""Typed models of a system definition (CONTRACT §1), every duration in seconds.

The model knows no screen, no process and no cloud. The loader builds it from a system
folder; everything downstream (graph, people, exercise, report) reads it.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from bookstore_resil.define.availability import parse_availability
from bookstore_resil.errors import UsageError

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# A scenario's `fault: manual`: nothing is injected; the team breaks the system by hand.
MANUAL_FAULT = "manual"
PROCEDURES = ("recovery_procedure", "test_procedure", "resume_procedure")
# What a step's ``next`` may name besides a step id: the start of a procedure, or the end.
JUMPS = {"test": "test_procedure", "resume": "resume_procedure", "end": None}


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
    import pandas as pd

    # pandas 3 deprecates the lower-case day and week units the contract uses ("2d").
    text = _DAY_WEEK.sub(lambda m: m.group(1) + m.group(2).upper(), value.strip())
    try:
        seconds = pd.Timedelta(text).total_seconds()
    except (ValueError, TypeError) as exc:
        raise ValueError(unreadable_duration(value)) from exc
    return _at_least(value, seconds, minimum_s)


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
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if context.get("from_file"):
            raise ValueError(f"expected a duration with a unit such as '12h', got {value!r}")
        return _at_least(value, float(value), minimum_s)
    return parse_duration(value, minimum_s)


def _objective_duration(value: Any, info: ValidationInfo) -> float | None:
    return _duration(value, info, MIN_OBJECTIVE_S)


# None only where an incomplete system is loaded for analysis (``rto: TODO``); a strict
# load, and every exercise, always has the number. A Duration (an interval, a timeout) may
# be under a second; an Objective (an RTO or RPO) may not: a nanosecond objective is a
# typo no one can meet.
Duration = Annotated[float | None, BeforeValidator(_duration)]
Objective = Annotated[float | None, BeforeValidator(_objective_duration)]


def _objective(name: str) -> Any:
    return Field(validation_alias=AliasChoices(name, f"{name}_s"))


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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s+(\S+)\s*$")


class CriticalityPeriod(_Model):
    """``always``, or a daily window in a time zone: ``"02:00-03:00 America/Los_Angeles"``."""

    always: bool = True
    start: time | None = None
    end: time | None = None
    timezone: str | None = None
    text: str = "always"

    @classmethod
    def parse(cls, value: Any) -> CriticalityPeriod:
        if value is None or (isinstance(value, str) and value.strip().lower() == "always"):
            return cls()
        if not isinstance(value, str):
            raise ValueError(f"expected 'always' or 'HH:MM-HH:MM Area/City', got {value!r}")
        match = _WINDOW.match(value)
        if not match:
            raise ValueError(f"cannot read {value!r}: expected 'always' or 'HH:MM-HH:MM Area/City'")
        h1, m1, h2, m2, tz = match.groups()
        try:
            start, end = time(int(h1), int(m1)), time(int(h2), int(m2))
        except ValueError as exc:
            raise ValueError(f"cannot read {value!r}: {exc}") from exc
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {tz!r} in {value!r}") from exc
        if start == end:
            raise ValueError(f"window {value!r} is empty")
        return cls(always=False, start=start, end=end, timezone=tz, text=value.strip())

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` (timezone-aware) falls in the window; always true for ``always``."""
        if self.always:
            return True
        local = moment.astimezone(ZoneInfo(self.timezone)).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class Edge(_Model):
    """A child dependency: ``service`` is needed by its parent, critically or not."""

    service: str
    critical: bool = True
    degraded: str | None = None


class Service(_Model):
    """One row of the architecture table and of the dependency table."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    purpose: str = ""
    supports: str | None = None
    platform: str = ""
    technologies: list[str] = []
    identifier: str | None = None
    az: str | None = None
    vpc: str | None = None
    subnet: str | None = None
    endpoint: str | None = None
    critical: bool = True
    criticality_period: CriticalityPeriod = CriticalityPeriod()
    manual_workaround: str | None = None
    rto_s: Objective = _objective("rto")
    rpo_s: Objective = _objective("rpo")
    depends_on: list[Edge] = []

    @field_validator("depends_on", mode="before")
    @classmethod
    def _bare_ids(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"service": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("criticality_period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> Any:
        return value if isinstance(value, CriticalityPeriod) else CriticalityPeriod.parse(value)


class Contact(_Model):
    """A team member: the contact table plus the org chart's ``reports_to``."""

    name: str
    position: str = ""
    services: list[str] = []
    email: str | None = None
    phone: str | None = None
    availability: str = "On-call"
    timezone: str = "UTC"
    reports_to: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("availability")
    @classmethod
    def _availability(cls, value: str) -> str:
        # Parsed only to refuse unreadable text; the raw text stays the field's value.
        parse_availability(value)
        return value

    def covers(self, service: str) -> bool:
        return "ALL" in self.services or service in self.services


class Notification(_Model):
    """One notification procedure: who is told what, when, why and how."""

    who: str
    what: str
    when: str
    why: str
    how: str


class Action(_Model):
    """What a target's driver runs for a step: an action name and its arguments."""

    name: str
    args: dict[str, Any] = {}


class Step(_Model):
    """One playbook step. Without ``action`` it is manual: a person marks its outcome."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    command: str | None = None
    action: Action | None = None
    expect: str | None = None
    output: str | None = None
    optional: bool = False
    next: dict[Literal["ok", "failed", "skipped"], str] = {}

    @property
    def automated(self) -> bool:
        return self.action is not None


class Leads(_Model):
    primary: str
    secondary: str | None = None


class Scenario(_Model):
    """One failover scenario of a playbook, with its procedures."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    description: str = ""
    playbook: Literal["disaster-recovery", "critical-dependency", "non-critical-dependency"]
    service: str
    strategy: str = ""
    leads: Leads
    severity: Literal["critical", "high", "medium", "low"] = "critical"
    overview: list[str] = []
    assumptions: list[str] = []
    rto_s: Objective = _objective("rto")
    rpo_s: Objective = _objective("rpo")
    recovery_platform: str = ""
    fault: str | None = None
    recovery_procedure: list[Step]
    test_procedure: list[Step] = []
    resume_procedure: list[Step] = []
    source: str = ""

    @property
    def steps(self) -> list[Step]:
        """Every step, in playbook order: recovery, then test, then resume."""
        return [*self.recovery_procedure, *self.test_procedure, *self.resume_procedure]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def procedure_of(self, step: Step) -> str:
        return next(p for p in PROCEDURES if step in getattr(self, p))

    def next_after(self, step: Step, status: str) -> Step | None:
        """The step after ``step`` ended with ``status`` (None: the end). A failure the
        step does not branch on ends the exercise."""
        if status == "failed" and "failed" not in step.next:
            return None
        jump = step.next.get(status)
        if jump is None:
            index = self.steps.index(step)
            return self.steps[index + 1] if index + 1 < len(self.steps) else None
        if jump in JUMPS:
            procedure = JUMPS[jump]
            steps = getattr(self, procedure) if procedure else []
            return steps[0] if steps else None
        return self.step(jump)


class System(_Model):
    """A whole system definition folder."""

    system: str
    description: str = ""
    entrypoint: str
    services: list[Service]
    contacts: list[Contact] = []
    notification: list[Notification] = []
    scenarios: list[Scenario] = []
    path: str = ""

    def service(self, service_id: str) -> Service:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def scenario(self, scenario_id: str) -> Scenario:
        """The scenario ``scenario_id``; a UsageError naming the known ones otherwise."""
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        known = ", ".join(s.id for s in self.scenarios) or "none"
        raise UsageError(f"unknown scenario {scenario_id!r} (known: {known})")

    def contact(self, name: str) -> Contact:
        for contact in self.contacts:
            if contact.name == name:
                return contact
        raise KeyError(name)
