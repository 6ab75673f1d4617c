"""An exercise run headless, start to finish: what ``drill`` and the game day notebook's
auto mode do. Automated steps run their action; manual steps take the responses given."""

from __future__ import annotations

import time
from collections.abc import Callable

from bookstore_resil import clock
from bookstore_resil.archive.measure import Summary
from bookstore_resil.exercise.engine import Exercise


def run_auto(
    exercise: Exercise,
    responses: dict[str, str] | None = None,
    progress: Callable[[str], None] = lambda _line: None,
) -> Summary:
    """Run the whole playbook headless: automated steps run, manual ones take ``responses``.

    A manual step with no response is marked ok, or skipped when it is optional.
    ``progress`` gets a line as each step ends (drill streams them to the terminal).
    """
    responses = responses or {}
    if exercise.fault_at is None:
        exercise.watch.wait_for_baseline(
            exercise.options.baseline_s, exercise.options.recovery_wait_s
        )
        exercise.start()
        dry = " (dry run: not injected)" if exercise.dry_run else ""
        progress(f"{exercise.fault or 'outage declared'}{dry} at {clock.iso(exercise.fault_at)}")
    while exercise.current is not None and not exercise.halted:
        step = exercise.current
        began = time.monotonic()
        if step.automated:
            exercise.run()
        else:
            status = responses.get(step.id, "skipped" if step.optional else "ok")
            exercise.mark(status, note="response given in auto mode", by="auto-response")
        took = time.monotonic() - began
        progress(f"  {exercise.statuses[step.id]:<8} {took:6.1f}s  {step.id}")
    summary = exercise.finish() if not exercise.finished else exercise.summary()
    progress(f"{summary.outcome}: {summary.reason}")
    return summary
