"""What one exercise tells the team: verdicts, findings and recommendations.

Everything here is computed from the exercise's :class:`~bookstore_resil.archive.measure.Summary`
(itself a function of ``events.jsonl``) and, for the effective objectives, from the
dependency analysis of the system definition (:mod:`bookstore_resil.analyse.graph`). The rules:

* **Failed, branched, skipped, unfinished steps** are listed as they ran. A failure the
  playbook branches on (``handled``) is listed as *branched*, part of the plan; an
  unhandled one ends the exercise. The step open when the exercise was halted is *open at
  halt*, with the note typed on it; one open when the log stops is *running*.
* **Slow steps**: a finished step is slow when it took more than ``SLOW_FACTOR`` (3) times
  the median duration of the exercise's finished steps *and* more than ``SLOW_MIN_S``
  (5 s): both, so that a 0.4 s check beside 0.1 s ones is not flagged.
* **Update the playbook** for every unhandled failed step, and when the exercise could not
  be completed (any outcome but ``passed``): the seed's "If the exercise fails or cannot be
  completed this likely indicates that the playbook needs to be updated".
* **Document or drop** every deviation: the playbook is followed exactly as written.
* **Objectives** are judged only by a run that tested them: an aborted (halted), an
  inconclusive or a dry run gets no objective recommendation (``judges_objectives``).
* **Tighten an objective** met with a measurement under ``TIGHTEN_SHARE`` (10 %) of it (the
  seed: about 30 minutes of downtime against 12 h), suggesting the smallest round duration
  that still leaves 3x the measured value.
* **A missed objective** needs a faster procedure or an honest objective.
* **Dependency findings** of the scenario's service (effective RTO/RPO, single points of
  failure, ...) come from the dependency analysis, and one more when the scenario promises
  an objective its critical dependencies cannot meet.
* **Notify**: nobody notified after the fault is a finding of its own.

:mod:`bookstore_resil.report.document` shows them section by section.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bookstore_resil import clock
from bookstore_resil.analyse.graph import RPO_UNMET, RTO_UNMET, ServiceAnalysis
from bookstore_resil.archive.measure import StepRecord, Summary
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import OPEN_AT_HALT, step_status
from bookstore_resil.report.verdicts import Verdict, percent, verdicts

SLOW_FACTOR = 3.0
SLOW_MIN_S = 5.0
TIGHTEN_SHARE = 0.10
HEADROOM = 3.0
# 1min, 5min, 15min, 30min, 1h, 2h, 4h, 8h, 12h, 1d, 2d, 7d
ROUND_DURATIONS_S = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800, 604800)
# Halted before the recovery, or the fault never seen: no evidence for an objective.
UNTESTED_OUTCOMES = ("aborted", "inconclusive", "error")


def judges_objectives(outcome: str, dry_run: bool) -> bool:
    """Whether a run's numbers say anything about its RTO and RPO."""
    return outcome not in UNTESTED_OUTCOMES and not dry_run


@dataclass(frozen=True)
class StepFinding:
    step: str
    kind: str  # failed, branched, skipped, slow, open at halt, running
    message: str


@dataclass(frozen=True)
class Deviation:
    at: str
    step: str | None
    text: str


@dataclass(frozen=True)
class Notified:
    at: str
    contact: str
    reason: str
    how: str
    after_fault_s: float | None


@dataclass(frozen=True)
class Recommendation:
    kind: str  # update-playbook, document-deviation, tighten-rto, tighten-rpo, objective-missed,
    # notify, or a dependency-analysis finding kind (graph.FINDING_KINDS)
    message: str
    owner: str = ""  # who carries it out (report.context.SystemContext.owner)


@dataclass(frozen=True)
class Findings:
    """Everything the team should read after an exercise."""

    verdicts: tuple[Verdict, ...]
    steps: tuple[StepFinding, ...]
    deviations: tuple[Deviation, ...]
    notified: tuple[Notified, ...]
    dependency: ServiceAnalysis | None
    dependency_note: str
    recommendations: tuple[Recommendation, ...]


