"""One archive's report, section by section, as notebook 03 shows it: each method returns
an object Jupyter renders (HTML tables, the PNG charts of the archive)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bookstore_resil import clock
from bookstore_resil.archive import layout
from bookstore_resil.archive.measure import Summary
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import Html, Png, step_status
from bookstore_resil.errors import NotAnArchive, ReportError
from bookstore_resil.report.context import findings_of, recorded_system
from bookstore_resil.report.findings import Findings, seed_arithmetic
from bookstore_resil.report.headline import headline, render, roles_text
from bookstore_resil.report.links import jupyter_server, report_link
from bookstore_resil.report.verdicts import at_least
from bookstore_resil.templates import Markup, macro

CHARTS = ("timeline", "objectives", "canary")
DEFAULT_REPORTS = "reports"
CHART_TEXT = {  # the alternative text of each chart
    "timeline": "Timeline of {exercise}: each step by outcome, over each endpoint's availability",
    "objectives": "RTO and RPO of {exercise} against the measured downtime and data loss",
    "canary": "Canary writes of {exercise}: survived, lost, not acknowledged",
}


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    badge_column: int | None = None,
    empty: str = "",
    note: str = "",
) -> Html:
    """A table of ``rows``, or the paragraph ``empty`` when there is none; ``note`` under it."""
    cells = [["" if value is None else _capped(str(value)) for value in row] for row in rows]
    return Html(
        macro("report.html", "table")(
            headers=headers, rows=cells, badge_column=badge_column, empty=empty, note=note
        )
    )


def _capped(text: str, limit: int = 400) -> str:
    """A cell's text, cut at ``limit`` characters (a step's whole output is in the log)."""
    return text if len(text) <= limit else text[:limit] + " ..."


def _time(text: str | None, zone: str) -> str:
    return "-" if text is None else clock.beside_utc(text, zone, date=True)


def _clock_time(text: str, zone: str) -> str:
    """A time of day in the team's zone: ``13:20:31 PST``."""
    return f"{clock.parse_ts(text).astimezone(ZoneInfo(zone)):%H:%M:%S %Z}"


