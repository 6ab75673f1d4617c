"""The game-day widgets (ipywidgets 8): a thin skin over :class:`~.exercise.Exercise`.

Every button calls one engine method, which writes the event log; the widgets only
redraw from the engine's state when an event arrives. Actions run on a worker thread so
Halt stays clickable while a step is busy.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bookstore_resil.archive.impact import DRY_RUN_NOTE
from bookstore_resil.define.model import Step
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import badge
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.log import logger
from bookstore_resil.targets.base import ActionResult


def _excerpt(result: ActionResult, lines: int = 12) -> str:
    """The start of an action's output (the whole of it is in the event log)."""
    text = "\n".join(filter(None, (result.output, result.error)))
    kept = text.splitlines()[:lines]
    more = len(text.splitlines()) - len(kept)
    return "\n".join(line[:200] for line in kept) + (f"\n... {more} more lines" if more else "")


class StepCard:
    """One playbook step: title, documented command, expectation, buttons, notes."""

    def __init__(self, panel: GameDayPanel, step: Step, number: int):
        self.panel, self.step = panel, step
        self.title = w.HTML()
        self.notes = w.Textarea(placeholder="notes for this step", layout=w.Layout(width="98%"))
        self.run = w.Button(description="Run", icon="play", button_style="primary")
        self.done = w.Button(description="Done", icon="check", button_style="success")
        self.failed = w.Button(description="Failed", icon="times", button_style="danger")
        self.skip = w.Button(description="Skip", icon="forward")
        self.output = w.HTML()
        self.run.on_click(lambda _: panel.act(lambda: panel.exercise.run(), self))
        for button, status in ((self.done, "ok"), (self.failed, "failed"), (self.skip, "skipped")):
            button.on_click(lambda _, s=status: panel.act(lambda: self._mark(s), self))
        buttons = [self.run] if step.automated else []
        parts = [self.title]
        if step.command:
            parts.append(w.HTML(f"<pre>{html.escape(step.command)}</pre>"))
        if step.expect:
            parts.append(w.HTML(f"<i>Expect:</i> {html.escape(step.expect)}"))
        parts += [w.HBox([*buttons, self.done, self.failed, self.skip]), self.notes, self.output]
        self.box = w.VBox(parts, layout=w.Layout(border="1px solid #ccc", padding="6px"))
        self.number = number

    def _mark(self, status: str) -> None:
        self.panel.exercise.mark(status, note=self.notes.value or None)

    def refresh(self, busy: bool) -> None:
        exercise = self.panel.exercise
        status = exercise.statuses.get(self.step.id)
        is_current = exercise.current is self.step and not exercise.finished
        kind = "automated" if self.step.automated else "manual"
        tag = badge(status) if status else ""
        if is_current:
            tag += badge("current")
        optional = " (optional)" if self.step.optional else ""
        self.title.value = (
            f"<b>{self.number}. {html.escape(self.step.title)}</b>{optional} "
            f"<small>[{kind}]</small> {tag}"
        )
        for button in (self.run, self.done, self.failed, self.skip):
            button.disabled = busy or not is_current


