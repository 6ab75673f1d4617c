"""Each line of the staged-resiliency checklist: a check, met or not, with its evidence.

A check reads one kind of evidence: the system definition and its dependency analysis
(``graph``), the sign-offs, the archived exercises (:class:`Archive`, one per
``reports/<id>/summary.json``, CONTRACT §3), or the CI configuration of the repository. The
thresholds are the constants below; ``stages`` groups the checks into stages. See
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
from bookstore_resil.define.signoffs import AGREED, SignOff
from bookstore_resil.history.history import History, ages

if TYPE_CHECKING:
    from bookstore_resil.define.model import System

CADENCE = timedelta(weeks=5)
CADENCE_RUNS = 3  # the last this many exercises must be no more than CADENCE apart
AUTOMATED_RUNS = 2  # automated archives per scenario for results "tracked over time"
COMPLETED = ("passed", "failed")  # a result, good or bad (aborted and error are none)
NON_PRODUCTION_TARGETS = ("lab",)
PRODUCTION = ("production", "prod")
# Where a CI gate would be configured, relative to the repository root.
CI_FILES = (
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "azure-pipelines.yml",
    "Jenkinsfile",
    ".ci/*",
)
GATE_FLAG = "--fail-on-breach"


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

    @property
    def non_production(self) -> bool:
        if self.environment is not None:
            return self.environment.lower() not in PRODUCTION
        return self.target in NON_PRODUCTION_TARGETS

    def __str__(self) -> str:
        return (
            f"{self.exercise_id} ({self.scenario} on {self.target}, {self.mode}, "
            f"{self.started_at:%Y-%m-%d}, {self.outcome})"
        )

    @classmethod
    def from_summary(cls, summary: dict[str, Any]) -> Archive:
        """One of :func:`~bookstore_resil.history.history.load_history`'s documents (its
        required keys checked there)."""
        return cls(
            exercise_id=str(summary["exercise_id"]),
            scenario=str(summary["scenario"]),
            target=str(summary.get("target", "unknown")),
            mode=str(summary.get("mode", "auto")),
            outcome=str(summary["outcome"]),
            started_at=parse_ts(summary["started_at"]),
            fail_on_breach=summary.get("fail_on_breach") is True,
            environment=summary.get("environment"),
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


def dependencies_defined(system: System, analysis: g.Analysis) -> Check:
    critical = [s.service for s in analysis.services if s.critical]
    non_critical = [s.service for s in analysis.services if not s.critical]
    orphans = [f.service for f in analysis.findings if f.kind == g.ORPHAN]
    evidence = (
        f"critical for {system.entrypoint}: {_names(critical)}; "
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
        f"{len(system.contacts)} contacts, {len(system.notification)} notification procedures, "
        f"disaster-recovery scenarios: {_names(recovery)}",
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
    covered = [f"{sid} by {', '.join(scenarios[sid])}" for sid in dependencies if sid in scenarios]
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
        f"{parent} without {child}: {degraded}"
        for parent, child, degraded in dependencies.graph.edges(data="degraded")
        if degraded
    ]
    return Check(
        "prerequisites: non-critical dependency failure impacts documented",
        not undocumented,
        "; ".join(undocumented)
        or f"documented: {_names(documented, 'no non-critical dependency edges')}",
    )


def agreement(system: System, signoffs: list[SignOff]) -> Check:
    statuses = [s for s in signoff_statuses(system, signoffs) if s.concerned]
    pending = [s for s in statuses if s.status != AGREED]
    evidence = f"{len(statuses) - len(pending)} of {len(statuses)} current sign-offs agreed"
    if pending:
        evidence += ": " + "; ".join(f"{s.name} on {s.scenario}: {s.status}" for s in pending)
    return Check("team-wide agreement on playbooks", bool(statuses) and not pending, evidence)


def manual_exercise(archives: list[Archive]) -> Check:
    interactive = [a for a in archives if a.mode == "interactive"]
    passed = [a for a in interactive if a.outcome == "passed"]
    if passed:
        evidence = f"latest passed interactive exercise: {passed[-1]}"
    elif interactive:
        evidence = "no interactive exercise passed: " + ", ".join(str(a) for a in interactive)
    else:
        evidence = "no interactive (manual) exercise archived"
    return Check("manual failover exercise done", bool(passed), evidence)


def non_production_exercise(system: System, archives: list[Archive]) -> Check:
    kinds = {s.id: s.playbook for s in system.scenarios}
    tested = [a for a in archives if kinds[a.scenario] == "critical-dependency"]
    passed = [a for a in tested if a.non_production and a.outcome == "passed"]
    if passed:
        evidence = f"latest: {passed[-1]}"
    elif tested:
        evidence = (
            "no critical-dependency exercise passed on a non-production target: "
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
    return Check(
        f"every scenario exercised in the last {CADENCE.days // 7} weeks",
        not overdue,
        "; ".join(str(a) for a in (overdue or found)),
    )


def regular_cadence(archives: list[Archive]) -> Check:
    """The last exercises, whatever their outcome, no further apart than the cadence."""
    runs = archives[-CADENCE_RUNS:]
    gaps = [b.started_at - a.started_at for a, b in pairwise(runs)]
    dates = ", ".join(f"{a.started_at:%Y-%m-%d}" for a in runs) or "none"
    if len(runs) < CADENCE_RUNS:
        met = False
        evidence = f"a cadence needs {CADENCE_RUNS} exercises; found {len(runs)}: {dates}"
    else:
        met = max(gaps) <= CADENCE
        evidence = f"last {CADENCE_RUNS} exercises: {dates}; longest gap {_days(max(gaps))}"
    return Check(
        f"no gap over {CADENCE.days // 7} weeks between the last {CADENCE_RUNS} exercises",
        met,
        evidence,
    )


def automated_exercises(system: System, archives: list[Archive]) -> tuple[Check, Check]:
    """Every scenario drilled at all, and often enough to track: both read one tally of the
    automated exercises with a result."""
    counts = {s.id: 0 for s in system.scenarios}
    for archive in archives:
        if archive.mode == "auto" and archive.outcome in COMPLETED:
            counts[archive.scenario] += 1
    tally = "; ".join(f"{sid}: {count}" for sid, count in counts.items()) or "no scenarios"
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


def ci_gates(repo: Path | None) -> list[str]:
    """``FILE:LINE`` of each CI configuration line that runs ``drill --fail-on-breach``."""
    if repo is None:
        return []
    found = []
    for pattern in CI_FILES:
        for path in sorted(repo.glob(pattern)):
            if not path.is_file():
                continue
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            found.extend(
                f"{path.relative_to(repo)}:{number}"
                for number, line in enumerate(lines, start=1)
                if "drill" in line and GATE_FLAG in line
            )
    return found


def ci_gate(archives: list[Archive], repo: Path | None) -> Check:
    gated = [a for a in archives if a.fail_on_breach and a.outcome in COMPLETED]
    configured = ci_gates(repo)
    evidence = []
    if gated:
        evidence.append(f"drill {GATE_FLAG} archived: {gated[-1]}")
    if configured:
        evidence.append(f"CI runs drill {GATE_FLAG}: {', '.join(configured)}")
    if not evidence:
        where = (
            f"no CI configuration in {repo} runs one"
            if repo
            else "no git repository above the system folder to read CI configuration from"
        )
        evidence.append(f"no archive of a drill run with {GATE_FLAG}; {where}")
    return Check(
        f"drill {GATE_FLAG} runs as a gate (archived, or in the CI configuration)",
        bool(gated or configured),
        "; ".join(evidence),
    )
