"""What the people in the room add to an exercise's log, beside the playbook's steps.

Gremlin's GameDays name an owner, a coordinator, a reporter and observers, and write down
a hypothesis before anything breaks and observations while it happens. Here the
*briefing* (the hypothesis and who plays which role) is recorded before Start, every
*observation*, *deviation* and step *note* goes into the log with its time and author, and
each person on the call list is *notified* once: a second click records nothing new. The
engine owns the steps; this owns the people's side, and is rebuilt from the log on resume.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bookstore_resil.archive import events as ev
from bookstore_resil.define.units import format_duration

Record = Callable[..., dict[str, Any]]
FACILITATOR = "facilitator"  # who closed a step by hand, when no coordinator was named


@dataclass(frozen=True)
class Hypothesis:
    """What the team expects before the fault: the service back within ``downtime_s``, at
    most ``data_loss_s`` of acknowledged writes lost (0: none). The report holds it against
    what was measured."""

    downtime_s: float
    data_loss_s: float
    text: str = ""

    def words(self, service: str) -> str:
        """The hypothesis as a sentence, the team's own words when it gave some."""
        if self.text:
            return self.text
        loss = (
            "no acknowledged write lost"
            if not self.data_loss_s
            else f"at most {format_duration(self.data_loss_s)} of writes lost"
        )
        return f"{service} is back within {format_duration(self.downtime_s)}, {loss}"


@dataclass(frozen=True)
class Roles:
    """Who does what during the game day, chosen from the contacts."""

    coordinator: str = ""  # drives the panel and calls each step
    scribe: str = ""  # types the notes and observations
    observers: tuple[str, ...] = ()

    def as_fields(self) -> dict[str, Any]:
        return {
            "coordinator": self.coordinator,
            "scribe": self.scribe,
            "observers": list(self.observers),
        }


@dataclass
class Room:
    """The people's side of one exercise: briefing, observations, notes, notifications."""

    record: Record
    current_step: Callable[[], str | None]
    roles: Roles = field(default_factory=Roles)
    hypothesis: Hypothesis | None = None
    notified: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def closer(self) -> str:
        """Who a step closed by hand was closed by: the coordinator, when one was named."""
        return self.roles.coordinator or FACILITATOR

    @property
    def author(self) -> str:
        """Who wrote a note nobody signed: the scribe, else the coordinator."""
        return self.roles.scribe or self.closer

    def brief(self, hypothesis: Hypothesis, roles: Roles, service: str) -> dict[str, Any]:
        """Record the hypothesis and the roles (before Start; the last briefing counts)."""
        self.hypothesis, self.roles = hypothesis, roles
        return self.record(
            ev.BRIEFING,
            hypothesis=hypothesis.words(service),
            expect_downtime_s=hypothesis.downtime_s,
            expect_data_loss_s=hypothesis.data_loss_s,
            **roles.as_fields(),
        )

    def observe(self, text: str, author: str = "") -> dict[str, Any]:
        """A free observation of the whole exercise, with its time and author."""
        return self.record(
            ev.OBSERVATION, text=text, author=author or self.author, step=self.current_step()
        )

    def deviation(self, text: str, author: str = "") -> dict[str, Any]:
        """Something done that the playbook does not document."""
        return self.record(
            ev.DEVIATION, text=text, step=self.current_step(), author=author or self.author
        )

    def note(self, step: str, text: str, author: str = "") -> dict[str, Any]:
        """The notes typed on a step that is still open (saved on Halt and Finish)."""
        return self.record(ev.NOTE, text=text, step=step, author=author or self.author)

    def notify(self, contact: str, reason: str, how: str = "", by: str = "") -> dict[str, Any]:
        """Record that ``contact`` was told; once: a second call returns the first record."""
        if contact in self.notified:
            return self.notified[contact]
        event = self.record(
            ev.NOTIFICATION, contact=contact, reason=reason, how=how, by=by or self.closer
        )
        self.notified[contact] = event
        return event

    def replay(self, event: dict[str, Any]) -> None:
        """Take one event of a resumed exercise's log into account."""
        if event["type"] == ev.BRIEFING:
            self.roles = Roles(
                event.get("coordinator", ""),
                event.get("scribe", ""),
                tuple(event.get("observers", ())),
            )
            self.hypothesis = Hypothesis(
                event["expect_downtime_s"], event["expect_data_loss_s"], event["hypothesis"]
            )
        elif event["type"] == ev.NOTIFICATION:
            self.notified.setdefault(event["contact"], event)
