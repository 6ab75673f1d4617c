"""One archive's report, section by section, as notebook 03 shows it: each method returns
an object Jupyter renders (HTML tables, the PNG charts of the archive)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bookstore_resil import clock
from bookstore_resil.analyse.graph import ServiceAnalysis
from bookstore_resil.archive import layout
from bookstore_resil.archive.impact import DRY_RUN_NOTE
from bookstore_resil.archive.measure import Summary
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import Html, Png, badge
from bookstore_resil.errors import ReportError
from bookstore_resil.report.findings import Findings, find, seed_arithmetic

CHARTS = ("timeline", "objectives", "canary")
CHART_TEXT = {  # the alternative text of each chart
    "timeline": "Timeline of {exercise}: each step by outcome, over each endpoint's availability",
    "objectives": "RTO and RPO of {exercise} against the measured downtime and data loss",
    "canary": "Canary writes of {exercise}: survived, lost, not acknowledged",
}


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], badge_column: int | None = None
) -> Html:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            text = "" if value is None else str(value)
            cells.append(f"<td>{badge(text) if index == badge_column else html.escape(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return Html(
        f'<table class="report-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _paragraphs(lines: Sequence[str]) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


def _time(text: str | None) -> str:
    return "-" if text is None else f"{clock.parse_ts(text):%Y-%m-%d %H:%M:%S} UTC"


@dataclass(frozen=True)
class Report:
    """One archive's summary, events and findings, shown section by section."""

    archive_dir: Path
    summary: Summary
    events: list[dict[str, Any]]
    findings: Findings

    def overview(self) -> Html:
        s = self.summary
        rows = [
            ("Exercise", s.exercise_id),
            ("Scenario", f"{s.scenario}: {s.title}"),
            ("Service", s.service),
            ("Target / mode", f"{s.target} / {s.mode}"),
            ("Started", _time(s.started_at)),
            ("Ended", _time(s.ended_at)),
            ("Fault", f"{s.fault or '-'} at {_time(s.fault_at)}"),
            ("Detected after", format_duration(s.time_to_detect_s)),
            ("Measured on", s.measured_endpoint or "-"),
            ("Downtime", format_duration(s.measured_downtime_s)),
            ("What users see", s.user_facing_endpoint or "-"),
            ("Users' downtime", format_duration(s.measured_user_downtime_s)),
            ("Data loss", format_duration(s.measured_data_loss_s)),
        ]
        facts = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows
        )
        torn = (
            "<p><b>The event log was cut short</b> (its last line was torn by a crash); "
            "everything after it is unknown.</p>"
            if s.log_truncated
            else ""
        )
        dry = f"<p><b>{DRY_RUN_NOTE}.</b></p>" if s.dry_run else ""
        return Html(
            f"<h2>{html.escape(s.title)} {badge(s.outcome)}</h2>"
            f"{dry}<p>{html.escape(s.reason)}</p>{torn}"
            f'<table class="report-facts">{facts}</table>'
            + _paragraphs(seed_arithmetic(s.fault_at, s.rto_s, s.rpo_s))
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
        return _table(
            ("Step", "Procedure", "Status", "Started", "Duration", "By", "Output / error / note"),
            [
                (
                    s.id,
                    s.procedure.replace("_procedure", ""),
                    s.status,
                    f"{clock.parse_ts(s.started_at):%H:%M:%S.%f}"[:-3],
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
        if not rows:
            return Html("<p>Every step ran as the playbook says; no deviation was recorded.</p>")
        return _table(("Finding", "Step", "What"), rows, badge_column=0)

    def recommendations(self) -> Html:
        if not self.findings.recommendations:
            return Html("<p>No recommendation: the playbook worked as written.</p>")
        items = "".join(
            f"<li><b>{html.escape(r.kind)}</b>: {html.escape(r.message)}</li>"
            for r in self.findings.recommendations
        )
        return Html(f"<ol>{items}</ol>")

    def notifications(self) -> Html:
        if not self.findings.notified:
            return Html("<p>Nobody was notified during this exercise.</p>")
        return _table(
            ("When", "After the fault", "Contact", "Why", "How"),
            [
                (_time(n.at), format_duration(n.after_fault_s), n.contact, n.reason, n.how)
                for n in self.findings.notified
            ],
        )

    def dependencies(self) -> Html:
        d = self.findings.dependency
        note = f"<p><i>{html.escape(self.findings.dependency_note)}</i></p>"
        if d is None:
            return Html(note)
        table = _table(
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
            ],
        )
        return Html(table.html + note)


def dependency_of(service: str, data_dir: str | Path | None) -> tuple[ServiceAnalysis | None, str]:
    """The dependency analysis of ``service`` in the system at ``data_dir``, or why not."""
    from bookstore_resil.analyse.graph import DependencyGraph
    from bookstore_resil.define.loader import load_system, locate_system_folder
    from bookstore_resil.errors import DefinitionError

    if not data_dir:
        return None, "no system definition recorded: dependency analysis left out"
    folder = locate_system_folder(data_dir)
    if not folder.is_dir():
        return None, f"system definition {data_dir} not found: dependency analysis left out"
    try:
        analysis = DependencyGraph(load_system(folder)).analyse()
    except DefinitionError as error:
        return None, f"system definition {folder} has problems ({error.first}): analysis left out"
    found = next((s for s in analysis.services if s.service == service), None)
    if found is None:
        return None, f"{service} is not a service of {folder}: dependency analysis left out"
    return found, f"from {folder}"


def load_report(archive_dir: str | Path, data_dir: str | Path | None = None) -> Report:
    """Read an archive's event log and compute its report.

    ``data_dir`` is the system definition for the dependency analysis; by default the one
    the exercise recorded, looked up from the current directory and its parent.
    """
    record = layout.read_archive(archive_dir)
    summary = record.summary()
    recorded = (record.start or {}).get("data_dir")
    dependency, note = dependency_of(summary.service, data_dir or recorded)
    return Report(record.archive_dir, summary, record.events, find(summary, dependency, note))
