"""The organisation's board: every system's stage, Stage 1 gaps, last exercise per scenario,
what is overdue and who owns it, from the systems' definitions and one ``--out`` of archives.

Each system is judged by the rules ``stage`` uses (:func:`~.stages.checklist` over its own
archives) and ``history``'s cadence (:func:`~.history.ages`). An archive belongs to a
system by the name its summary records (``system``) and its scenario id; an archive older
than that field is matched by scenario id alone when one system has that scenario, else by
a folder of its address named like the system. An outcome of ``error``, ``aborted`` or
``inconclusive`` is no evidence of a met objective, nor of a missed one; a dry run is no
exercise at all.

Systems are ordered by risk: first those with a critical scenario (severity ``critical``)
never exercised or whose last exercise missed its objective, then those that cannot be read
or have no scenario at all, then the rest; within each, by stage, lowest first.
See docs/scheduling.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bookstore_resil.analyse import graph as g
from bookstore_resil.analyse.signoff import STALE, signoff_statuses
from bookstore_resil.clock import aware, iso, now, parse_ts
from bookstore_resil.define.heap import collector_paused
from bookstore_resil.history.board_archives import Read, read_archives
from bookstore_resil.history.board_sources import Source, find_systems
from bookstore_resil.history.checks import CADENCE
from bookstore_resil.history.history import History, Skipped, ages
from bookstore_resil.history.stages import checklist
from bookstore_resil.report.findings import judges_objectives

NEVER = "never exercised"
NO_SCENARIO = "no playbook scenario yet: nothing can be exercised"
EXIT_MISSED = 1  # a critical scenario's last exercise missed its objective


def missed(doc: dict[str, Any]) -> bool:
    """Whether an exercise missed its objective (RTO or RPO), as evidence goes."""
    if not judges_objectives(doc["outcome"], doc.get("dry_run") is True):
        return False
    return doc["outcome"] == "missed" or doc.get("rto_met") is False or doc.get("rpo_met") is False


def _seconds(*values: Any) -> float | None:
    known = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return max(known) if known else None


@dataclass(frozen=True)
class LastExercise:
    """A scenario's last exercise, as the board shows it."""

    exercise_id: str
    started_at: str
    outcome: str
    missed: bool
    downtime_s: float | None  # the longer of the service's and the users' outage
    rto_s: float
    rto_met: bool | None
    data_loss_s: float | None
    data_loss_bound: str  # exact, or at_least: the loss was this much or more
    rpo_s: float
    rpo_met: bool | None
    fault_observed: bool | None
    archive: str

    @classmethod
    def of(cls, doc: dict[str, Any], archive: str) -> LastExercise:
        bound = doc.get("data_loss_bound")
        fault_observed = doc.get("fault_observed")
        return cls(
            exercise_id=doc["exercise_id"],
            started_at=doc["started_at"],
            outcome=doc["outcome"],
            missed=missed(doc),
            downtime_s=_seconds(
                doc.get("measured_downtime_s"), doc.get("measured_user_downtime_s")
            ),
            rto_s=doc["rto_s"],
            rto_met=doc.get("rto_met"),
            data_loss_s=_seconds(doc.get("measured_data_loss_s")),
            data_loss_bound=bound if bound in ("exact", "at_least") else "exact",
            rpo_s=doc["rpo_s"],
            rpo_met=doc.get("rpo_met"),
            fault_observed=fault_observed if isinstance(fault_observed, bool) else None,
            archive=archive,
        )


@dataclass(frozen=True)
class ScenarioRow:
    id: str
    title: str
    service: str
    critical: bool
    last: LastExercise | None
    age_s: float | None
    overdue: bool

    @property
    def state(self) -> str:
        """One word for the grid: ``never exercised``, ``missed``, or the last outcome."""
        if self.last is None:
            return NEVER
        return "missed" if self.last.missed else self.last.outcome

    @property
    def alarming(self) -> bool:
        """A critical scenario never exercised, or whose last exercise missed."""
        return self.critical and (self.last is None or self.last.missed)

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        return {**row, "state": self.state}


