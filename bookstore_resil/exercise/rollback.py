"""Putting the system back when an executed exercise ends with it still broken: a halt, an
interrupted drill, a failure the playbook has no branch for, a recovery never seen.

As Chaos Toolkit always runs an experiment's rollbacks, an exercise runs its scenario's
``rollback_procedure`` (each step logged like the playbook's, under that procedure), or,
when the playbook has none, the target's own repair (the lab's: what ``lab up`` does). The
log marks where the rollback began (``rollback_started``: the measurement ends there, a
repair is not a recovery) and what it left (``rollback_finished``). A manual rollback step
cannot run here: it is left to the team, and said so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from bookstore_resil.archive import events as ev
from bookstore_resil.define.model import ROLLBACK, Scenario
from bookstore_resil.errors import ResilError
from bookstore_resil.exercise.watch import ActionRunner, Options, Record, Watch
from bookstore_resil.targets.base import Target

REPAIR_STEP = "repair"


@dataclass
class Rollback:
    """The rollback of one exercise; ``cancel`` (a second interrupt) stops it at once."""

    scenario: Scenario
    target: Target
    record: Record
    watch: Watch
    cancel: threading.Event
    options: Options

    def run(self, reason: str) -> None:
        """Roll back, then wait for every endpoint to come back; log what is left broken."""
        self.record(ev.ROLLBACK, reason=reason)
        self.target.clear_halt()  # the halt stopped the playbook's action, not this
        if self.scenario.rollback_procedure:
            left = self._steps()
        else:
            left = self._repair()
        endpoints = [probe.name for probe in self.target.probes()]
        wait = (self.options.sustain_s, self.options.recovery_wait_s)
        self.watch.wait_for_recovery(endpoints, *wait, self.cancel)
        down = [name for name in endpoints if not self.watch.endpoint_up.get(name)]
        if down:
            left.append(f"{' and '.join(down)} still down")
        self.record(ev.ROLLED_BACK, recovered=not down, left="; ".join(left) or None)

    def _steps(self) -> list[str]:
        runner = ActionRunner(self.target, self.cancel, dry_run=False)
        left: list[str] = []
        error: str | None
        try:
            for step in self.scenario.rollback_procedure:
                self._started(step.id, step.title, step.action.name if step.action else None)
                if self.cancel.is_set():
                    status, error = "skipped", "stopped: the rollback was interrupted"
                elif step.action is None:
                    status, error = "skipped", "a manual step: the team does it by hand"
                else:
                    result = runner.run(step.action, self.options.action_timeout_s)
                    status = "ok" if result.ok else "failed"
                    error = result.error
                    self._finished(step.id, status, error, result.output)
                    if not result.ok:
                        left.append(f"{step.id} ({error})")
                    continue
                self._finished(step.id, status, error, "")
                left.append(f"{step.id} ({error})")
        finally:
            runner.shutdown()
        return left

    def _repair(self) -> list[str]:
        self._started(REPAIR_STEP, "The target's own repair", REPAIR_STEP)
        try:
            done = self.target.repair()
        except ResilError as error:
            self._finished(REPAIR_STEP, "failed", str(error), "")
            return [f"no rollback_procedure in the playbook and {error}"]
        self._finished(REPAIR_STEP, "ok", None, done)
        return []

    def _started(self, step: str, title: str, action: str | None) -> None:
        self.record(
            ev.STEP_STARTED,
            step=step,
            procedure=ROLLBACK,
            title=title,
            automated=action is not None,
            action=action,
        )

    def _finished(self, step: str, status: str, error: str | None, output: str) -> None:
        self.record(
            ev.STEP_FINISHED,
            step=step,
            status=status,
            by="rollback",
            handled=True,
            next=None,
            output=output,
            error=error,
        )
