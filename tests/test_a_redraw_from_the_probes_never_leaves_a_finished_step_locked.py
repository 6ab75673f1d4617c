"""The panel is redrawn from more than one thread: the step's worker when it ends, and the
probes' thread on every event they record. A redraw that read "a step is running" just
before the step ended, and wrote its buttons just after the step's own redraw, left the
next step's Run disabled until some later event: in a loaded run of the suite the
facilitator's next click (the test's) found it disabled, and the exercise stayed open.
Redraws are one at a time, each from the state as it is when it runs."""

from __future__ import annotations

import threading

from bookstore_resil.exercise.cards import StepCard
from bookstore_resil.exercise.widgets import GameDayPanel
from tests.memory_target import MemoryTarget, opened_by_hand

# How long the step's redraw is given to overtake the probes' late one: on the code before,
# it always did, and the late one then locked the step.
OVERTAKE_S = 0.3


def test_a_late_redraw_from_the_probes_thread_does_not_disable_the_current_step(
    tmp_path, monkeypatch
):
    exercise = opened_by_hand(MemoryTarget(tmp_path), "cdn-failure", "redraw")
    panel = GameDayPanel(exercise, clock_interval_s=60)
    panel.start.click()
    panel.confirm.click()
    panel.wait()
    card = next(c for c in panel.cards if c.step is exercise.current)
    assert not card.run.disabled

    inside, go = threading.Event(), threading.Event()
    draw = StepCard.refresh

    def slow_for_the_probes(self: StepCard, busy: bool) -> None:
        if threading.current_thread().name == "probes" and self is card:
            inside.set()
            go.wait(10)
        draw(self, busy)

    monkeypatch.setattr(StepCard, "refresh", slow_for_the_probes)
    panel._busy = True  # a step is running as the probes' thread starts its redraw
    probes = threading.Thread(target=panel.refresh, name="probes")
    probes.start()
    assert inside.wait(10)

    def step_ends() -> None:  # what the step's worker does as it ends
        panel._busy = False
        panel.refresh()

    ending = threading.Thread(target=step_ends, name="step")
    ending.start()
    ending.join(OVERTAKE_S)
    go.set()
    probes.join(10)
    ending.join(10)
    assert not card.run.disabled, "the step's Run is left disabled by a stale redraw"
    exercise.halt("test over")
