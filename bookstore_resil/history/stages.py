"""The staged-resiliency checklist: each line of each stage, met or not, and the evidence.

Stage 1 is the seed's (prerequisites, team-wide agreement, a manual failover exercise); the
later ones follow the Walmart levels the series is built on. The evidence comes from three
places: the system definition and its dependency analysis (``graph``), ``signoffs.yaml``
(``signoff``), and the exercise archives as ``history.load_history`` reads them (each
``reports/<id>/summary.json``, CONTRACT §3) started at or before the moment the checklist is
drawn up for. See ``docs/readiness.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookstore_resil.analyse import graph as g
from bookstore_resil.analyse.signoff import signoff_statuses
from bookstore_resil.clock import parse_ts
from bookstore_resil.define.signoffs import AGREED, SignOff
from bookstore_resil.history.history import History, ages

if TYPE_CHECKING:
    import pandas as pd

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

TITLES = {
    1: "Prerequisites, team-wide agreement on playbooks, a manual failover exercise",
    2: "A critical dependency failure tested in a non-production environment",
    3: f"Exercises on a cadence of {CADENCE.days // 7} weeks or less",
    4: "Automated exercises, with results tracked over time",
    5: "A resilience gate in CI",
}


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


@dataclass(frozen=True)
class Stage:
    stage: int
    title: str
    checks: tuple[Check, ...]

    @property
    def met(self) -> bool:
        return all(check.met for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "met": self.met,
            "checks": [check.as_json() for check in self.checks],
        }


@dataclass(frozen=True)
class Checklist:
    stages: tuple[Stage, ...]
    at: datetime
    skipped: tuple[str, ...] = ()  # archives that could not be read: ``FILE: why``

    @property
    def reached(self) -> int:
        """The highest stage met with every stage below it: 0 before stage 1."""
        reached = 0
        for stage in self.stages:
            if not stage.met:
                break
            reached = stage.stage
        return reached

    def as_json(self) -> dict[str, Any]:
        """The ``stage --json`` document, exactly CONTRACT §2's shape."""
        return {"stages": [stage.as_json() for stage in self.stages]}

    def table(self) -> pd.DataFrame:
        """One row per check: stage, check, met, evidence."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "stage": stage.stage,
                    "check": check.check,
                    "met": "yes" if check.met else "no",
                    "evidence": check.evidence,
                }
                for stage in self.stages
                for check in stage.checks
            ],
            columns=["stage", "check", "met", "evidence"],
        )


def _names(items: Iterable[str], empty: str = "none") -> str:
    items = list(items)
    return ", ".join(items) if items else empty


def _days(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 86400:.0f} days"


def _dependencies_defined(system: System, analysis: g.Analysis) -> Check:
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


def _recovery_playbook(system: System) -> Check:
    recovery = [s.id for s in system.scenarios if s.playbook == "disaster-recovery"]
    return Check(
        "prerequisites: disaster recovery failover playbook (contacts, notification and "
        "failover procedures)",
        bool(system.contacts and system.notification and recovery),
        f"{len(system.contacts)} contacts, {len(system.notification)} notification procedures, "
        f"disaster-recovery scenarios: {_names(recovery)}",
    )


def _critical_playbook(system: System, analysis: g.Analysis) -> Check:
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


def _impacts_documented(dependencies: g.DependencyGraph, analysis: g.Analysis) -> Check:
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


def _agreement(system: System, signoffs: list[SignOff]) -> Check:
    statuses = [s for s in signoff_statuses(system, signoffs) if s.concerned]
    pending = [s for s in statuses if s.status != AGREED]
    evidence = f"{len(statuses) - len(pending)} of {len(statuses)} current sign-offs agreed"
    if pending:
        evidence += ": " + "; ".join(f"{s.name} on {s.scenario}: {s.status}" for s in pending)
    return Check("team-wide agreement on playbooks", bool(statuses) and not pending, evidence)


def _manual_exercise(archives: list[Archive]) -> Check:
    interactive = [a for a in archives if a.mode == "interactive"]
    passed = [a for a in interactive if a.outcome == "passed"]
    if passed:
        evidence = f"latest passed interactive exercise: {passed[-1]}"
    elif interactive:
        evidence = "no interactive exercise passed: " + ", ".join(str(a) for a in interactive)
    else:
        evidence = "no interactive (manual) exercise archived"
    return Check("manual failover exercise done", bool(passed), evidence)


def _stage_1(
    system: System,
    dependencies: g.DependencyGraph,
    signoffs: list[SignOff],
    archives: list[Archive],
) -> Stage:
    analysis = dependencies.analyse()
    return Stage(
        1,
        TITLES[1],
        (
            _dependencies_defined(system, analysis),
            _recovery_playbook(system),
            _critical_playbook(system, analysis),
            _impacts_documented(dependencies, analysis),
            _agreement(system, signoffs),
            _manual_exercise(archives),
        ),
    )


def _stage_2(system: System, archives: list[Archive]) -> Stage:
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
    return Stage(
        2,
        TITLES[2],
        (
            Check(
                "critical dependency failure exercise passed on a non-production target",
                bool(passed),
                evidence,
            ),
        ),
    )


def _stage_3(system: System, held: History, archives: list[Archive], at: datetime) -> Stage:
    """Every archived exercise counts here, whatever its outcome: it was held (as in
    ``history``, whose cadence view this is)."""
    found = ages(held, CADENCE.total_seconds(), at, [s.id for s in system.scenarios])
    overdue = [a for a in found if a.overdue]
    every_scenario = Check(
        f"every scenario exercised in the last {CADENCE.days // 7} weeks",
        not overdue,
        "; ".join(str(a) for a in (overdue or found)),
    )

    runs = archives[-CADENCE_RUNS:]
    gaps = [b.started_at - a.started_at for a, b in pairwise(runs)]
    dates = ", ".join(f"{a.started_at:%Y-%m-%d}" for a in runs) or "none"
    if len(runs) < CADENCE_RUNS:
        met = False
        evidence = f"a cadence needs {CADENCE_RUNS} exercises; found {len(runs)}: {dates}"
    else:
        met = max(gaps) <= CADENCE
        evidence = f"last {CADENCE_RUNS} exercises: {dates}; longest gap {_days(max(gaps))}"
    cadence = Check(
        f"no gap over {CADENCE.days // 7} weeks between the last {CADENCE_RUNS} exercises",
        met,
        evidence,
    )
    return Stage(3, TITLES[3], (every_scenario, cadence))


def _stage_4(system: System, archives: list[Archive]) -> Stage:
    counts = {s.id: 0 for s in system.scenarios}
    for archive in archives:
        if archive.mode == "auto" and archive.outcome in COMPLETED:
            counts[archive.scenario] += 1
    tally = "; ".join(f"{sid}: {count}" for sid, count in counts.items()) or "no scenarios"
    return Stage(
        4,
        TITLES[4],
        (
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


def _stage_5(archives: list[Archive], repo: Path | None) -> Stage:
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
    return Stage(
        5,
        TITLES[5],
        (
            Check(
                f"drill {GATE_FLAG} runs as a gate (archived, or in the CI configuration)",
                bool(gated or configured),
                "; ".join(evidence),
            ),
        ),
    )


def checklist(
    system: System,
    history: History,
    signoffs: list[SignOff],
    at: datetime | None = None,
    repo: Path | None = None,
) -> Checklist:
    """The checklist as of ``at`` (default now): only archives of this system's scenarios
    started by then count. ``repo`` is where CI configuration is looked for."""
    at = at or datetime.now(timezone.utc)
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    known = {s.id for s in system.scenarios}
    held = History(
        history.folder,
        tuple(
            doc
            for doc in history.exercises
            if doc["scenario"] in known and parse_ts(doc["started_at"]) <= at
        ),
        history.skipped,
    )
    archives = [Archive.from_summary(doc) for doc in held.exercises]
    return Checklist(
        (
            _stage_1(system, g.DependencyGraph(system), signoffs, archives),
            _stage_2(system, archives),
            _stage_3(system, held, archives, at),
            _stage_4(system, archives),
            _stage_5(archives, repo),
        ),
        at,
        tuple(str(skipped) for skipped in history.skipped),
    )


def find_repo(start: str | Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``.git``."""
    start = Path(start).resolve()
    return next((p for p in (start, *start.parents) if (p / ".git").exists()), None)


def stage_checklist(
    data_dir: str | Path, reports_dir: str | Path, at: datetime | None = None
) -> Checklist:
    """Load the system, its sign-offs and the archives, and draw up the checklist."""
    from bookstore_resil.define.loader import load_system
    from bookstore_resil.define.signoffs import load_signoffs
    from bookstore_resil.history.history import load_history

    system = load_system(data_dir)
    return checklist(
        system, load_history(reports_dir), load_signoffs(data_dir), at, find_repo(data_dir)
    )
