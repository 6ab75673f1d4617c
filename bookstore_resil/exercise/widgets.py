"""The game-day panel (ipywidgets 8): a thin skin over :class:`~.engine.Exercise` for a
facilitator with a team in the room.

A header stays in view at the top: the wall clock in the team's time zone and UTC, the
RTO deadline and the time left, every probed endpoint, the current step and who is on
call; under it a banner (the confirmation before the fault, HALTED, the wait for
recovery, the verdict). Then the briefing (roles and hypothesis), the call list, one card
per step (only the current one open), and the room's log of observations and deviations.

Every button calls the engine, which writes the event log; the widgets redraw when an
event arrives. Steps run on a worker thread so Halt stays clickable while one is busy;
quick records (a notification, an observation) are written at once.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import ipywidgets as w

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.measure import Summary
from bookstore_resil.display import colour_of, to_stderr
from bookstore_resil.errors import ResilError
from bookstore_resil.exercise.cards import SENT_ON_LEAVING, CallList, StepCard, excerpt
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.forms import Briefing, RoomLog
from bookstore_resil.exercise.header import (
    STYLE,
    Ending,
    back_in,
    back_of,
    banner_html,
    clock_html,
    start_text,
    state_of,
    status_html,
    title_html,
)
from bookstore_resil.log import logger
from bookstore_resil.report.headline import headline, render
from bookstore_resil.report.links import report_link

Archiver = Callable[[Exercise, Callable[[str], None]], Any]


class GameDayPanel:
    """Header, banner, Start/Halt/Finish, briefing, call list, step cards, the room's log."""

    def __init__(
        self,
        exercise: Exercise,
        on_finish: Archiver | None = None,
        clock_interval_s: float = 1.0,
        announcer: Any = None,
    ):
        from bookstore_resil.analyse.people import notify_now

        self.exercise = exercise
        self.on_finish = on_finish
        self.zone = exercise.system.timezone
        self.closed: dict[str, dict[str, Any]] = {}  # step id: its step_finished event
        self.ended_at: datetime | None = None  # when the exercise ended
        self.halted: dict[str, Any] | None = None  # the halted event
        self.outcome = ""
        self.summary: Summary | None = None  # once over: what the header says about recovery
        self.repaired = ""  # what the repair said, once it worked
        self.phase = ""  # "", recovering, archiving, archived
        self._phase_since = 0.0
        self._archive_lines: list[str] = []
        self._probes: list[dict[str, Any]] = []  # the probe events, for "back at"
        self._busy = False
        # Redraws come from the step's worker, the probes' thread and the clock's: one at a
        # time, each from the state as it is when it runs (a redraw that read "busy" before a
        # step ended must not write its buttons after the step's own redraw).
        self._drawing = threading.RLock()
        self._worker: threading.Thread | None = None
        self._archiver: threading.Thread | None = None
        self._stop_clock = threading.Event()

        self.title = w.HTML()
        self.clock = w.HTML()
        self.status = w.HTML()
        self.banner = w.HTML()
        self.verdict = w.Output()
        self.verdict.add_class("resil-verdict")
        self.message = w.HTML()
        self.start = w.Button(description="Start", icon="bolt", button_style="warning")
        self.halt = w.Button(description="Halt", icon="stop", button_style="danger")
        self.finish = w.Button(description="Finish", icon="flag-checkered")
        self.repair = w.Button(
            description=f"Repair the {exercise.target.name}",
            icon="wrench",
            layout=w.Layout(width="auto", flex="0 0 auto"),  # its whole name, never "Repair t..."
        )
        self.repair.layout.display = "none"
        self.start.on_click(lambda _: self.quick(self._ask_start))
        self.halt.on_click(lambda _: self._ask_halt())
        self.finish.on_click(lambda _: self.act(self._finish))
        self.repair.on_click(lambda _: self.act(self._repair))

        self.confirm_text = w.HTML()
        self.confirm = w.Button(description="Inject the fault", button_style="danger")
        self.cancel_start = w.Button(description="Cancel")
        self.confirm.on_click(lambda _: self.act(self._start))
        self.start_row = w.VBox([self.confirm_text, w.HBox([self.confirm, self.cancel_start])])
        self.cancel_start.on_click(lambda _: self._show(self.start_row, False))
        self.halt_reason = w.Text(
            placeholder="why halt? (kept in the log and the report)",
            layout=w.Layout(width="50%"),
            **SENT_ON_LEAVING,
        )
        self.halt_now = w.Button(description="Halt now", icon="stop", button_style="danger")
        self.cancel_halt = w.Button(description="Cancel")
        self.halt_now.on_click(lambda _: self._halt())
        self.halt_row = w.HBox([self.halt_reason, self.halt_now, self.cancel_halt])
        self.cancel_halt.on_click(lambda _: self._show(self.halt_row, False))
        for row in (self.start_row, self.halt_row):
            self._show(row, False)

        self.briefing = Briefing(self)
        self.call_list = CallList(self, notify_now(exercise.system, exercise.scenario))
        self.cards = [StepCard(self, s, i) for i, s in enumerate(exercise.scenario.steps, 1)]
        self.room_log = RoomLog(self)
        self.title.layout = w.Layout(flex="1 1 auto")
        header = w.VBox(
            [
                w.HBox(
                    [self.title, self.start, self.halt, self.finish, self.repair],
                    layout=w.Layout(align_items="center"),
                ),
                self.clock,
                self.status,
                self.start_row,
                self.halt_row,
                self.message,
                self.banner,
            ]
        )
        header.add_class("resil-header")
        self.widget = w.VBox(
            [
                w.HTML(STYLE),
                header,
                self.verdict,
                self.briefing.box,
                self.call_list.box,
                *[card.box for card in self.cards],
                self.room_log.box,
            ],
            layout=w.Layout(overflow="visible"),  # so the header sticks to the notebook
        )
        for event in ev.read_events(exercise.log.path).events:  # a resumed exercise's past
            self._remember(event)
        exercise.on_event(self._take)
        if announcer is not None:  # a post that failed: said here, the exercise goes on
            announcer.warned.append(self._warn)
        self.refresh()
        threading.Thread(
            target=self._tick, args=(clock_interval_s,), daemon=True, name="game-day-clock"
        ).start()

    # -- running engine calls ---------------------------------------------------------

    def act(self, call: Callable[[], Any], card: StepCard | None = None) -> None:
        """Run an engine call on a worker thread; report its error in the panel."""

        def work() -> None:
            try:
                result = call()
                if card is not None and result is not None and hasattr(result, "output"):
                    card.output.value = f"<pre>{html.escape(excerpt(result))}</pre>"
            except Exception as error:  # shown to the facilitator; the log has the facts
                self._error(error)
            finally:
                self._busy = False
                self.refresh()

        self._busy = True
        self.message.value = ""
        self.refresh()
        self._worker = threading.Thread(target=work, daemon=True, name="game-day-action")
        self._worker.start()

    def quick(self, call: Callable[[], Any]) -> None:
        """A short call made at once, even while a step runs (a notification, a note)."""
        self.message.value = ""
        try:
            call()
        except Exception as error:
            self._error(error)
        self.refresh()

    def wait(self, timeout_s: float = 300.0) -> None:
        """Block until the last engine call, and the archive it started, are done."""
        if self._worker is not None:
            self._worker.join(timeout_s)
        if self._archiver is not None:  # started by the worker, so looked at after it
            self._archiver.join(timeout_s)

    def _error(self, error: Exception) -> None:
        if not isinstance(error, ResilError):
            logger.warning("game-day action failed: %s", error)
        self.message.value = f'<span style="color:#c62828">{html.escape(str(error))}</span>'

    def _warn(self, text: str) -> None:
        self.message.value = (
            f'<span style="color:{colour_of("aborted")}">{html.escape(text)}</span>'
        )

    def _show(self, box: w.Widget, shown: bool) -> None:
        box.layout.display = None if shown else "none"

    # -- Start, Halt, Finish ----------------------------------------------------------

    def _ask_start(self) -> None:
        """Check the briefing, then say what Start will break and ask to confirm."""
        self.briefing.read()  # a bad duration is said now, not after the fault
        self._confirm_start()
        self._show(self.start_row, True)

    def _confirm_start(self) -> None:
        """What Start will do, and which endpoints are down now (redrawn as probes change)."""
        self.confirm_text.value, self.confirm.description = start_text(self.exercise)

    def _start(self) -> None:
        hypothesis, roles = self.briefing.read()
        self._show(self.start_row, False)
        self.exercise.room.brief(hypothesis, roles, self.exercise.scenario.service)
        self.exercise.start()
        if self.exercise.finished:  # the fault failed: nothing broken, the exercise is over
            self._ended(self.exercise.summary())

    def _ask_halt(self) -> None:
        self._show(self.halt_row, True)

    def _halt(self) -> None:
        # Not through act(): Halt must work while a step is busy.
        reason = self.halt_reason.value.strip()
        if not reason:
            self.message.value = '<span style="color:#c62828">Say why you halt first.</span>'
            return
        try:
            self._keep_open_notes()
            summary = self.exercise.halt(reason)
        except Exception as error:
            self._error(error)
            self.refresh()
            return
        self._show(self.halt_row, False)
        self.message.value = ""
        self._ended(summary)

    def _finish(self) -> None:
        self._keep_open_notes()
        self.phase, self._phase_since = "recovering", time.monotonic()
        self.refresh_clock()
        self._ended(self.exercise.finish())

    def _keep_open_notes(self) -> None:
        for card in self.cards:
            if card.step.id not in self.exercise.statuses:
                card.keep_late_notes()

    def _ended(self, summary: Summary) -> None:
        """The exercise is over: show its verdict, then write the archive behind it."""
        self.ended_at, self.outcome, self.summary = clock.now(), summary.outcome, summary
        if summary.rollback is not None and summary.rollback.get("recovered"):
            self.repaired = "rolled back, every endpoint up again"
        self.phase, self._phase_since = "archiving", time.monotonic()
        self._show_verdict(summary, ())
        self.refresh()
        self._archiver = threading.Thread(
            target=self._archive, args=(summary,), daemon=True, name="game-day-archive"
        )
        self._archiver.start()

    def _archive(self, summary: Summary) -> None:
        links: tuple[tuple[str, str], ...] = ()
        try:
            if self.on_finish is not None:
                self.on_finish(self.exercise, self._archive_progress)
            report = self.exercise.archive_dir / "report.html"
            if report.is_file():
                where = report_link(report)
                links = where.links("Open the report (report.html)")
                shown = (
                    "" if where.href else f" (outside the folder JupyterLab serves: open {report})"
                )
                self._archive_lines = [f"archive: {report.parent}{shown}"]
        except Exception as error:
            self._error(error)
        self.phase = "archived"
        self._show_verdict(summary, links)
        self.refresh()

    def _archive_progress(self, line: str) -> None:
        to_stderr(line)
        self._archive_lines.append(line)
        self.refresh_clock()

    def _show_verdict(self, summary: Summary, links: tuple[tuple[str, str], ...]) -> None:
        from bookstore_resil.report.context import SystemContext, findings_of

        found = findings_of(summary, SystemContext(self.exercise.system, ""))
        head = headline(summary, found)
        # An HTML output, not a widget (header.SCROLL_TO_VERDICT_JS scrolls it into view).
        shown = {"text/html": render(head, links), "text/plain": head.text()}
        self.verdict.outputs = ({"output_type": "display_data", "data": shown, "metadata": {}},)

    def _repair(self) -> None:
        self.repaired = self.exercise.target.repair()

    # -- drawing ----------------------------------------------------------------------

    def _take(self, event: dict[str, Any]) -> None:
        self._remember(event)
        self.refresh()

    def _remember(self, event: dict[str, Any]) -> None:
        if event["type"] == ev.PROBE:
            self._probes.append(event)
        elif event["type"] == ev.STEP_FINISHED:
            self.closed[event["step"]] = event
        elif event["type"] == ev.HALTED:
            self.halted = event
        self.room_log.take(event)

    def _tick(self, interval_s: float) -> None:
        while not self._stop_clock.wait(interval_s):
            self.refresh_clock()
            if self.phase == "archived":
                return

    def refresh_clock(self) -> None:
        """The wall clock, the RTO countdown and the banner (called every second)."""
        with self._drawing:
            summary = self.summary
            back = back_in(summary) if summary else back_of(self.exercise, self._probes)
            self.clock.value = clock_html(self.exercise, self.zone, self.ended_at, back)
            self.banner.value = self._banner()

    def _banner(self) -> str:
        last = self._archive_lines[-1] if self._archive_lines else ""
        return banner_html(
            self.exercise,
            self.zone,
            Ending(self.halted, self.repaired, self.phase, self._phase_since, last),
        )

    def refresh(self) -> None:
        with self._drawing:
            exercise = self.exercise
            self.title.value = title_html(exercise, state_of(exercise, self.phase))
            self.status.value = status_html(exercise, self._on_call(), self.summary)
            closed = exercise.finished
            started = exercise.fault_at is not None
            self.start.disabled = self._busy or closed or started
            self.start.layout.display = "none" if started or closed else None
            if self.start_row.layout.display is None and not (started or closed):
                self._confirm_start()
            self.halt.disabled = closed or not started
            self.finish.disabled = self._busy or closed or not started
            broken = self.halted is not None or self.outcome not in ("", "passed")
            self.repair.layout.display = None if closed and broken else "none"
            self.briefing.refresh()
            self.call_list.refresh()
            for card in self.cards:
                card.refresh(self._busy)
            self.room_log.refresh()
            self.refresh_clock()

    def _on_call(self) -> list[str]:
        return [
            f"{e.name} ({e.contact.position})" if e.contact.position else e.name
            for e in self.call_list.people
            if e.available
        ]
