"""Typed models of a system definition (docs/contract.md §1), every duration in seconds.

The model knows no screen, no process and no cloud. The loader builds it from a system
folder; everything downstream (graph, people, exercise, report) reads it.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from bookstore_resil.define.availability import parse_availability
from bookstore_resil.define.units import Objective
from bookstore_resil.errors import UsageError

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# A scenario's `fault: manual`: nothing is injected; the team breaks the system by hand.
MANUAL_FAULT = "manual"
PROCEDURES = ("recovery_procedure", "test_procedure", "resume_procedure")
# Run, in order, when an executed exercise ends with the service not recovered (a halt, an
# interrupted drill, a failure the playbook has no branch for): never part of the walk.
ROLLBACK = "rollback_procedure"
# What a step's ``next`` may name besides a step id: the start of a procedure, or the end.
JUMPS = {"test": "test_procedure", "resume": "resume_procedure", "end": None}


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


TimeZone = Annotated[str, AfterValidator(_known_zone)]


def _objective(name: str) -> Any:
    return Field(validation_alias=AliasChoices(name, f"{name}_s"))


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
        start, end, zone = self.start, self.end, self.timezone
        if self.always or start is None or end is None or zone is None:
            return True
        local = moment.astimezone(ZoneInfo(zone)).time().replace(tzinfo=None)
        if start < end:
            return start <= local < end
        return local >= start or local < end


class Edge(_Model):
    """A child dependency: ``service`` is needed by its parent, critically or not."""

    service: str
    critical: bool = True
    degraded: str | None = None


PERIOD_SCHEMA = {
    "type": "string",
    "description": "always, or a daily window in a time zone",
    "examples": ["always", "02:00-03:00 America/Los_Angeles"],
}


def _bare_ids_allowed(schema: dict[str, Any]) -> None:
    """``depends_on`` items in JSON Schema: a bare service id (a critical edge) or an edge."""
    schema["items"] = {"anyOf": [{"type": "string", "pattern": ID_PATTERN}, schema["items"]]}


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
    criticality_period: Annotated[CriticalityPeriod, WithJsonSchema(PERIOD_SCHEMA)] = Field(
        default=CriticalityPeriod(), json_schema_extra={"default": "always"}
    )
    manual_workaround: str | None = None
    rto_s: Objective = _objective("rto")
    rpo_s: Objective = _objective("rpo")
    depends_on: list[Edge] = Field(default=[], json_schema_extra=_bare_ids_allowed)

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
    """A team member (or a whole team): the contact table, the org chart's ``reports_to``,
    and the ``team`` they belong to (as a Backstage import knows it)."""

    name: str
    position: str = ""
    team: str | None = None
    services: list[str] = []
    email: str | None = None
    phone: str | None = None
    availability: str = "On-call"
    timezone: TimeZone = "UTC"
    reports_to: str | None = None

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

    def handles(self, status: str) -> bool:
        """Whether ``status`` is part of the plan: anything but a failure the step does not
        branch on (a check that fails when the fault is there has ``next: {failed: ...}``)."""
        return status != "failed" or "failed" in self.next


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
    rollback_procedure: list[Step] = []
    source: SkipJsonSchema[str] = ""  # the file it was read from, set by the loader

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
        return next(p for p in (*PROCEDURES, ROLLBACK) if step in getattr(self, p))

    def next_after(self, step: Step, status: str) -> Step | None:
        """The step after ``step`` ended with ``status`` (None: the end). A failure the
        step does not branch on ends the exercise."""
        if status == "failed" and "failed" not in step.next:
            return None
        jump = next((to for outcome, to in step.next.items() if outcome == status), None)
        if jump is None:
            index = self.steps.index(step)
            return self.steps[index + 1] if index + 1 < len(self.steps) else None
        if jump in JUMPS:
            procedure = JUMPS[jump]
            steps = getattr(self, procedure) if procedure else []
            return steps[0] if steps else None
        return self.step(jump)


class System(_Model):
    """A whole system definition folder. ``timezone`` is the team's: the game day and the
    report show times in it beside UTC."""

    system: str
    description: str = ""
    entrypoint: str
    timezone: TimeZone = "UTC"
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
