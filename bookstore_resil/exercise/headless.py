"""An exercise run headless, start to finish: what ``drill`` and the game day notebook's
auto mode do. Automated steps run their action; manual steps take the responses given.

Ctrl-C or SIGTERM (``drill`` passes either on to the kernel) never leaves the
system broken: the first stops the running action's process group and halts the exercise,
which rolls back (:mod:`.rollback`) and archives as ``aborted``; a second stops the
rollback too, and the archive says what is left broken.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
    with _interrupts_stop(exercise):
        if exercise.fault_at is None and not exercise.finished:
            exercise.watch.wait_for_baseline(
                exercise.options.baseline_s, exercise.options.recovery_wait_s
            )
            if exercise.stop_reason is None:
                exercise.start()
                if exercise.fault_at is not None:
                    dry = " (dry run: not injected)" if exercise.dry_run else ""
                    at = clock.iso(exercise.fault_at)
                    progress(f"{exercise.fault or 'outage declared'}{dry} at {at}")
        while exercise.current is not None and not exercise.finished:
            if exercise.stop_reason is not None:
                break
            step = exercise.current
            began = time.monotonic()
            if step.automated:
                exercise.run()
            else:
                status = responses.get(step.id, "skipped" if step.optional else "ok")
                exercise.mark(status, note="response given in auto mode", by="auto-response")
            took = time.monotonic() - began
            progress(f"  {exercise.statuses[step.id]:<8} {took:6.1f}s  {step.id}")
        if exercise.finished:
            summary = exercise.summary()
        elif exercise.stop_reason is not None:
            progress(f"{exercise.stop_reason}: halting and rolling back")
            summary = exercise.halt(exercise.stop_reason)
        else:
            summary = exercise.finish()
    progress(f"{summary.outcome}: {summary.reason}")
    if summary.rollback is not None:
        rollback = summary.rollback
        if rollback.get("recovered"):
            progress(f"rolled back ({rollback['reason']}): every endpoint is up again")
        else:
            progress(f"LEFT BROKEN after the rollback: {rollback.get('left') or 'unknown'}")
    return summary


@contextmanager
def _interrupts_stop(exercise: Exercise) -> Iterator[None]:
    """SIGINT and SIGTERM ask the exercise to stop (first) and stop its rollback (second)
    instead of raising mid-step; only the main thread can take signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:  # sets flags only: no printing here
        exercise.interrupt(f"interrupted by {signal.Signals(signum).name}")

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
