"""The outcome of an exercise in a word (``passed``, ``failed``, ``aborted``, ``error``,
docs/contract.md §3) and the reason in a sentence, from the path its steps took.

The sentence is what the report's headline and the game-day panel say first, so it is
careful: it says the playbook was followed only when it was (no failed or skipped step,
no deviation), and names every departure otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Step(Protocol):
    """What the outcome needs of a step as it ran (a measure.StepRecord)."""

    id: str
    status: str
    handled: bool


def outcome_of(
    steps: Sequence[Step],
    halted: dict[str, Any] | None,
    errors: list[dict[str, Any]],
    finish: dict[str, Any] | None,
    completed: bool,
    recovered: bool | None,
    still_down: str,
    deviations: int = 0,
) -> tuple[str, str]:
    """passed, failed, aborted or error, with the reason in words. The reason says the
    playbook was followed only when it was: no failed or skipped step, no deviation."""
    if halted:
        return "aborted", f"halted: {halted.get('reason') or 'no reason given'}"
    if errors:
        return "error", errors[0].get("message", "engine error")
    if finish is None:
        return "error", "the event log stops before the exercise finished"
    unhandled = [s for s in steps if s.status == "failed" and not s.handled]
    if unhandled:
        return "failed", f"step {unhandled[0].id} failed and the playbook has no branch for it"
    if not completed:
        return "failed", "the exercise finished before the playbook was completed"
    if recovered is False:
        return "failed", f"{still_down} was still down at the end"
    failed = sum(s.status == "failed" for s in steps)
    skipped = sum(s.status == "skipped" for s in steps)
    departures = [
        text
        for number, text in (
            (failed, f"{_count(failed, 'step')} branched on a failure (as the playbook plans)"),
            (skipped, f"{_count(skipped, 'step')} {'was' if skipped == 1 else 'were'} skipped"),
            (deviations, f"{_count(deviations, 'deviation')} from the playbook recorded"),
        )
        if number
    ]
    if not departures:
        return "passed", "every step followed the playbook and the service recovered"
    listed = ", ".join(departures[:-1]) + (" and " if len(departures) > 1 else "") + departures[-1]
    return "passed", f"the playbook was completed and the service recovered, but {listed}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