@dataclass(frozen=True)
class SystemRow:
    name: str
    where: str
    owner: str | None
    stage: int | None  # None when the definition cannot be read
    stage1_gaps: tuple[dict[str, str], ...]
    scenarios: tuple[ScenarioRow, ...]
    stale_signoffs: tuple[str, ...]
    top_finding: str | None
    exercises: int  # archived exercises (dry runs left out)
    exercises_this_quarter: int
    problem: str | None = None

    @property
    def alarms(self) -> list[ScenarioRow]:
        return [s for s in self.scenarios if s.alarming]

    @property
    def missed_critical(self) -> bool:
        return any(s.critical and s.last is not None and s.last.missed for s in self.scenarios)

    @property
    def well(self) -> bool:
        """Every scenario passed its last exercise, none overdue."""
        return (
            self.problem is None
            and bool(self.scenarios)
            and all(s.state == "passed" and not s.overdue for s in self.scenarios)
        )

    @property
    def headline(self) -> str:
        """Why the system stands where it does, in one line."""
        if self.problem:
            return f"definition cannot be read: {self.problem}"
        if not self.scenarios:
            return NO_SCENARIO
        words = []
        for scenario in self.scenarios:
            said = [] if scenario.state == "passed" else [scenario.state]
            if scenario.state not in ("passed", "missed", NEVER):
                said = [f"last {scenario.state}"]
            if scenario.overdue and scenario.last is not None:
                said.append("overdue")
            if said:
                words.append(f"{scenario.id}: {', '.join(said)}")
        return "; ".join(words) or "every scenario passed its last exercise, on time"

    def risk(self) -> tuple[int, int, int, str]:
        rank = 0 if self.alarms else 1 if self.problem or not self.scenarios else 2
        return rank, self.stage or 0, -len(self.alarms), self.name.lower()

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "where": self.where,
            "owner": self.owner,
            "stage": self.stage,
            "headline": self.headline,
            "stage1_gaps": list(self.stage1_gaps),
            "scenarios": [s.as_json() for s in self.scenarios],
            "overdue": [s.id for s in self.scenarios if s.overdue],
            "stale_signoffs": list(self.stale_signoffs),
            "top_finding": self.top_finding,
            "exercises": self.exercises,
            "exercises_this_quarter": self.exercises_this_quarter,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class Board:
    at: datetime
    out: str
    systems: tuple[SystemRow, ...]
    unmatched: tuple[str, ...] = ()  # archives of no system on the board
    skipped: tuple[Skipped, ...] = field(default=(), compare=False)
    fetched: int = 0
    cached: int = 0
    listed_at: datetime | None = None  # S3: the last complete listing's start
    journal_since: datetime | None = None  # S3: the change journal's cursor; None: listed

    @property
    def source(self) -> dict[str, Any] | None:
        """How an S3 parent was read (None for a folder)."""
        if self.listed_at is None:
            return None
        return {
            "read": "complete listing" if self.journal_since is None else "change journal",
            "journal_since": iso(self.journal_since) if self.journal_since else None,
            "listed_at": iso(self.listed_at),
            "fetched": self.fetched,
            "cached": self.cached,
        }

    @property
    def totals(self) -> dict[str, Any]:
        scenarios = [s for row in self.systems for s in row.scenarios]
        per_stage = {str(n): 0 for n in range(6)}
        for row in self.systems:
            if row.stage is not None:
                per_stage[str(row.stage)] += 1
        return {
            "systems": len(self.systems),
            "systems_per_stage": per_stage,
            "unreadable_systems": sum(row.problem is not None for row in self.systems),
            "exercises_this_quarter": sum(row.exercises_this_quarter for row in self.systems),
            "missed_objectives": sum(s.last is not None and s.last.missed for s in scenarios),
            "critical_never_exercised": sum(s.critical and s.last is None for s in scenarios),
            "overdue_scenarios": sum(s.overdue for s in scenarios),
            "unmatched_archives": len(self.unmatched),
            "skipped_archives": len(self.skipped),
        }

    @property
    def exit_code(self) -> int:
        return EXIT_MISSED if any(row.missed_critical for row in self.systems) else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "out": self.out,
            "quarter_from": iso(quarter_start(self.at)),
            "cadence_s": CADENCE.total_seconds(),
            "totals": self.totals,
            "systems": [row.as_json() for row in self.systems],
            "unmatched": list(self.unmatched),
            "skipped": [str(s) for s in self.skipped],
            "source": self.source,
        }


