"""The panel's header as the room reads it: the Start warning redrawn as the probes change,
the team's expected recovery counted beside the RTO, "back at" once the service came back
(the outage clock stops), and "All steps done: click Finish" after the last step."""

from __future__ import annotations

import time
from collections.abc import Callable

from bookstore_resil.exercise.widgets import GameDayPanel
from tests.memory_target import MemoryTarget, opened_by_hand


def until(condition: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    """Wait for ``condition``; the bound is generous (a loaded 2-core machine), not a
    measurement."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {timeout_s}s"
        time.sleep(0.05)


def test_the_header_follows_the_probes_the_expectation_and_the_steps(tmp_path):
    target = MemoryTarget(tmp_path)
    exercise = opened_by_hand(target, "api-failure", "header")
    panel = GameDayPanel(exercise, clock_interval_s=0.1)
    target.up["cdn"] = False
    until(lambda: exercise.watch.endpoint_up.get("cdn") is False, "the probe seeing cdn down")
    panel.briefing.back_within.value = "15min"
    panel.start.click()
    assert "cdn already down" in panel.confirm_text.value
    target.up["cdn"] = True  # back before the fault: the warning goes
    until(lambda: "already down" not in panel.confirm_text.value, "the warning redrawn")

    panel.confirm.click()
    panel.wait()
    until(lambda: "since the fault" in panel.clock.value, "the outage clock")
    # The probes must see the outage before the repairs end it (a loaded machine can run
    # the steps first: an outage nobody saw is never "back at").
    until(lambda: exercise.watch.endpoint_up.get("api") is False, "the probes seeing api down")
    assert "expected 15min" in panel.clock.value and "RTO 12h" in panel.clock.value
    while exercise.current is not None:  # verify fails (branched), then the repairs run
        card = next(c for c in panel.cards if c.step is exercise.current)
        (card.run if card.step.automated else card.done).click()
        panel.wait()
    until(lambda: "back at" in panel.clock.value, "'back at' once the service is back")
    assert "since the fault" not in panel.clock.value
    assert "All steps done: click Finish" in panel.status.value
    exercise.halt("test over")
