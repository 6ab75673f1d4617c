"""The outcome of an exercise in a word (``passed``, ``missed``, ``inconclusive``,
``failed``, ``aborted``, ``error``, docs/contract.md §3) and the reason in a sentence, from
the path its steps took and what was measured.

The sentence is what the report's headline and the game-day panel say first, so it is
careful: it says the playbook was followed only when it was (no failed or skipped step,
no deviation), and names every departure otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bookstore_resil.define.units import format_duration


class Step(Protocol):
    """What the outcome needs of a step as it ran (a measure.StepRecord, frozen)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def handled(self) -> bool: ...


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


@dataclass(frozen=True)
class Evidence:
    """What the measurement says beside the path the steps took: a fault that failed (its
    ``fault_failed`` event), whether the probes saw the fault, the objectives as
    ``(met, seconds, objective[, bound])``, the errors the exercise was resumed from."""

    fault_failed: dict[str, Any] | None = None
    observed: bool = True
    watched: str = "the service"
    interval_s: float = 0.1
    rto: tuple[Any, ...] = (None, None, 0.0)
    rpo: tuple[Any, ...] = (None, None, 0.0, None)
    interruptions: list[str] = field(default_factory=list)


def judged(path: tuple[str, str], evidence: Evidence) -> tuple[str, str]:
    """The outcome word once the measurement is in: ``error`` when the fault failed (nothing
    was broken, nothing measured), ``inconclusive`` when no probe saw the fault, ``missed``
    when the playbook passed but an objective did not; an interruption the exercise came
    back from is named, not its outcome."""
    outcome, reason = path
    if evidence.fault_failed is not None and outcome != "aborted":
        failed = evidence.fault_failed
        why = failed.get("error") or "it failed"
        outcome = "error"
        reason = f"fault {failed.get('fault')} failed ({why}): nothing was broken or measured"
    elif outcome == "passed" and not evidence.observed:
        outcome = "inconclusive"
        reason = (
            f"the probes never saw {evidence.watched} down: the fault may not have taken "
            f"effect, or the outage was shorter than the {evidence.interval_s:g}s sample interval"
        )
    elif outcome == "passed":
        missed = [
            text
            for text in (
                _missed("RTO", "down", *evidence.rto),
                _missed("RPO", "lost", *evidence.rpo),
            )
            if text
        ]
        if missed:
            outcome = "missed"
            reason = f"{' and '.join(missed)}; {reason}"
    if evidence.interruptions:
        reason = f"{reason} (resumed after an interruption: {evidence.interruptions[0]})"
    return outcome, reason


def _missed(
    name: str,
    verb: str,
    met: bool | None,
    seconds: float | None,
    objective: float,
    bound: Any = None,
) -> str:
    if met is not False or seconds is None:
        return ""
    at_least = "at least " if bound == "at_least" else ""
    return (
        f"{name} missed: {verb} {at_least}{format_duration(seconds)} against "
        f"{format_duration(objective)}"
    )