# -- the rules ------------------------------------------------------------------------


def slow_steps(steps: Sequence[StepRecord]) -> list[tuple[StepRecord, float]]:
    """Finished steps over ``SLOW_FACTOR`` x the median and ``SLOW_MIN_S``, each with the median."""
    durations = [s.duration_s for s in steps if s.duration_s is not None]
    if len(durations) < 2:
        return []
    median = statistics.median(durations)
    return [
        (s, median)
        for s in steps
        if s.duration_s is not None
        and s.duration_s > SLOW_FACTOR * median
        and s.duration_s > SLOW_MIN_S
    ]


def round_up(seconds: float) -> float | None:
    """The smallest round duration (1min, 5min, ..., 7d) at or above ``seconds``."""
    return next((float(d) for d in ROUND_DURATIONS_S if d >= seconds), None)


def _when(moment: datetime, zone: str) -> str:
    """``09:30:06 PDT on 2024-03-19 (16:30:06 UTC)``: the team's time, UTC beside it."""
    there, utc = moment.astimezone(ZoneInfo(zone)), moment.astimezone(ZoneInfo("UTC"))
    day = f" on {utc:%Y-%m-%d}" if utc.date() != there.date() else ""
    beside = "" if zone == "UTC" else f" ({utc:%H:%M:%S} UTC{day})"
    return f"{there:%H:%M:%S %Z} on {there:%Y-%m-%d}{beside}"


def seed_arithmetic(
    fault_at: str | None, rto_s: float, rpo_s: float, zone: str = "UTC"
) -> list[str]:
    """The seed's RTO/RPO reading of this outage, spelled out with its own times (in the
    team's time zone ``zone``, UTC beside them)."""
    if fault_at is None:
        return ["No fault was injected or declared: the objectives have no clock to run against."]
    fault = clock.parse_ts(fault_at)
    restore_by = fault + timedelta(seconds=rto_s)
    loss_from = fault - timedelta(seconds=rpo_s)
    return [
        f"Outage at {_when(fault, zone)} with an RTO of {format_duration(rto_s)}: "
        f"restore by {_when(restore_by, zone)}.",
        f"With an RPO of {format_duration(rpo_s)}: only data written after "
        f"{_when(loss_from, zone)} may be lost.",
    ]


def step_findings(steps: Sequence[StepRecord], halted: bool = False) -> list[StepFinding]:
    found = []
    for step in steps:
        kind = step_status(step.status, step.handled, halted)
        cause = f": {step.error}" if step.error else ""
        note = f" (note: {step.note})" if step.note else ""
        message = {
            "branched": f"{step.id} failed{cause} (the playbook branches on it)",
            "failed": f"{step.id} failed{cause} (the playbook has no branch for it)",
            "skipped": f"{step.id} was skipped" + (f": {step.note}" if step.note else ""),
            OPEN_AT_HALT: f"{step.id} was open when the exercise was halted{note}",
            "running": f"{step.id} never finished: the log stops during it{note}",
        }.get(kind)
        if message:
            found.append(StepFinding(step.id, kind, message))
    for step, median in slow_steps(steps):
        took = step.duration_s or 0.0  # a finished step's: slow_steps keeps no other
        found.append(
            StepFinding(
                step.id,
                "slow",
                f"{step.id} took {format_duration(took)}, "
                f"{took / median:.0f}x the median step ({format_duration(median)})",
            )
        )
    return found


def _tighten(kind: str, label: str, measured: float, objective: float) -> Recommendation:
    share = percent(measured / objective)
    suggestion = round_up(HEADROOM * measured) if measured else None
    to = (
        f", e.g. to {format_duration(suggestion)} ({HEADROOM:.0f}x the measured value, rounded up)"
        if suggestion and suggestion < objective
        else ""
    )
    what = f"measured {format_duration(measured)}" if measured else "nothing measured lost"
    return Recommendation(
        kind,
        f"{what} against an {label} of {format_duration(objective)} ({share}): the objective "
        f"can be tightened{to}",
    )