@dataclass(frozen=True)
class Report:
    """One archive's summary, events and findings, shown section by section."""

    archive_dir: Path
    summary: Summary
    events: list[dict[str, Any]]
    findings: Findings

    def headline(self) -> Html:
        """The verdict first: outcome, objectives, hypothesis, top actions with owners."""
        links, note = self._report_link()
        return Html(
            macro("report.html", "headline")(
                verdict=Markup(render(headline(self.summary, self.findings), links)),
                link_note=note,
                torn=self.summary.log_truncated,
            )
        )

    def _report_link(self) -> tuple[tuple[tuple[str, str], ...], str]:
        """In JupyterLab (notebook 03 opened by hand), the link to report.html its server
        serves, or where the report is when it serves none; nothing in the report itself
        (papermill runs it under no server)."""
        server = jupyter_server()
        report = self.archive_dir / layout.REPORT_HTML
        if server is None or not report.is_file():
            return (), ""
        where = report_link(report, server)
        return where.links("Open the report (report.html)"), where.note

    def overview(self) -> Html:
        s, zone = self.summary, self.summary.timezone
        rows = [
            ("Exercise", s.exercise_id),
            ("Scenario", f"{s.scenario}: {s.title}"),
            ("Service", s.service),
            ("Target / mode", f"{s.target} / {s.mode}"),
            ("Started", _time(s.started_at, zone)),
            ("Ended", _time(s.ended_at, zone)),
            ("Fault", f"{s.fault or '-'} at {_time(s.fault_at, zone)}"),
            ("Detected after", format_duration(s.time_to_detect_s)),
            ("Measured on", s.measured_endpoint or "-"),
            ("Downtime", format_duration(s.measured_downtime_s)),
            ("What users see", s.user_facing_endpoint or "-"),
            ("Users' downtime", format_duration(s.measured_user_downtime_s)),
            ("Data loss", at_least(s) + format_duration(s.measured_data_loss_s)),
        ]
        if s.briefing:
            rows.append(("Hypothesis", s.briefing.get("hypothesis", "-")))
            rows.append(("Roles", roles_text(s) or "-"))
        return Html(
            macro("report.html", "facts")(
                rows=rows, paragraphs=seed_arithmetic(s.fault_at, s.rto_s, s.rpo_s, zone)
            )
        )

    def verdicts(self) -> Html:
        return _table(
            ("Objective", "Target", "Measured", "Verdict", "Margin", "In words"),
            [
                (
                    v.objective,
                    format_duration(v.objective_s),
                    format_duration(v.measured_s),
                    v.status,
                    "-"
                    if v.margin_s is None
                    else format_duration(abs(v.margin_s))
                    + (" to spare" if v.margin_s >= 0 else " over"),
                    v.text,
                )
                for v in self.findings.verdicts
            ],
            badge_column=3,
        )

    def chart(self, name: str) -> Png | Html:
        """One of ``CHARTS``: NAME.png of the archive, drawn first when it is not there."""
        if name not in CHARTS:
            known = ", ".join(CHARTS)
            raise ReportError(str(self.archive_dir), f"unknown chart {name!r} (known: {known})")
        path = self.archive_dir / f"{name}.png"
        if not path.is_file():
            from bookstore_resil.report.charts import draw_chart

            if draw_chart(name, self.summary, self.events, self.archive_dir) is None:
                return Html(
                    "<p><i>No canary writes in this exercise: data loss not measured.</i></p>"
                )
        return Png(path.read_bytes(), CHART_TEXT[name].format(exercise=self.summary.exercise_id))

    def steps_table(self) -> Html:
        halted = self.summary.halted is not None
        return _table(
            ("Step", "Procedure", "Status", "Started", "Duration", "By", "Output / error / note"),
            [
                (
                    s.id,
                    s.procedure.replace("_procedure", ""),
                    step_status(s.status, s.handled, halted),
                    _clock_time(s.started_at, self.summary.timezone),
                    format_duration(s.duration_s),
                    s.by or "-",
                    " / ".join(x for x in (s.output, s.error or "", s.note or "") if x),
                )
                for s in self.summary.steps
            ],
            badge_column=2,
        )

    def findings_table(self) -> Html:
        rows = [(f.kind, f.step, f.message) for f in self.findings.steps]
        rows += [("deviation", d.step or "-", d.text) for d in self.findings.deviations]
        return _table(
            ("Finding", "Step", "What"),
            rows,
            badge_column=0,
            empty="Every step ran as the playbook says; no deviation was recorded.",
        )

    def recommendations(self) -> Html:
        return _table(
            ("#", "Owner", "Action", "What"),
            [
                (n, r.owner or "no owner yet", r.kind, r.message)
                for n, r in enumerate(self.findings.recommendations, start=1)
            ],
            empty="No recommendation: the playbook worked as written.",
        )

    def observations(self) -> Html:
        """What people wrote down: observations, notes on steps left open, deviations."""
        s = self.summary
        kinds = (("observation", s.observations), ("deviation", s.deviations))
        rows = [
            (e["ts"], kind, e.get("author") or "-", e.get("step") or "-", e.get("text", ""))
            for kind, found in kinds
            for e in found
        ]
        rows += [
            (e["ts"], "note", e.get("author") or "-", e["step"], e.get("text", ""))
            for e in s.notes
            if e.get("step") and e.get("author") is not None
        ]
        return _table(
            ("When", "What", "Who", "Step", "Text"),
            [(_clock_time(ts, s.timezone), *rest) for ts, *rest in sorted(rows)],
            empty="Nothing was written down besides the steps' own notes.",
        )

    def notifications(self) -> Html:
        return _table(
            ("When", "After the fault", "Contact", "Why", "How"),
            [
                (
                    _time(n.at, self.summary.timezone),
                    format_duration(n.after_fault_s),
                    n.contact,
                    n.reason,
                    n.how,
                )
                for n in self.findings.notified
            ],
            empty="Nobody was notified during this exercise.",
        )

    def dependencies(self) -> Html:
        d = self.findings.dependency
        return _table(
            ("Service", "Critical", "RTO", "Effective RTO", "RPO", "Effective RPO", "Findings"),
            [
                (
                    d.service,
                    "yes" if d.critical else "no",
                    format_duration(d.rto_s),
                    f"{format_duration(d.effective_rto_s)} (bound by {d.rto_bound_by})",
                    format_duration(d.rpo_s),
                    f"{format_duration(d.effective_rpo_s)} (bound by {d.rpo_bound_by})",
                    "; ".join(f.message for f in d.findings) or "none",
                )
            ]
            if d
            else [],
            note=self.findings.dependency_note,
        )


def locate_archive(archive_dir: str | Path) -> Path:
    """The archive ``archive_dir`` names, a relative one looked up from the current folder,
    then its parent (as notebooks 02 and 04 find ``reports``: ``reports/ID`` works from the
    workbook and from ``notebooks/``); NotAnArchive listing the archives there are when it
    holds none."""
    from bookstore_resil.define.loader import locate_system_folder

    folder = Path(archive_dir)
    if layout.holds_exercise(folder):
        return folder
    found = locate_system_folder(folder)
    if layout.holds_exercise(found):
        return found
    parents = [found, locate_system_folder(DEFAULT_REPORTS)]
    known = sorted(
        {str(a) for parent in parents if parent.is_dir() for a in parent.iterdir()
         if layout.holds_exercise(a)}
    )  # fmt: skip
    listed = (
        f"; the archives there are: {', '.join(known)}"
        if known
        else f"; no archive in {parents[-1]}"
    )
    raise NotAnArchive(str(folder), f"no {layout.EVENTS_FILE}: not an exercise archive{listed}")


def load_report(archive_dir: str | Path, data_dir: str | Path | None = None) -> Report:
    """Read an archive's event log (found by :func:`locate_archive`) and compute its report.

    ``data_dir`` is the system definition for the dependency analysis; by default the one
    the exercise recorded, looked up from the current directory and its parent.
    """
    record = layout.read_archive(locate_archive(archive_dir))
    summary = record.summary()
    context = recorded_system(data_dir or (record.start or {}).get("data_dir"))
    return Report(record.archive_dir, summary, record.events, findings_of(summary, context))
