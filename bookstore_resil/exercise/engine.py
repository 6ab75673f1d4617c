"""The exercise engine: one scenario run step by step against a target.

An exercise follows its playbook exactly: the recovery, test and resume procedures in
order, with each step's ``next`` branching by outcome. Automated steps run their action on
the target's driver; manual steps wait for a person to mark them done, failed or skipped.
Everything is written to the event log as it happens (see :mod:`bookstore_resil.archive.events`),
while the probes measure availability and the canary measures data loss. The numbers
are computed afterwards from the log alone (:mod:`bookstore_resil.archive.measure`).
Unless created with ``execute=True`` it is a dry run (docs/contract.md §4): no fault is injected,
no action runs (each step records what it would have run), no canary writes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive import layout
from bookstore_resil.archive.measure import DEFAULT_SUSTAIN_S, Summary, summarize_log
from bookstore_resil.clock import ExerciseClock
from bookstore_resil.define.model import MANUAL_FAULT, Scenario, Step, System
from bookstore_resil.display import step_status
from bookstore_resil.errors import ExerciseError, ResilError
from bookstore_resil.exercise.lock import ExerciseLock
from bookstore_resil.exercise.rollback import Rollback
from bookstore_resil.exercise.room import Room
from bookstore_resil.exercise.watch import ActionRunner, Options, Watch, resumed_canary
from bookstore_resil.log import logger
from bookstore_resil.targets.base import ActionResult, Target

STATUSES = ("ok", "failed", "skipped")


class Exercise:
    """A running (or resumed) exercise. Create with :meth:`create` or :meth:`resume`."""

    def __init__(
        self,
        system: System,
        scenario: Scenario,
        target: Target,
        archive_dir: Path,
        exercise_id: str,
        mode: str,
        options: Options,
        exercise_clock: ExerciseClock | None = None,
        dry_run: bool = True,
    ):
        self.system = system
        self.scenario = scenario
        self.target = target
        self.archive_dir = archive_dir
        self.exercise_id = exercise_id
        self.mode = mode
        self.options = options
        self.clock = exercise_clock or ExerciseClock.start()
        self.started_at = self.clock.now()
        self.fault_at: datetime | None = None
        self.current: Step | None = None
        self.statuses: dict[str, str] = {}  # what each finished step's badge says
        self.finished = False
        self.halted = False
        self.dry_run = dry_run
        self._halt = threading.Event()
        self._stop_rollback = threading.Event()
        self.stop_reason: str | None = None  # why an interrupt asked the exercise to stop
        self.broke = False  # a fault was tried (even one that failed) or an outage declared
        self._actions = ActionRunner(target, self._halt, dry_run)
        self.watch = Watch(
            target, options.probe_interval_s, options.canary_interval_s, self._record, self.clock
        )
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self.room = Room(self._record, lambda: self.current.id if self.current else None)
        self.measured_endpoint, self.user_facing_endpoint = Watch.endpoints_to_measure(
            target.probes(), scenario.service, system.entrypoint
        )
        # Once the target answered, and before anything is written or broken.
        self.lock = ExerciseLock(target.lock_file(), exercise_id, target.name).acquire()
        try:
            self.log = ev.EventLog(layout.events_path(archive_dir), self.clock.now)
        except BaseException:
            self.lock.release()
            raise
        self.fault = scenario.fault

    # -- creating and resuming --------------------------------------------------------

    @classmethod
    def create(
        cls,
        system: System,
        scenario_id: str,
        target: Target,
        out_dir: str | Path = "reports",
        exercise_id: str | None = None,
        mode: str = "auto",
        options: Options | None = None,
        fail_on_breach: bool = False,
        fault: str | None = None,
        execute: bool = False,
    ) -> Exercise:
        """Open a new archive folder, record the start, and begin probing (no fault yet).

        ``fault`` replaces the scenario's own fault, to practise another way it can fail.
        Without ``execute`` the exercise is a dry run.
        """
        scenario = system.scenario(scenario_id)
        exercise_id = exercise_id or layout.new_exercise_id(scenario_id)
        archive_dir = layout.exercise_dir(out_dir, exercise_id)
        if layout.holds_exercise(archive_dir):
            raise ExerciseError(
                exercise_id,
                f"{archive_dir} already holds an exercise; archives are never overwritten",
            )
        options = options or Options()
        exercise = cls(
            system, scenario, target, archive_dir, exercise_id, mode, options, None, not execute
        )
        exercise.fault = fault or scenario.fault
        exercise._record(
            ev.STARTED,
            exercise_id=exercise_id,
            scenario=scenario.id,
            title=scenario.title,
            service=scenario.service,
            playbook=scenario.playbook,
            target=target.name,
            environment=target.environment,
            mode=mode,
            system=system.system,
            timezone=system.timezone,
            data_dir=system.path,
            rto_s=scenario.rto_s,
            rpo_s=scenario.rpo_s,
            baseline_s=exercise.options.baseline_s,
            sustain_s=exercise.options.sustain_s,
            probe_interval_s=exercise.options.probe_interval_s,
            measured_endpoint=exercise.measured_endpoint,
            user_facing_endpoint=exercise.user_facing_endpoint,
            dry_run=exercise.dry_run,
            fail_on_breach=fail_on_breach,
            ci=os.environ.get("CI", "").lower() not in ("", "0", "false", "no"),
            fault=exercise.fault,
            steps=[s.id for s in scenario.steps],
            clock=exercise.clock.anchor(),
        )
        exercise.watch.start(write_canary=execute)
        return exercise

    @classmethod
    def resume(
        cls,
        archive_dir: str | Path,
        system: System,
        target: Target,
        options: Options | None = None,
    ) -> Exercise:
        """Pick an exercise up from its event log after a kernel restart."""
        archive_dir = Path(archive_dir)
        contents = layout.read_archive(archive_dir)
        start = contents.start
        if start is None:
            raise ExerciseError(str(archive_dir), "no exercise_started event to resume from")
        exercise_id = start["exercise_id"]
        if any(e["type"] in (ev.FINISHED, ev.HALTED) for e in contents.events):
            raise ExerciseError(exercise_id, "already finished; nothing to resume")
        scenario = system.scenario(start["scenario"])
        resumed = ExerciseClock.resume(
            start.get("clock"), clock.parse_ts(contents.events[-1]["ts"])
        )
        options = options or Options(sustain_s=start.get("sustain_s", DEFAULT_SUSTAIN_S))
        mode, dry_run = start.get("mode", "auto"), start.get("dry_run") is True  # older: executed
        exercise = cls(
            system, scenario, target, archive_dir, exercise_id, mode, options, resumed, dry_run
        )
        exercise.fault = start.get("fault", scenario.fault)
        exercise._record(ev.RESUMED, truncated=contents.truncated, clock=exercise.clock.anchor())
        exercise._replay(contents.events)
        exercise.watch.start(*resumed_canary(contents.events), not exercise.dry_run)
        return exercise

    def _replay(self, events: list[dict[str, Any]]) -> None:
        self.started_at = clock.parse_ts(events[0]["ts"])
        open_step: str | None = None
        next_step: str | None | Literal[False] = False  # False: no step has run yet
        for event in events:
            kind = event["type"]
            self.room.replay(event)
            if kind in (ev.FAULT, ev.OUTAGE):
                self.fault_at = clock.parse_ts(event.get("at", event["ts"]))
            elif kind == ev.PROBE:
                at = clock.parse_ts(event.get("at", event["ts"])).timestamp()
                self.watch.seen(event["endpoint"], bool(event["up"]), at)
            elif kind == ev.STEP_STARTED:
                open_step = event["step"]
            elif kind == ev.STEP_FINISHED:
                handled = event.get("handled", True)
                self.statuses[event["step"]] = step_status(event["status"], handled)
                if event["step"] == open_step:
                    open_step, next_step = None, event.get("next")
        if open_step is not None:
            # The step that was running when the kernel died opens again.
            self.current = self.scenario.step(open_step)
            self._record(ev.NOTE, text=f"step {open_step} was interrupted; it is open again")
            self._open(self.current)
        elif next_step is None:
            self.current = None
        elif next_step is not False:
            self.current = self.scenario.step(next_step)
            self._open(self.current)
        elif self.fault_at is not None:
            self.current = self.scenario.steps[0]
            self._open(self.current)

    # -- the game day -----------------------------------------------------------------

    def start(self, inject: bool = True) -> None:
        """Inject the scenario's fault on the target (or declare a real outage); open step 1."""
        if self.fault_at is not None:
            raise ExerciseError(self.exercise_id, "already started")
        began = self.clock.now()  # the fault begins as the call goes out
        self.broke = not self.dry_run
        if inject and self.fault not in (None, MANUAL_FAULT) and self.target.injects_faults:
            try:
                record = self._actions.inject(self.fault)
            except ResilError as error:  # nothing was broken, so nothing can be measured
                failed = {"error": str(error), "output": getattr(error, "output", None)}
                self._record(ev.FAULT_FAILED, fault=self.fault, at=clock.iso(began), **failed)
                self._finish(wait_for_recovery=False, rollback="the fault failed")
                return
            self.fault_at = began
            self._record(ev.FAULT, fault=record.name, at=clock.iso(began), detail=record.detail)
        else:
            self.fault_at = began
            self._record(ev.OUTAGE, at=clock.iso(began), service=self.scenario.service)
        self.current = self.scenario.steps[0]
        self._open(self.current)

    def run(self, note: str | None = None) -> ActionResult:
        """Run the current step's action on the target and move on by its outcome; ``note``
        is what the scribe typed on the step, kept with its outcome."""
        step = self._require_step()
        if step.action is None:
            raise ExerciseError(self.exercise_id, f"step {step.id} is manual: mark it instead")
        result = self._actions.run(step.action, self.options.action_timeout_s)
        # A dry run's step did not run, so neither ok nor failed: the walk goes on.
        status = "skipped" if self.dry_run else "ok" if result.ok else "failed"
        self._close(
            step,
            status,
            by="dry-run" if self.dry_run else "automation",
            output=result.output,
            error=result.error,
            data=result.data,
            action_s=round(result.duration_s, 3),
            **self._signed(note),
        )
        return result

    def mark(self, status: str, note: str | None = None, by: str = "") -> None:
        """A person records the current step's outcome: ok (done), failed or skipped. ``by``
        defaults to the coordinator of the briefing (else ``facilitator``)."""
        status = "ok" if status == "done" else status
        if status not in STATUSES:
            raise ExerciseError(
                self.exercise_id, f"unknown status {status!r} (ok, failed, skipped)"
            )
        step = self._require_step()
        if step.automated and status != "skipped":
            self.room.deviation(f"step {step.id} is automated but was marked {status} by hand")
        self._close(step, status, by=by or self.room.closer, **self._signed(note))

    def halt(self, reason: str = "") -> Summary:
        """Stop automation at once; the exercise ends as aborted, rolled back when the
        service is still down."""
        self.halted = True  # first: an action the halt stops then closes no step
        self._halt.set()
        self.target.halt()
        self._record(ev.HALTED, reason=reason, step=self.current.id if self.current else None)
        return self._finish(wait_for_recovery=False, rollback=f"halted: {reason or 'no reason'}")

    def interrupt(self, reason: str) -> None:
        """What a signal handler calls (Ctrl-C, SIGTERM): only sets flags. The first stops
        the running action now and asks the exercise to halt with ``reason`` (and roll
        back); a second stops the rollback too."""
        if self.stop_reason is None:
            self.stop_reason = reason
            self._halt.set()
        else:
            self._stop_rollback.set()
        self.target.halt()

    def finish(self) -> Summary:
        """End the exercise: wait for sustained recovery, read the canaries back, summarize."""
        if self.current is not None:
            self._record(
                ev.NOTE, text=f"finished with step {self.current.id} and later steps not run"
            )
        return self._finish(wait_for_recovery=True, rollback="not recovered by the end")

    # -- state for widgets ------------------------------------------------------------

    def elapsed_s(self) -> float:
        since = self.fault_at or self.started_at
        return (self.clock.now() - since).total_seconds()

    def on_event(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener`` with every event recorded from now on (widgets redraw on it)."""
        self._listeners.append(listener)

    def summary(self) -> Summary:
        return summarize_log(self.log.path)

    # -- inside -----------------------------------------------------------------------

    def _record(self, type: str, **fields: Any) -> dict[str, Any]:
        event = self.log.append(type, **fields)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a broken widget must never stop the exercise
                logger.exception("event listener failed")
        return event

    def _signed(self, note: str | None) -> dict[str, Any]:
        return {"note": note, "author": self.room.author} if note else {"note": None}

    def _require_step(self) -> Step:
        if self.finished:
            raise ExerciseError(self.exercise_id, "already finished")
        if self.fault_at is None:
            raise ExerciseError(self.exercise_id, "not started: call start() first")
        if self.current is None:
            raise ExerciseError(self.exercise_id, "every step is done: finish() the exercise")
        return self.current

    def _open(self, step: Step) -> None:
        self._record(
            ev.STEP_STARTED,
            step=step.id,
            procedure=self.scenario.procedure_of(step),
            title=step.title,
            automated=step.automated,
            action=step.action.name if step.action else None,
        )

    def _close(self, step: Step, status: str, by: str, **fields: Any) -> None:
        if self.finished or self.halted:
            return  # halted while the step ran: it stays open in the log, as it was
        following = self.scenario.next_after(step, status)
        handled = step.handles(status)
        self.statuses[step.id] = step_status(status, handled)
        self._record(
            ev.STEP_FINISHED,
            step=step.id,
            status=status,
            by=by,
            handled=handled,
            next=following.id if following else None,
            **fields,
        )
        self.current = following
        if following is not None and not self._halt.is_set():
            self._open(following)

    def _finish(self, wait_for_recovery: bool, rollback: str) -> Summary:
        if self.finished:
            raise ExerciseError(self.exercise_id, "already finished")
        self.finished = True
        try:
            if wait_for_recovery and not self.dry_run:
                self.watch.wait_for_recovery(
                    [self.measured_endpoint, self.user_facing_endpoint],
                    self.options.sustain_s,
                    self.options.recovery_wait_s,
                    self._halt,
                )
            # A halt rolls back whatever the probes saw last: they may not have seen the fault.
            if self.broke and (self.halted or not all(self.watch.endpoint_up.values())):
                parts = (self.scenario, self.target, self._record, self.watch)
                Rollback(*parts, self._stop_rollback, self.options).run(rollback)
            self.watch.check_data(self.fault_at)
        except Exception as error:  # the log must close whatever the target did
            self._record(ev.ERROR, message=f"while finishing: {error}")
        finally:
            self.watch.stop()
            self._actions.shutdown()
            self.lock.release()
        self._record(ev.FINISHED, step=self.current.id if self.current else None)
        self.log.close()
        summary = self.summary()
        layout.write_summary(self.archive_dir, summary)
        logger.info("exercise %s finished: %s", self.exercise_id, summary.outcome)
        return summary