def recommendations(
    summary: Summary,
    verdict_pair: Sequence[Verdict],
    dependency: ServiceAnalysis | None,
) -> list[Recommendation]:
    found: list[Recommendation] = []
    unhandled = [s for s in summary.steps if s.status == "failed" and not s.handled]
    for step in unhandled:
        found.append(
            Recommendation(
                "update-playbook",
                f"step {step.id} failed and the playbook has no branch for it: update the "
                "playbook (fix the step, or add a failed: branch to what the team did instead)",
            )
        )
    if summary.outcome not in ("passed", "missed") and not unhandled:
        found.append(
            Recommendation(
                "update-playbook",
                f"the exercise could not be completed ({summary.outcome}: {summary.reason}): "
                "review the playbook against what happened and run the exercise again",
            )
        )
    for deviation in summary.deviations:
        where = f" during {deviation['step']}" if deviation.get("step") else ""
        found.append(
            Recommendation(
                "document-deviation",
                f"done outside the playbook{where}: {deviation.get('text', '')}: write it into "
                "the playbook or stop doing it",
            )
        )
    judged = judges_objectives(summary.outcome, summary.dry_run)
    for verdict in verdict_pair if judged else ():
        kind = f"tighten-{verdict.objective.lower()}"
        share = verdict.share
        if (
            verdict.met
            and verdict.measured_s is not None
            and share is not None
            and share < TIGHTEN_SHARE
        ):
            found.append(_tighten(kind, verdict.objective, verdict.measured_s, verdict.objective_s))
        elif verdict.met is False:
            found.append(
                Recommendation(
                    "objective-missed",
                    f"{verdict.text}: make the procedure faster or agree an objective the "
                    "system can meet",
                )
            )
    if dependency is not None:
        found.extend(Recommendation(f.kind, f.message) for f in dependency.findings)
        kinds = {f.kind for f in dependency.findings}
        for label, kind, promised, effective, bound in (
            ("RTO", RTO_UNMET, summary.rto_s, dependency.effective_rto_s, dependency.rto_bound_by),
            ("RPO", RPO_UNMET, summary.rpo_s, dependency.effective_rpo_s, dependency.rpo_bound_by),
        ):
            if effective is not None and effective > promised and kind not in kinds:
                found.append(
                    Recommendation(
                        kind,
                        f"scenario {summary.scenario} promises an {label} of "
                        f"{format_duration(promised)} but {summary.service} critically needs "
                        f"{bound}, whose {label} is {format_duration(effective)}",
                    )
                )
    if summary.fault_at is not None and not summary.notifications:
        found.append(
            Recommendation(
                "notify",
                "nobody was notified during the exercise: follow the notification procedure "
                "of contacts.yaml (who, what, when, why, how)",
            )
        )
    return found


def find(
    summary: Summary, dependency: ServiceAnalysis | None = None, dependency_note: str = ""
) -> Findings:
    """Every finding and recommendation of one exercise (see the module doc for the rules)."""
    fault_at = clock.parse_ts(summary.fault_at) if summary.fault_at else None
    pair = verdicts(summary)
    return Findings(
        verdicts=pair,
        steps=tuple(step_findings(summary.steps, summary.halted is not None)),
        deviations=tuple(
            Deviation(d["ts"], d.get("step"), d.get("text", "")) for d in summary.deviations
        ),
        notified=tuple(
            Notified(
                at=n["ts"],
                contact=n.get("contact", ""),
                reason=n.get("reason", ""),
                how=n.get("how", ""),
                after_fault_s=(
                    round((clock.parse_ts(n["ts"]) - fault_at).total_seconds(), 3)
                    if fault_at
                    else None
                ),
            )
            for n in summary.notifications
        ),
        dependency=dependency,
        dependency_note=dependency_note,
        recommendations=tuple(recommendations(summary, pair, dependency)),
    )
