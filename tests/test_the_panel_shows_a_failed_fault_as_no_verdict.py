"""In the game-day panel, a fault that fails at Start ends the exercise at once with the
verdict "error" and what the fault said; the panel does not wait on a step that will never
come (before: the Start button vanished and nothing more happened)."""

from __future__ import annotations

from bookstore_resil.errors import TargetError
from bookstore_resil.exercise.widgets import GameDayPanel
from bookstore_resil.targets.base import FaultRecord
from tests.memory_target import MemoryTarget, opened_by_hand


class BrokenFault(MemoryTarget):
    def inject_fault(self, fault: str) -> FaultRecord:
        raise TargetError("memory", f"fault {fault} failed: exit status 3", "no pid file\n")


def test_a_fault_that_fails_at_start_ends_the_exercise_with_its_verdict(tmp_path):
    exercise = opened_by_hand(BrokenFault(tmp_path), "api-failure", "broken")
    panel = GameDayPanel(exercise, clock_interval_s=0.2)
    panel.start.click()
    panel.confirm.click()
    panel.wait()
    assert exercise.finished
    summary = exercise.summary()
    assert summary.outcome == "error" and summary.rto_met is None
    assert summary.fault_failed["output"] == "no pid file\n"
    assert panel.outcome == "error"
    assert all(c.run.disabled for c in panel.cards)
