"""The staged-resiliency checklist: the stages, the checks of each, and where they are read from.

Stage 1 is the seed's (prerequisites, team-wide agreement, a manual failover exercise); the
later ones follow the Walmart levels the series is built on. Each line is a check of
``history.checks``; here they are grouped into stages, over the evidence as of one moment: the
system definition and its dependency analysis (``graph``), ``signoffs.yaml``, and the exercise
archives as ``history.load_history`` reads them, started at or before that moment. See
``docs/readiness.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookstore_resil.analyse import graph as g
from bookstore_resil.clock import aware, now, parse_ts
from bookstore_resil.define.loader import load_system
from bookstore_resil.define.signoffs import SignOff, load_signoffs
from bookstore_resil.history.checks import (
    CADENCE,
    Archive,
    Check,
    agreement,
    automated_exercises,
    ci_gate,
    critical_playbook,
    dependencies_defined,
    every_scenario_recent,
    impacts_documented,
    manual_exercise,
    non_production_exercise,
    recovery_playbook,
    regular_cadence,
)
from bookstore_resil.history.history import History, load_history

if TYPE_CHECKING:
    import pandas as pd

    from bookstore_resil.define.model import System

TITLES = {
    1: "Prerequisites, team-wide agreement on playbooks, a manual failover exercise",
    2: "A critical dependency failure tested in a non-production environment",
    3: f"Exercises on a cadence of {CADENCE.days // 7} weeks or less",
    4: "Automated exercises, with results tracked over time",
    5: "A resilience gate in CI",
}


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
        """The ``stage --json`` document, exactly docs/contract.md §2's shape."""
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


def checklist(
    system: System,
    history: History,
    signoffs: list[SignOff],
    at: datetime | None = None,
) -> Checklist:
    """The checklist as of ``at`` (default now): only archives of this system's scenarios
    started by then count, and no dry run (a rehearsal broke nothing: no failover was
    exercised)."""
    at = aware(at or now())
    known = {s.id for s in system.scenarios}
    paths = history.archives or ("",) * len(history.exercises)
    counted = [
        (doc, path)
        for doc, path in zip(history.exercises, paths, strict=True)
        if doc["scenario"] in known
        and parse_ts(doc["started_at"]) <= at
        and doc.get("dry_run") is not True
    ]
    held = History(
        history.folder,
        tuple(doc for doc, _ in counted),
        history.skipped,
        tuple(path for _, path in counted),
    )
    archives = [Archive.from_summary(doc, path) for doc, path in counted]
    dependencies = g.DependencyGraph(system)
    analysis = dependencies.analyse()
    checks = {
        1: (
            dependencies_defined(system, analysis),
            recovery_playbook(system),
            critical_playbook(system, analysis),
            impacts_documented(dependencies, analysis),
            agreement(system, signoffs),
            manual_exercise(archives),
        ),
        2: (non_production_exercise(system, archives),),
        3: (every_scenario_recent(system, held, at), regular_cadence(archives, at)),
        4: automated_exercises(system, archives),
        5: (ci_gate(archives),),
    }
    return Checklist(
        tuple(Stage(stage, TITLES[stage], lines) for stage, lines in checks.items()),
        at,
        tuple(str(skipped) for skipped in history.skipped),
    )


def stage_checklist(
    data_dir: str | Path, reports_dir: str | Path, at: datetime | None = None
) -> Checklist:
    """Load the system, its sign-offs and the archives, and draw up the checklist."""
    system = load_system(data_dir)
    return checklist(system, load_history(reports_dir), load_signoffs(data_dir), at)