def quarter_start(at: datetime) -> datetime:
    at = at.astimezone(timezone.utc)
    return datetime(at.year, 3 * ((at.month - 1) // 3) + 1, 1, tzinfo=timezone.utc)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def match(
    sources: list[Source], exercises: Iterable[tuple[dict[str, Any], str]]
) -> tuple[dict[int, list[tuple[dict[str, Any], str]]], list[str]]:
    """Each system's archives (by its index in ``sources``), and the archives of none."""
    by_scenario: dict[str, list[int]] = {}
    by_name: dict[tuple[str, str], list[int]] = {}
    for index, source in enumerate(sources):
        for scenario in source.system.scenarios if source.system else ():
            by_scenario.setdefault(scenario.id, []).append(index)
            by_name.setdefault((source.name, scenario.id), []).append(index)
    names = {index: {_slug(s.name), _slug(Path(s.where).name)} for index, s in enumerate(sources)}
    owned: dict[int, list[tuple[dict[str, Any], str]]] = {i: [] for i in range(len(sources))}
    unmatched = []
    for doc, address in exercises:
        recorded = doc.get("system")
        if isinstance(recorded, str):
            candidates = by_name.get((recorded, doc["scenario"]), [])
        else:
            candidates = by_scenario.get(doc["scenario"], [])
        if len(candidates) > 1:
            folders = {_slug(part) for part in re.split(r"[/\\]", address)}
            candidates = [i for i in candidates if names[i] & folders]
        if len(candidates) == 1:
            owned[candidates[0]].append((doc, address))
        else:
            unmatched.append(address)
    return owned, unmatched


def system_row(
    source: Source, archives: list[tuple[dict[str, Any], str]], at: datetime
) -> SystemRow:
    """One system's line of the board, as of ``at``."""
    system = source.system
    if system is None:
        return SystemRow(
            source.name, source.where, source.owner, None, (), (), (), None, 0, 0, source.problem
        )
    held = [(d, a) for d, a in archives if parse_ts(d["started_at"]) <= at]
    history = History(source.where, tuple(d for d, _ in held), (), tuple(a for _, a in held))
    drawn = checklist(system, history, list(source.signoffs), at)
    exercised = [(d, a) for d, a in held if d.get("dry_run") is not True]
    last = {d["scenario"]: (d, a) for d, a in exercised}
    age = {a.scenario: a for a in ages(history, CADENCE.total_seconds(), at)}
    analysis = g.DependencyGraph(system).analyse()
    critical = {s.service for s in analysis.services if s.critical}
    rows = []
    for scenario in system.scenarios:
        found = last.get(scenario.id)
        scenario_age = age.get(scenario.id)
        rows.append(
            ScenarioRow(
                scenario.id,
                scenario.title,
                scenario.service,
                scenario.severity == "critical" and scenario.service in critical,
                LastExercise.of(*found) if found else None,
                scenario_age.age_s if scenario_age else None,
                scenario_age.overdue if scenario_age else True,
            )
        )
    rows.sort(key=lambda s: (not s.alarming, not s.overdue, s.id))
    stage1 = next(s for s in drawn.stages if s.stage == 1)
    statuses = signoff_statuses(system, list(source.signoffs)) if source.signoffs else []
    stale = [f"{s.name} on {s.scenario}" for s in statuses if s.status == STALE]
    findings = analysis.findings
    quarter = quarter_start(at)
    return SystemRow(
        source.name,
        source.where,
        source.owner,
        drawn.reached,
        tuple({"check": c.check, "evidence": c.evidence} for c in stage1.checks if not c.met),
        tuple(rows),
        tuple(stale),
        findings[0].message if findings else None,
        len(exercised),
        sum(parse_ts(d["started_at"]) >= quarter for d, _ in exercised),
    )


@collector_paused()  # hundreds of checklists over thousands of archives: see define.heap
def build_board(
    sources: list[Source], read: Read, out: str | Path, at: datetime | None = None
) -> Board:
    """The board of ``sources`` over the archives ``read`` from ``out``."""
    at = aware(at or now())
    owned, unmatched = match(sources, read.exercises)
    rows = [system_row(source, owned[i], at) for i, source in enumerate(sources)]
    rows.sort(key=SystemRow.risk)
    return Board(
        at,
        str(out),
        tuple(rows),
        tuple(unmatched),
        tuple(read.skipped),
        read.fetched,
        read.cached,
        read.listed_at,
        read.journal_since,
    )


def load_board(
    systems: Iterable[str | Path],
    out: str | Path,
    at: datetime | None = None,
    cache_dir: Path | None = None,
    relist: bool = False,
) -> Board:
    """Find the systems, read the archives under ``out`` and draw the board up; ``relist``:
    an S3 parent's keys listed whatever the cache holds."""
    sources = find_systems(systems)
    return build_board(sources, read_archives(out, cache_dir, relist=relist), out, at)
