"""The game-day panel's step cards and call list (ipywidgets 8).

A card is one line until its step is current: then it opens (the documented command, the
expected result, the buttons and the notes box) and is marked; once closed it folds back
to one line with its outcome, who closed it and its note. The panel stays short enough
for its header to stay in view. What the scribe typed is never lost: it goes into the log
with the step's outcome, or as a note on the step when the exercise ends with it open.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from bookstore_resil import clock
from bookstore_resil.define.model import Step
from bookstore_resil.display import OPEN_AT_HALT, badge
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.targets.base import ActionResult

if TYPE_CHECKING:
    from bookstore_resil.analyse.people import Escalation


# A text a button reads reaches the kernel when its field loses focus (the press of that
# button), not keystroke by keystroke: ipywidgets holds back a field's later keystrokes
# while an earlier one is in flight, but never a click, so the kernel could read the text
# without its last words.
SENT_ON_LEAVING = {"continuous_update": False}


class Panel(Protocol):
    """What a card or a form needs of the game-day panel it sits in."""

    exercise: Exercise
    zone: str  # the team's time zone
    closed: dict[str, dict[str, Any]]  # step id: its step_finished event

    def act(self, call: Callable[[], Any], card: StepCard | None = None) -> None: ...

    def quick(self, call: Callable[[], Any]) -> None: ...


CURRENT, CLOSED, WAITING = "resil-card-current", "resil-card-closed", "resil-card-waiting"


def excerpt(result: ActionResult, lines: int = 12) -> str:
    """The start of an action's output (the whole of it is in the event log)."""
    text = "\n".join(filter(None, (result.output, result.error)))
    kept = text.splitlines()[:lines]
    more = len(text.splitlines()) - len(kept)
    return "\n".join(line[:200] for line in kept) + (f"\n... {more} more lines" if more else "")


def local_time(moment: datetime | str, zone: str) -> str:
    """``13:22:05 PST``: a time of day as the room reads it."""
    if isinstance(moment, str):
        moment = clock.parse_ts(moment)
    return f"{moment.astimezone(ZoneInfo(zone)):%H:%M:%S %Z}"


# What a step's open card holds, made when the step first comes up (see StepCard).
CONTROLS = ("notes", "run", "done", "failed", "skip", "output")


def shared(kind: type[w.Widget]) -> w.Widget:
    """One Layout (or style) for every widget that never changes its own: a JupyterLab
    that opens the notebook later (a second user) restores each model one by one, and a
    playbook's cards made hundreds of them."""
    made = _SHARED.get(kind)
    if made is None:
        made = _SHARED[kind] = kind()
    return made


_SHARED: dict[type[w.Widget], w.Widget] = {}


class CardFrame(w.Layout):
    """Every card's frame (its state is shown by CSS classes, not by its layout)."""

    def __init__(self) -> None:
        super().__init__(border="1px solid #ccc", padding="4px 8px", margin="2px 0")


def html_line(value: str = "") -> w.HTML:
    return w.HTML(value, layout=shared(w.Layout), style=shared(HTMLStyle))


