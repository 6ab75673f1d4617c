"""Every archived exercise in a reports folder, as one table, a trend and a cadence.

An archive is a folder holding ``summary.json`` (written at the end of every exercise) or,
when the exercise crashed before writing it, at least ``events.jsonl``, whose summary is
then computed here (its outcome is ``error``). Anything else in the folder is not an
archive and is passed over. The folder may be an ``s3://`` parent, read through
:mod:`~bookstore_resil.archive.storage`. An archive whose summary or event log cannot be read is
*skipped*, with one line naming the file: history never stops on a broken archive. An
exercise copied into two folders is one exercise: it is listed, and counted, once.

The cadence is how often each scenario should be exercised: 5 weeks by default, after
the Walmart resiliency levels, where a team re-runs its failover exercises on a fixed
rhythm. A scenario whose last exercise is older than the cadence is overdue.

The trend and the objectives chart show only exercises played to their end against a
broken system: a halted run (``aborted``) stopped before the recovery, a crashed one
(``error``) has no trustworthy end, and a dry run broke nothing. Their downtimes would
mislead; the table lists them, marked. Nor do they count towards the cadence: a halted,
an inconclusive (the probes never saw the fault) or a dry run tested nothing
(:func:`~bookstore_resil.report.findings.judges_objectives`), however long it lasted.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from bookstore_resil import clock
from bookstore_resil.archive import layout, storage
from bookstore_resil.archive.fields import summary_problem
from bookstore_resil.archive.measure import summarize_log
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import Html, Png
from bookstore_resil.errors import EventLogError, ResilError
from bookstore_resil.report.findings import judges_objectives
from bookstore_resil.report.verdicts import status

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_CADENCE = "5W"  # five weeks (pandas spells weeks "W")
COLUMNS = (
    "exercise_id",
    "scenario",
    "date",
    "target",
    "mode",
    "outcome",
    "downtime_s",
    "data_loss_s",
    "rto_s",
    "rpo_s",
    "rto_met",
    "rpo_met",
    "dry_run",
)
# The outcomes whose downtime says how fast the team recovers.
TRENDED = ("passed", "missed", "failed")


@dataclass(frozen=True)
class Skipped:
    """A broken archive: the file that could not be read, why, and the line when known."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class History:
    """The ``summary.json`` of every readable archive, oldest first, the folder each was
    read from (in the same order: the evidence the checklist names), and what was skipped."""

    folder: str
    exercises: tuple[dict[str, Any], ...]
    skipped: tuple[Skipped, ...]
    archives: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The ``history --json`` document of docs/contract.md §2."""
        return {"exercises": list(self.exercises)}

    def table(self) -> pd.DataFrame:
        """One row per exercise, oldest first (durations in seconds, ``date`` in UTC)."""
        import pandas as pd

        rows = [
            {
                "exercise_id": doc["exercise_id"],
                "scenario": doc["scenario"],
                "date": pd.Timestamp(doc["started_at"]),
                "target": doc.get("target"),
                "mode": doc.get("mode"),
                "outcome": doc["outcome"],
                "downtime_s": doc.get("measured_downtime_s"),
                "data_loss_s": doc.get("measured_data_loss_s"),
                "rto_s": doc["rto_s"],
                "rpo_s": doc["rpo_s"],
                "rto_met": doc.get("rto_met"),
                "rpo_met": doc.get("rpo_met"),
                "dry_run": bool(doc.get("dry_run", False)),
            }
            for doc in self.exercises
        ]
        table = pd.DataFrame(rows, columns=list(COLUMNS))
        table["date"] = pd.to_datetime(table["date"], utc=True)
        for column in ("downtime_s", "data_loss_s", "rto_s", "rpo_s"):
            table[column] = table[column].astype(float)
        return table


def trended(doc: dict[str, Any]) -> bool:
    """Whether an exercise belongs on the trend (see the module doc)."""
    return doc["outcome"] in TRENDED and not doc.get("dry_run", False)


def for_trend(history: History) -> History:
    """The exercises the trend and the objectives chart show."""
    return History(
        history.folder, tuple(d for d in history.exercises if trended(d)), history.skipped
    )


def _measured(column: pd.Series) -> list[float | None]:
    return [None if value != value else value for value in column]  # NaN: nothing measured


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """:meth:`History.table` for people: times and durations in words, verdicts spelled out."""
    downtime, data_loss = _measured(table["downtime_s"]), _measured(table["data_loss_s"])
    return (
        table.drop(columns="dry_run")
        .assign(
            date=table["date"].dt.strftime("%Y-%m-%d %H:%M"),
            outcome=[
                f"{outcome} (dry run)" if dry else outcome
                for outcome, dry in zip(table["outcome"], table["dry_run"], strict=True)
            ],
            downtime_s=[format_duration(v) for v in downtime],
            data_loss_s=[format_duration(v) for v in data_loss],
            rto_s=table["rto_s"].map(format_duration),
            rpo_s=table["rpo_s"].map(format_duration),
            rto_met=[status(v, met) for v, met in zip(downtime, table["rto_met"], strict=True)],
            rpo_met=[status(v, met) for v, met in zip(data_loss, table["rpo_met"], strict=True)],
        )
        .rename(
            columns={
                "downtime_s": "downtime",
                "data_loss_s": "data loss",
                "rto_s": "RTO",
                "rpo_s": "RPO",
                "rto_met": "RTO met",
                "rpo_met": "RPO met",
            }
        )
    )


def page_table(history: History) -> Html:
    """:func:`readable` as HTML that fits a notebook's page: a smaller font, every cell
    free to wrap, an exercise id broken after its dashes."""
    table = readable(history.table())
    cell = 'style="text-align:left;vertical-align:top;white-space:normal;padding:2px 5px"'
    head = "".join(f"<th {cell}>{html.escape(str(c))}</th>" for c in table.columns)
    rows = "".join(
        "<tr>"
        + "".join(f"<td {cell}>{html.escape(str(v)).replace('-', '-<wbr>')}</td>" for v in row)
        + "</tr>"
        for row in table.itertuples(index=False)
    )
    return Html(
        f'<table style="font-size:0.85em;width:100%"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _read_summary(folder: Path) -> dict[str, Any]:
    """The archive's summary document, every field history reads checked; raises
    ResilError, ValueError or OSError if broken."""
    path = folder / layout.SUMMARY_FILE
    if path.is_file():
        doc = json.loads(path.read_text(encoding="utf-8"))
    else:
        # The same JSON round trip as write_summary, so both kinds of rows look alike.
        summary = summarize_log(folder / layout.EVENTS_FILE)
        doc = json.loads(json.dumps(summary.to_dict(), default=str))
    wrong = summary_problem(doc)
    if wrong is not None:
        raise ValueError(f"{wrong[0]}: {wrong[1]}")
    return doc


def load_history(folder: str | Path = "reports") -> History:
    """Every archive directly under ``folder`` (a folder or an ``s3://`` parent), oldest
    first; broken ones skipped."""
    read: list[tuple[dict[str, Any], str]] = []
    skipped: list[Skipped] = []
    names = (layout.SUMMARY_FILE, layout.EVENTS_FILE)
    with storage.local_copies(folder, names) as root:

        def where(path: str | Path) -> str:
            """A path as the reader knows it: under the S3 parent for a downloaded copy."""
            if not storage.is_s3(folder):
                return str(path)
            return storage.s3_join(str(folder), str(Path(path).relative_to(root)))

        archives = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        for archive in archives:
            summary, log = archive / layout.SUMMARY_FILE, archive / layout.EVENTS_FILE
            if not summary.is_file() and not log.is_file():
                continue
            try:
                read.append((_read_summary(archive), where(archive)))
            except EventLogError as error:
                message = f"{error.field}: {error.message}"
                skipped.append(Skipped(where(error.path), message, error.line))
            except (ResilError, ValueError, RecursionError, OSError) as error:
                source = summary if summary.is_file() else log
                skipped.append(Skipped(where(source), str(error) or type(error).__name__))
    read = _each_once(read)
    read.sort(key=lambda item: (clock.parse_ts(item[0]["started_at"]), item[0]["exercise_id"]))
    exercises = tuple(doc for doc, _ in read)
    shown = str(folder) if storage.is_s3(folder) else str(Path(folder))
    return History(shown, exercises, tuple(skipped), tuple(path for _, path in read))


def _each_once(read: list[tuple[dict[str, Any], str]]) -> list[tuple[dict[str, Any], str]]:
    """One exercise, one row, however many folders it was copied into: the copy in the
    folder named for its id when there is one, else the first by folder name."""
    kept: dict[str, tuple[dict[str, Any], str]] = {}
    for doc, path in read:
        exercise_id = doc["exercise_id"]
        if exercise_id not in kept or Path(path).name == exercise_id:
            kept[exercise_id] = (doc, path)
    return list(kept.values())


@dataclass(frozen=True)
class ScenarioAge:
    """How long ago a scenario was last exercised, against the cadence."""

    scenario: str
    last_exercise_id: str | None
    last_at: str | None
    last_outcome: str | None
    age_s: float | None
    cadence_s: float
    overdue: bool

    def __str__(self) -> str:
        if self.last_at is None or self.age_s is None:
            return f"{self.scenario}: never exercised: overdue"
        state = (
            f"overdue by {age_words(self.age_s - self.cadence_s)}"
            if self.overdue
            else f"due in {age_words(self.cadence_s - self.age_s)}"
        )
        return (
            f"{self.scenario}: last {self.last_at[:10]} ({self.last_outcome}), "
            f"{age_words(self.age_s)} ago: {state}"
        )


def age_words(seconds: float) -> str:
    """An age as people say it, as exact as it matters: ``under 1min``, ``8min``, ``5h``,
    ``12d``: a game day minutes ago is not "1h ago"."""
    for unit, limit in ((60, 3600), (3600, 2 * 86400)):
        if seconds < limit:
            if seconds < 60:
                return "under 1min"
            return format_duration(round(seconds / unit) * unit)
    return format_duration(round(seconds / 86400) * 86400)


def ages(
    history: History,
    cadence_s: float,
    now: datetime | None = None,
    scenarios: Iterable[str] = (),
) -> list[ScenarioAge]:
    """The last exercise of every scenario (archived, or named in ``scenarios``) and its age.

    Only a run that tested the objectives counts (not a halted, inconclusive or dry one).
    """
    now = now or clock.now()
    held = [
        doc
        for doc in history.exercises
        if judges_objectives(doc["outcome"], bool(doc.get("dry_run", False)))
    ]
    last = {doc["scenario"]: doc for doc in held}
    result = []
    tried = {doc["scenario"] for doc in history.exercises}  # halted only: never exercised
    for scenario in sorted(tried | set(scenarios)):
        doc = last.get(scenario)
        if doc is None:
            result.append(ScenarioAge(scenario, None, None, None, None, cadence_s, True))
            continue
        age = (now - clock.parse_ts(doc["started_at"])).total_seconds()
        result.append(
            ScenarioAge(
                scenario,
                doc["exercise_id"],
                doc["started_at"],
                doc["outcome"],
                round(age, 3),
                cadence_s,
                age > cadence_s,
            )
        )
    return result


def scenario_ids(data_dir: str | Path | None) -> list[str]:
    """The scenario ids of the system definition at ``data_dir``; none if there is no folder."""
    from bookstore_resil.define.loader import load_system, locate_system_folder

    folder = locate_system_folder(data_dir) if data_dir else None
    if folder is None or not folder.is_dir():
        return []
    return [scenario.id for scenario in load_system(folder).scenarios]


def cadence_table(
    history: History,
    cadence: str = DEFAULT_CADENCE,
    now: str | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """:func:`ages` as a table for people: ``cadence`` a duration such as ``5w``, ``now`` an
    ISO time (default: now), ``data_dir`` the system whose scenarios should all appear."""
    import pandas as pd

    from bookstore_resil.analyse.graph import parse_moment
    from bookstore_resil.define.units import parse_duration

    found = ages(history, parse_duration(cadence), parse_moment(now), scenario_ids(data_dir))
    return pd.DataFrame(
        [
            {
                "scenario": a.scenario,
                "last exercise": a.last_exercise_id or "-",
                "outcome": a.last_outcome or "-",
                "age": "-" if a.age_s is None else age_words(a.age_s),
                "cadence": format_duration(a.cadence_s),
                "overdue": a.overdue,
            }
            for a in found
        ]
    )


def latest(history: History) -> list[dict[str, Any]]:
    """The last exercise of each scenario, by scenario."""
    last = {doc["scenario"]: doc for doc in history.exercises}
    return [last[s] for s in sorted(last)]


def draw_trend(history: History, path: Path | BinaryIO) -> Path | BinaryIO:
    """The downtime trend chart of the exercises that belong on it, into ``path``."""
    from bookstore_resil.report.charts import trend_chart

    left_out: dict[str, int] = {}
    for doc in history.exercises:
        if not trended(doc):
            left_out[doc["scenario"]] = left_out.get(doc["scenario"], 0) + 1
    return trend_chart(for_trend(history).table(), path, left_out)


def trend(history: History) -> Png:
    """The downtime trend chart, for the notebook."""
    buffer = io.BytesIO()
    draw_trend(history, buffer)
    return Png(buffer.getvalue(), f"Measured downtime per scenario over time in {history.folder}")


def objectives(history: History) -> Png | Html:
    """Each scenario's last exercise against its objectives, for the notebook."""
    from bookstore_resil.report.charts import ObjectiveRow, objectives_chart

    rows = [ObjectiveRow.from_summary(doc) for doc in latest(for_trend(history))]
    if not rows:
        return Html(f"<p>No exercise archived in {html.escape(history.folder)} yet.</p>")
    buffer = io.BytesIO()
    objectives_chart(rows, buffer)
    return Png(buffer.getvalue(), "Each scenario's last exercise against its RTO and RPO")
