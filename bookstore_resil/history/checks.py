"""Each line of the staged-resiliency checklist: a check, met or not, with its evidence.

A check reads one kind of evidence: the system definition and its dependency analysis
(``graph``), the sign-offs, or the archived exercises (:class:`Archive`, one per
``reports/<id>/summary.json``, docs/contract.md §3). Every line names the file or the archive that
earns it. A stage is earned, not granted: a cadence needs history that spans it, and a CI
gate is the team's own gate runs recorded in its archives, not a file that says one would
run. The thresholds are the constants below; ``stages`` groups the checks into stages. See
``docs/readiness.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookstore_resil.analyse import graph as g
from bookstore_resil.analyse.signoff import signoff_statuses
from bookstore_resil.clock import parse_ts
from bookstore_resil.define.environments import is_production
from bookstore_resil.define.signoffs import AGREED, SignOff
from bookstore_resil.history.history import History, ScenarioAge, ages

if TYPE_CHECKING:
    from bookstore_resil.define.model import System

CADENCE = timedelta(weeks=5)
CADENCE_PERIODS = 2  # successive cadence periods, up to now, each with an exercise
AUTOMATED_RUNS = 2  # automated archives per scenario for results "tracked over time"
# A result, good or bad (inconclusive, aborted and error are none), once its objectives
# were measured: see Archive.measured.
COMPLETED = ("passed", "missed", "failed")
NON_PRODUCTION_TARGETS = ("lab",)
GATE_FLAG = "--fail-on-breach"
MEASURED = "with its RTO and RPO measured and met"
SYSTEM_FILE, CONTACTS_FILE, SIGNOFFS_FILE = "system.yaml", "contacts.yaml", "signoffs.yaml"


@dataclass(frozen=True)
class Archive:
    """What the checklist needs from one archived exercise's summary.json."""

    exercise_id: str
    scenario: str
    target: str
    mode: str
    outcome: str
    started_at: datetime
    fail_on_breach: bool = False
    environment: str | None = None  # a target may record the environment it ran in
    ci: bool = False  # the drill ran under CI
    path: str = ""  # the archive folder it was read from
    rto_met: bool | None = None  # None: not measured
    rpo_met: bool | None = None

    @property
    def measured(self) -> bool:
        """Both objectives were measured: each has a verdict, met or missed."""
        return self.rto_met is not None and self.rpo_met is not None

    @property
    def passed(self) -> bool:
        """Passed with both objectives measured and met: an objective not measured is not
        met, whatever the outcome word says."""
        return self.outcome == "passed" and self.rto_met is True and self.rpo_met is True

    @property
    def has_result(self) -> bool:
        """Played to a result (passed, missed or failed) with both objectives measured."""
        return self.outcome in COMPLETED and self.measured

    @property
    def gate_run(self) -> bool:
        """A drill run as a resilience gate: under CI, with --fail-on-breach, to a measured
        verdict (a gate that measured nothing checked nothing)."""
        return self.fail_on_breach and self.ci and self.has_result

    @property
    def non_production(self) -> bool:
        """Its environment is a known non-production one (as the production guard reads
        it); without one, its target is the lab."""
        if self.environment is not None:
            return not is_production(self.environment)
        return self.target in NON_PRODUCTION_TARGETS

    @property
    def where(self) -> str:
        """The archive folder, or its exercise id when the folder is not known."""
        return self.path or self.exercise_id

    def __str__(self) -> str:
        outcome = self.outcome
        unmeasured = [
            name for name, met in (("RTO", self.rto_met), ("RPO", self.rpo_met)) if met is None
        ]
        if unmeasured and outcome in COMPLETED:
            outcome += f", {' and '.join(unmeasured)} not measured"
        return (
            f"{self.where} ({self.scenario} on {self.target}, {self.mode}, "
            f"{self.started_at:%Y-%m-%d}, {outcome})"
        )

    @classmethod
    def from_summary(cls, summary: dict[str, Any], path: str = "") -> Archive:
        """One of :func:`~bookstore_resil.history.history.load_history`'s documents (its
        fields checked there), read from the archive folder ``path``."""
        return cls(
            exercise_id=str(summary["exercise_id"]),
            scenario=str(summary["scenario"]),
            target=str(summary.get("target", "unknown")),
            mode=str(summary.get("mode", "auto")),
            outcome=str(summary["outcome"]),
            started_at=parse_ts(summary["started_at"]),
            fail_on_breach=summary.get("fail_on_breach") is True,
            environment=summary.get("environment"),
            ci=summary.get("ci") is True,
            path=path,
            rto_met=summary.get("rto_met"),
            rpo_met=summary.get("rpo_met"),
        )