class GameDayPanel:
    """Header with clock and endpoint status, who to notify, step cards, Start/Halt/Finish."""

    def __init__(
        self,
        exercise: Exercise,
        on_finish: Callable[[Exercise], Any] | None = None,
        clock_interval_s: float = 1.0,
    ):
        self.exercise = exercise
        self.on_finish = on_finish
        scenario = exercise.scenario
        leads = scenario.leads
        self.header = w.HTML(
            f"<h3>{html.escape(scenario.title)}</h3>"
            f"<b>Leads:</b> {html.escape(leads.primary)} (primary), "
            f"{html.escape(leads.secondary or '-')} (secondary) &nbsp; "
            f"<b>Severity:</b> {scenario.severity} &nbsp; "
            f"<b>RTO:</b> {format_duration(scenario.rto_s)} &nbsp; "
            f"<b>RPO:</b> {format_duration(scenario.rpo_s)} &nbsp; "
            f"<b>Target:</b> {exercise.target.name}"
            + (
                f"<p><b>{html.escape(DRY_RUN_NOTE)}</b>: Start and Run only record what they "
                "would do (open the exercise with <code>execute = True</code> to run them).</p>"
                if exercise.dry_run
                else ""
            )
        )
        self.clock = w.HTML()
        self.endpoints = w.HTML()
        self.message = w.HTML()
        self.start = w.Button(description="Start", icon="bolt", button_style="warning")
        self.halt = w.Button(description="Halt", icon="stop", button_style="danger")
        self.finish = w.Button(description="Finish", icon="flag-checkered")
        self.deviation_text = w.Text(placeholder="an action the playbook does not document")
        self.deviation = w.Button(description="Record deviation", icon="exclamation")
        self.start.on_click(lambda _: self.act(self.exercise.start))
        self.halt.on_click(lambda _: self._halt())
        self.finish.on_click(lambda _: self.act(self._finish))
        self.deviation.on_click(lambda _: self.act(self._record_deviation))
        self.cards = [StepCard(self, s, i) for i, s in enumerate(scenario.steps, start=1)]
        self.notify_box = self._notify_box()
        self._busy = False
        self._worker: threading.Thread | None = None
        self._stop_clock = threading.Event()
        self.widget = w.VBox(
            [
                self.header,
                self.clock,
                self.endpoints,
                w.HBox([self.start, self.halt, self.finish]),
                self.message,
                self.notify_box,
                *[card.box for card in self.cards],
                w.HBox([self.deviation_text, self.deviation]),
            ]
        )
        exercise.on_event(lambda _event: self.refresh())
        self.refresh()
        threading.Thread(
            target=self._tick, args=(clock_interval_s,), daemon=True, name="game-day-clock"
        ).start()

    def _notify_box(self) -> w.VBox:
        from bookstore_resil.analyse.people import notify_now

        rows = []
        for person in notify_now(self.exercise.system, self.exercise.scenario, None):
            button = w.Button(description=f"Notified {person.name}", layout=w.Layout(width="auto"))
            button.on_click(
                lambda _, p=person: self.act(lambda: self.exercise.notify(p.name, p.reason))
            )
            available = "available" if person.available else "not available now"
            rows.append(
                w.HBox(
                    [
                        w.HTML(
                            f"{html.escape(person.name)}: {html.escape(person.reason)}, "
                            f"{available} &nbsp;"
                        ),
                        button,
                    ]
                )
            )
        return w.VBox([w.HTML("<b>Who to notify now</b>"), *rows])

    def act(self, call: Callable[[], Any], card: StepCard | None = None) -> None:
        """Run an engine call on a worker thread; report its error in the panel."""

        def work() -> None:
            try:
                result = call()
                if card is not None and result is not None and hasattr(result, "output"):
                    card.output.value = f"<pre>{html.escape(_excerpt(result))}</pre>"
                self.message.value = ""
            except Exception as error:  # shown to the facilitator; the log has the facts
                logger.warning("game-day action failed: %s", error)
                self.message.value = f'<span style="color:#c62828">{html.escape(str(error))}</span>'
            finally:
                self._busy = False
                self.refresh()

        self._busy = True
        self.refresh()
        self._worker = threading.Thread(target=work, daemon=True, name="game-day-action")
        self._worker.start()

    def wait(self, timeout_s: float = 300.0) -> None:
        """Block until the last button's engine call is done (for tests and auto runs)."""
        if self._worker is not None:
            self._worker.join(timeout_s)

    def _halt(self) -> None:
        # Not through act(): Halt must work while another call is busy.
        try:
            self.exercise.halt("halted from the game-day panel")
        except Exception as error:
            self.message.value = f'<span style="color:#c62828">{html.escape(str(error))}</span>'
        self.refresh()

    def _finish(self) -> None:
        self.exercise.finish()
        if self.on_finish is not None:
            self.on_finish(self.exercise)

    def _record_deviation(self) -> None:
        if self.deviation_text.value.strip():
            self.exercise.deviation(self.deviation_text.value.strip())
            self.deviation_text.value = ""

    def _tick(self, interval_s: float) -> None:
        while not self._stop_clock.wait(interval_s):
            self.refresh_clock()
            if self.exercise.finished:
                return

    def refresh_clock(self) -> None:
        exercise = self.exercise
        if exercise.fault_at is None:
            self.clock.value = "<b>Clock:</b> not started"
            return
        elapsed = exercise.elapsed_s()
        rto = exercise.scenario.rto_s
        colour = "#2e7d32" if elapsed <= rto else "#c62828"
        self.clock.value = (
            f'<b>Clock:</b> <span style="color:{colour}">{format_duration(elapsed)}</span> '
            f"of RTO {format_duration(rto)} ({100 * elapsed / rto:.2f}% used)"
        )

    def refresh(self) -> None:
        exercise = self.exercise
        facing = exercise.user_facing_endpoint
        self.endpoints.value = "<b>Endpoints:</b> " + "".join(
            badge(
                f"{name}{' (what users see)' if name == facing else ''} {'up' if up else 'DOWN'}",
                "up" if up else "down",
            )
            for name, up in sorted(exercise.watch.endpoint_up.items())
        )
        closed = exercise.finished
        self.start.disabled = self._busy or closed or exercise.fault_at is not None
        self.halt.disabled = closed
        self.finish.disabled = self._busy or closed or exercise.fault_at is None
        self.deviation.disabled = closed
        for card in self.cards:
            card.refresh(self._busy)
        self.refresh_clock()