class StepCard:
    """One playbook step: a title line, and while current its details, buttons and notes.

    The details (``CONTROLS``) are made when the step first comes up: a step never reached
    costs the page two lines, not a dozen widgets."""

    def __init__(self, panel: Panel, step: Step, number: int):
        self.panel, self.step, self.number = panel, step, number
        self.title = html_line()
        self.closed_line = html_line()
        self.saved_note = ""  # the text already in the log
        self.details = w.VBox()
        self._made: dict[str, w.Widget] = {}
        # The clock's thread and a click can both bring a step up: one set of buttons only
        # (two, and the one on screen could stay disabled while the other was enabled).
        self._making = threading.Lock()
        self.box = w.VBox(
            [self.title, self.closed_line, self.details],
            layout=shared(CardFrame),
        )

    def __getattr__(self, name: str) -> Any:
        if name in CONTROLS:  # asked before the step came up (a test, Halt)
            return self._controls()[name]
        raise AttributeError(name)

    def _controls(self) -> dict[str, w.Widget]:
        with self._making:
            return self._made or self._make()

    def _make(self) -> dict[str, w.Widget]:
        panel, step = self.panel, self.step
        # Disabled until refresh() finds the step current.
        look = {"layout": shared(w.Layout), "style": shared(w.ButtonStyle), "disabled": True}
        made = {
            "notes": w.Textarea(
                placeholder="notes for this step: what you saw, what you did (kept with its "
                "outcome)",
                layout=w.Layout(width="98%", height="60px"),
                style=shared(TextStyle),
                **SENT_ON_LEAVING,
            ),
            "run": w.Button(description="Run", icon="play", button_style="primary", **look),
            "done": w.Button(description="Done", icon="check", button_style="success", **look),
            "failed": w.Button(description="Failed", icon="times", button_style="danger", **look),
            "skip": w.Button(description="Skip", icon="forward", **look),
            "output": html_line(),
        }
        made["run"].on_click(lambda _: panel.act(self._run, self))
        for status, name in (("ok", "done"), ("failed", "failed"), ("skipped", "skip")):
            made[name].on_click(lambda _, s=status: panel.act(lambda: self._mark(s), self))
        parts: list[w.Widget] = []
        if step.command:
            parts.append(html_line(f"<pre>{html.escape(step.command)}</pre>"))
        if step.expect:
            parts.append(html_line(f"<i>Expect:</i> {html.escape(step.expect)}"))
        buttons = [made["run"]] if step.automated else []
        row = w.HBox([*buttons, made["done"], made["failed"], made["skip"]])
        parts += [row, made["notes"], made["output"]]
        self.details.children = parts
        self._made = made
        return made

    def _run(self) -> ActionResult:
        text = self.notes.value.strip()
        result = self.panel.exercise.run(note=text or None)
        self._sent(text)
        return result

    def _mark(self, status: str) -> None:
        text = self.notes.value.strip()
        self.panel.exercise.mark(status, note=text or None)
        self._sent(text)

    def _sent(self, text: str) -> None:
        """The notes went into the log with the outcome, unless a halt came first."""
        exercise = self.panel.exercise
        if self.step.id in exercise.statuses:
            self.saved_note = text
        if not exercise.finished:
            self.keep_late_notes()

    def keep_late_notes(self) -> None:
        """Notes typed after the step's outcome was sent (during a long Run, or on a step
        left open at Halt or Finish) go into the log as a note on the step."""
        if not self._made:  # never came up: nothing typed
            return
        text = self.notes.value.strip()
        if text and text != self.saved_note:
            self.panel.exercise.room.note(self.step.id, text)
            self.saved_note = text

    def refresh(self, busy: bool) -> None:
        exercise = self.panel.exercise
        status = exercise.statuses.get(self.step.id)
        is_current = exercise.current is self.step and not exercise.finished
        open_at_halt = exercise.halted and exercise.current is self.step and not status
        kind = "automated" if self.step.automated else "manual"
        tag = badge(status) if status else badge(OPEN_AT_HALT) if open_at_halt else ""
        if is_current:
            tag += badge("current")
        optional = " (optional)" if self.step.optional else ""
        waiting = not status and not is_current and not open_at_halt
        if waiting and exercise.finished:
            tag = "<small><i>not run</i></small>"
        grey = ' style="color:#9e9e9e"' if waiting else ""
        self.title.value = (
            f"<span{grey}><b>{self.number}. {html.escape(self.step.title)}</b>{optional} "
            f"<small>[{kind}]</small></span> {tag}"
        )
        record = self.panel.closed.get(self.step.id)
        self.closed_line.value = _closed_text(record, self.panel.zone) if record else ""
        if open_at_halt and self.saved_note:
            self.closed_line.value = (
                f'<small style="color:#455a64">note: {html.escape(self.saved_note)}</small>'
            )
        self.details.layout.display = None if is_current else "none"
        self.box.remove_class(CURRENT)
        self.box.remove_class(CLOSED)
        self.box.remove_class(WAITING)
        closed = status or open_at_halt
        self.box.add_class(CURRENT if is_current else CLOSED if closed else WAITING)
        if is_current or self._made:
            for name in ("run", "done", "failed", "skip"):
                self._controls()[name].disabled = busy or not is_current


def _closed_text(event: dict[str, Any], zone: str) -> str:
    """One line under a closed card: when, who, and the note or the start of the output."""
    said = event.get("note") or event.get("error") or (event.get("output") or "").strip()
    said = said.splitlines()[0][:160] if said else ""
    return (
        f'<small style="color:#455a64">closed {local_time(event["ts"], zone)} by '
        f"{html.escape(event.get('by') or '-')}"
        + (f": {html.escape(said)}" if said else "")
        + "</small>"
    )


class CallList:
    """Who to notify now: one row a person, each with a button that records it once and
    then shows when and by whom."""

    def __init__(self, panel: Panel, people: list[Escalation]):
        self.panel, self.people = panel, people
        self.rows: dict[str, tuple[w.HTML, w.Button]] = {}
        boxes = []
        for number, person in enumerate(people, start=1):
            available = "available now" if person.available else "not available now"
            text = w.HTML(
                f"{number}. <b>{html.escape(person.name)}</b> "
                f"({html.escape(person.contact.position or '-')}): {html.escape(person.reason)}"
                f", {available} &nbsp;"
            )
            button = w.Button(
                description=f"Notified {person.name}",
                icon="phone",
                layout=w.Layout(width="auto"),
            )
            button.on_click(lambda _, p=person: panel.quick(self._notify(p)))
            self.rows[person.name] = (text, button)
            boxes.append(w.HBox([text, button]))
        self.box = w.VBox([w.HTML("<b>Who to notify now</b> (in this order)"), *boxes])

    def _notify(self, person: Escalation) -> Callable[[], Any]:
        return lambda: self.panel.exercise.room.notify(person.name, person.reason)

    def refresh(self) -> None:
        exercise = self.panel.exercise
        notified = exercise.room.notified
        for name, (_text, button) in self.rows.items():
            told = notified.get(name)
            if told:
                button.description = (
                    f"{name} notified {local_time(told['ts'], self.panel.zone)} "
                    f"by {told.get('by') or '-'}"
                )
                button.icon = "check"
                button.button_style = "success"
            button.disabled = bool(told) or exercise.fault_at is None or exercise.finished