@dataclass(frozen=True)
class Check:
    """One line of the checklist."""

    check: str
    met: bool
    evidence: str

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "met": self.met, "evidence": self.evidence}


def _names(items: Iterable[str], empty: str = "none") -> str:
    items = list(items)
    return ", ".join(items) if items else empty


def _days(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 86400:.0f} days"


def _playbook(system: System, scenario_id: str) -> str:
    """The file a scenario was read from, relative to the system folder."""
    source = Path(system.scenario(scenario_id).source or f"playbooks/{scenario_id}.yaml")
    try:
        return str(source.relative_to(system.path))
    except ValueError:
        return f"playbooks/{source.name}"


def dependencies_defined(system: System, analysis: g.Analysis) -> Check:
    critical = [s.service for s in analysis.services if s.critical]
    non_critical = [s.service for s in analysis.services if not s.critical]
    orphans = [f.service for f in analysis.findings if f.kind == g.ORPHAN]
    evidence = (
        f"{SYSTEM_FILE}: critical for {system.entrypoint}: {_names(critical)}; "
        f"non-critical: {_names(non_critical)}"
    )
    if orphans:
        evidence += f"; no service depends on {_names(orphans)}, so its criticality is unknown"
    return Check(
        "prerequisites: critical and non-critical dependencies defined", not orphans, evidence
    )


def recovery_playbook(system: System) -> Check:
    recovery = [s.id for s in system.scenarios if s.playbook == "disaster-recovery"]
    return Check(
        "prerequisites: disaster recovery failover playbook (contacts, notification and "
        "failover procedures)",
        bool(system.contacts and system.notification and recovery),
        f"{CONTACTS_FILE}: {len(system.contacts)} contacts, {len(system.notification)} "
        "notification procedures; disaster-recovery playbooks: "
        + _names(_playbook(system, sid) for sid in recovery),
    )


def critical_playbook(system: System, analysis: g.Analysis) -> Check:
    """Every critical dependency (a critical service other than the entrypoint) has a
    critical-dependency scenario, and the analysis finds no critical service without one."""
    scenarios: dict[str, list[str]] = {}
    for scenario in system.scenarios:
        if scenario.playbook == "critical-dependency":
            scenarios.setdefault(scenario.service, []).append(scenario.id)
    dependencies = [
        s.service for s in analysis.services if s.critical and s.service != system.entrypoint
    ]
    uncovered = sorted(
        {sid for sid in dependencies if sid not in scenarios}
        | {f.service for f in analysis.findings if f.kind == g.CRITICAL_WITHOUT_SCENARIO}
    )
    covered = [
        f"{sid} by {', '.join(_playbook(system, scenario) for scenario in scenarios[sid])}"
        for sid in dependencies
        if sid in scenarios
    ]
    evidence = f"covered: {_names(covered)}"
    if uncovered:
        evidence += f"; without a critical-dependency scenario: {', '.join(uncovered)}"
    return Check(
        "prerequisites: critical dependency failover playbook for every critical dependency",
        not uncovered,
        evidence,
    )


def impacts_documented(dependencies: g.DependencyGraph, analysis: g.Analysis) -> Check:
    undocumented = [f.message for f in analysis.findings if f.kind == g.UNDOCUMENTED_DEGRADATION]
    documented = [
        f"{parent} without {child}: {edge['degraded']}"
        for parent, child, edge in dependencies.graph.edges(data=True)
        if edge.get("degraded")
    ]
    return Check(
        "prerequisites: non-critical dependency failure impacts documented",
        not undocumented,
        f"{SYSTEM_FILE}: "
        + (
            "; ".join(undocumented)
            or f"documented: {_names(documented, 'no non-critical dependency edges')}"
        ),
    )


def agreement(system: System, signoffs: list[SignOff]) -> Check:
    statuses = [s for s in signoff_statuses(system, signoffs) if s.concerned]
    pending = [s for s in statuses if s.status != AGREED]
    agreed = len(statuses) - len(pending)
    evidence = f"{SIGNOFFS_FILE}: {agreed} of {len(statuses)} current sign-offs agreed"
    if pending:
        evidence += ": " + "; ".join(f"{s.name} on {s.scenario}: {s.status}" for s in pending)
    return Check("team-wide agreement on playbooks", bool(statuses) and not pending, evidence)


def manual_exercise(archives: list[Archive]) -> Check:
    interactive = [a for a in archives if a.mode == "interactive"]
    passed = [a for a in interactive if a.passed]
    if passed:
        evidence = f"latest passed interactive exercise: {passed[-1]}"
    elif interactive:
        evidence = f"no interactive exercise passed {MEASURED}: " + ", ".join(
            str(a) for a in interactive
        )
    else:
        evidence = "no interactive (manual) exercise archived"
    return Check("manual failover exercise done", bool(passed), evidence)


