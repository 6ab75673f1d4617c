"""The game-day panel's forms (ipywidgets 8): the briefing before Start, and the room's log.

The *briefing* names the roles (coordinator, scribe, observers, chosen from the contacts)
and states the hypothesis: the service back within a time, at most so much data lost.
The *log* takes free observations (time, author, text) and deviations (anything done that
the playbook does not say), and keeps every one of them in view, newest first.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from bookstore_resil.archive import events as ev
from bookstore_resil.define.units import format_duration, parse_duration
from bookstore_resil.display import badge
from bookstore_resil.errors import UsageError
from bookstore_resil.exercise.cards import SENT_ON_LEAVING, Panel, local_time
from bookstore_resil.exercise.room import Hypothesis, Roles

NONE_WORDS = ("", "0", "none", "nothing", "no")
WIDE = w.Layout(width="98%")


def read_duration(text: str, what: str) -> float:
    """A duration typed in the briefing: ``15min``, ``none`` (0). A UsageError otherwise."""
    if text.strip().lower() in NONE_WORDS:
        return 0.0
    try:
        return parse_duration(text.strip())
    except ValueError as error:
        raise UsageError(f"{what}: {error}") from None


class Briefing:
    """Roles and hypothesis, filled in before Start; one line once the exercise runs."""

    def __init__(self, panel: Panel):
        self.panel = panel
        exercise = panel.exercise
        names = [c.name for c in exercise.system.contacts]
        self.coordinator = w.Dropdown(options=["", *names], description="Coordinator")
        self.scribe = w.Dropdown(options=["", *names], description="Scribe")
        self.observers = w.SelectMultiple(
            options=names, description="Observers", rows=min(max(len(names), 2), 5)
        )
        self.back_within = w.Text(
            value=format_duration(exercise.scenario.rto_s),
            description="Back within",
            **SENT_ON_LEAVING,
        )
        self.data_loss = w.Text(value="none", description="Data loss", **SENT_ON_LEAVING)
        self.words = w.Text(
            placeholder="the hypothesis in the team's words (optional)",
            description="Hypothesis",
            layout=WIDE,
            **SENT_ON_LEAVING,
        )
        self.form = w.VBox(
            [
                w.HTML("<b>Before Start</b>: who does what, and what the team expects"),
                w.HBox([self.coordinator, self.scribe, self.observers]),
                w.HBox([self.back_within, self.data_loss]),
                self.words,
            ],
            layout=w.Layout(border="1px dashed #90a4ae", padding="6px", margin="4px 0"),
        )
        self.line = w.HTML()
        self.box = w.VBox([self.form, self.line])

    def read(self) -> tuple[Hypothesis, Roles]:
        hypothesis = Hypothesis(
            read_duration(self.back_within.value, "back within"),
            read_duration(self.data_loss.value, "data loss"),
            self.words.value.strip(),
        )
        roles = Roles(self.coordinator.value, self.scribe.value, tuple(self.observers.value))
        return hypothesis, roles

    def refresh(self) -> None:
        exercise = self.panel.exercise
        started = exercise.fault_at is not None or exercise.finished
        self.form.layout.display = "none" if started else None
        room = exercise.room
        if not started or room.hypothesis is None:
            self.line.value = ""
            return
        roles = room.roles
        people = [
            f"<b>{role}</b> {html.escape(name)}"
            for role, name in (
                ("coordinator", roles.coordinator),
                ("scribe", roles.scribe),
                ("observers", ", ".join(roles.observers)),
            )
            if name
        ]
        said = room.hypothesis.words(exercise.scenario.service)
        named = " · ".join(people) or "no roles named"
        self.line.value = f"{named}<br><b>Hypothesis:</b> {html.escape(said)}"


class RoomLog:
    """Observations and deviations: two inputs, and every entry so far in view."""

    def __init__(self, panel: Panel):
        self.panel = panel
        self.entries: list[dict[str, Any]] = []
        self.names = [c.name for c in panel.exercise.system.contacts]
        # "": whoever writes the notes (the scribe), named in the list once known.
        self.author = w.Dropdown(options=self._authors(), layout=w.Layout(width="170px"))
        self.observation_text = w.Text(
            placeholder="an observation: what you saw, heard or wondered",
            layout=w.Layout(width="60%"),
            **SENT_ON_LEAVING,
        )
        self.observe = w.Button(description="Add observation", icon="eye")
        self.deviation_text = w.Text(
            placeholder="an action the playbook does not document",
            layout=w.Layout(width="60%"),
            **SENT_ON_LEAVING,
        )
        self.deviation = w.Button(description="Record deviation", icon="exclamation")
        self.observe.on_click(lambda _: panel.quick(self._observe))
        self.deviation.on_click(lambda _: panel.quick(self._deviate))
        self.listing = w.HTML()
        self.box = w.VBox(
            [
                w.HTML("<b>Observations and deviations</b>"),
                w.HBox([w.HTML("by&nbsp;"), self.author, self.observation_text, self.observe]),
                w.HBox([self.deviation_text, self.deviation]),
                self.listing,
            ]
        )

    def _authors(self) -> list[tuple[str, str]]:
        roles = self.panel.exercise.room.roles  # who Room.author names for ""
        default = (
            f"{roles.scribe} (scribe)"
            if roles.scribe
            else f"{roles.coordinator} (coordinator)"
            if roles.coordinator
            else "facilitator"
        )
        return [(default, ""), *((name, name) for name in self.names)]

    def take(self, event: dict[str, Any]) -> None:
        """Keep an event of the log that belongs in the listing."""
        if event["type"] in (ev.OBSERVATION, ev.DEVIATION) or (
            event["type"] == ev.NOTE and event.get("author") is not None
        ):
            self.entries.append(event)

    def _observe(self) -> None:
        text = self.observation_text.value.strip()
        if text:
            self.panel.exercise.room.observe(text, self.author.value)
            self.observation_text.value = ""

    def _deviate(self) -> None:
        text = self.deviation_text.value.strip()
        if text:
            self.panel.exercise.room.deviation(text, self.author.value)
            self.deviation_text.value = ""

    def refresh(self) -> None:
        closed = self.panel.exercise.finished
        self.observe.disabled = self.deviation.disabled = closed
        authors = self._authors()
        if list(self.author.options) != authors:
            chosen = self.author.value
            self.author.options = authors
            self.author.value = chosen
        zone = self.panel.zone
        rows = [
            f"<li>{local_time(e['ts'], zone)} {badge(e['type'], _colour(e['type']))}"
            f"<b>{html.escape(e.get('author') or '-')}</b>"
            + (f" on {html.escape(e['step'])}" if e.get("step") else "")
            + f": {html.escape(e.get('text', ''))}</li>"
            for e in reversed(self.entries)
        ]
        self.listing.value = (
            f'<ul style="margin:2px 0;padding-left:18px">{"".join(rows)}</ul>' if rows else ""
        )


def _colour(kind: str) -> str:
    return {ev.DEVIATION: "aborted", ev.OBSERVATION: "current"}.get(kind, "skipped")