def non_production_exercise(system: System, archives: list[Archive]) -> Check:
    kinds = {s.id: s.playbook for s in system.scenarios}
    tested = [a for a in archives if kinds[a.scenario] == "critical-dependency"]
    passed = [a for a in tested if a.non_production and a.passed]
    if passed:
        evidence = f"latest: {passed[-1]}"
    elif tested:
        evidence = (
            f"no critical-dependency exercise passed on a non-production target {MEASURED}: "
            + ", ".join(str(a) for a in tested)
        )
    else:
        evidence = "no exercise of a critical-dependency scenario archived"
    return Check(
        "critical dependency failure exercise passed on a non-production target",
        bool(passed),
        evidence,
    )


def every_scenario_recent(system: System, held: History, at: datetime) -> Check:
    """Every archived exercise counts here, whatever its outcome: it was held (as in
    ``history``, whose cadence view this is)."""
    found = ages(held, CADENCE.total_seconds(), at, [s.id for s in system.scenarios])
    overdue = [a for a in found if a.overdue]
    where = dict(zip((doc["exercise_id"] for doc in held.exercises), held.archives, strict=False))

    def line(age: ScenarioAge) -> str:
        archive = where.get(age.last_exercise_id or "")
        return f"{age} ({archive})" if archive else str(age)

    return Check(
        f"every scenario exercised in the last {CADENCE.days // 7} weeks",
        not overdue,
        "; ".join(line(a) for a in (overdue or found)),
    )


def regular_cadence(archives: list[Archive], at: datetime) -> Check:
    """Exercises, whatever their outcome, in each of the last two cadence periods up to
    ``at`` and no further apart than the cadence: a history that spans the cadence, not
    four exercises in one afternoon."""
    weeks = CADENCE.days // 7
    bounds = [at - CADENCE * n for n in range(CADENCE_PERIODS, -1, -1)]
    periods = [
        [a for a in archives if start < a.started_at <= end] for start, end in pairwise(bounds)
    ]
    held = [a for period in periods for a in period]
    gaps = [b.started_at - a.started_at for a, b in pairwise(held)]
    described = "; ".join(
        f"{start:%Y-%m-%d} to {end:%Y-%m-%d}: "
        + (f"{len(period)}, latest {period[-1]}" if period else "none")
        for (start, end), period in zip(pairwise(bounds), periods, strict=True)
    )
    met = all(periods) and max(gaps, default=timedelta(0)) <= CADENCE
    if all(periods):
        described += f"; longest gap {_days(max(gaps, default=timedelta(0)))}"
    return Check(
        f"exercises in each of the last {CADENCE_PERIODS} periods of {weeks} weeks, "
        f"no gap over {weeks} weeks",
        met,
        described,
    )


def automated_exercises(system: System, archives: list[Archive]) -> tuple[Check, Check]:
    """Every scenario drilled at all, and often enough to track: both read one tally of the
    automated exercises with a result."""
    counts = {s.id: 0 for s in system.scenarios}
    latest: dict[str, Archive] = {}
    for archive in archives:
        if archive.mode == "auto" and archive.has_result:
            counts[archive.scenario] += 1
            latest[archive.scenario] = archive
    tally = "; ".join(
        f"{sid}: {count}" + (f" (latest {latest[sid].where})" if count else "")
        for sid, count in counts.items()
    )
    tally = tally or "no scenarios"
    return (
        Check(
            "every scenario exercised automatically (drill)",
            bool(counts) and all(counts.values()),
            f"automated exercises per scenario: {tally}",
        ),
        Check(
            f"results tracked over time: at least {AUTOMATED_RUNS} automated exercises "
            "per scenario",
            bool(counts) and min(counts.values()) >= AUTOMATED_RUNS,
            f"automated exercises per scenario: {tally}",
        ),
    )


def ci_gate(archives: list[Archive]) -> Check:
    """The team's own gate runs, recorded in its archives: a drill under CI (the ``CI``
    variable set) with --fail-on-breach, that came to a measured verdict. A CI file that says
    a gate would run is no evidence that one does."""
    gated = [a for a in archives if a.gate_run]
    if gated:
        evidence = f"latest gate run: {gated[-1]}"
    else:
        flagged = [a for a in archives if a.fail_on_breach]
        evidence = "no archive of a drill run under CI with " + GATE_FLAG
        if flagged:
            evidence += f"; with {GATE_FLAG} but not a gate run: {flagged[-1]}"
    return Check(f"drill {GATE_FLAG} runs as a gate in CI (archived)", bool(gated), evidence)
