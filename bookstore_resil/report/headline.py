"""The verdict of one exercise, said first: what a manager reads in 30 seconds and what the
room sees the moment it clicks Finish.

Met or not; the service's downtime against the RTO; the data loss against the RPO; the
team's hypothesis against what was measured; the top actions, each with an owner. The
same headline leads the report, fills the game-day panel after Finish or Halt, and tops
the observer view. It only ever repeats what the summary (the event log) says: the
outcome sentence is :func:`bookstore_resil.archive.measure.summarize`'s own reason.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bookstore_resil import clock
from bookstore_resil.archive.measure import Summary
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import badge, colour_of
from bookstore_resil.report.findings import Findings, Recommendation

TOP_ACTIONS = 3
# The order a manager acts in: a missed objective first, tightening an objective last.
PRIORITY = {
    "objective-missed": 0,
    "update-playbook": 1,
    "document-deviation": 2,
    "notify": 3,
    "tighten-rto": 9,
    "tighten-rpo": 9,
}
DEPENDENCY_PRIORITY = 4  # the dependency analysis' findings
CELL = "border:none;background:none;text-align:left;vertical-align:top;"


@dataclass(frozen=True)
class Line:
    """One verdict: ``RTO 12h`` / ``met`` / ``api down 4.5s, 11h 59min to spare``."""

    label: str
    # met, missed, undecided, not measured; held, did not hold, not tested; rolled back,
    # left broken
    status: str
    text: str


@dataclass(frozen=True)
class Headline:
    title: str
    outcome: str
    sentence: str
    lines: tuple[Line, ...]
    actions: tuple[Recommendation, ...]
    meta: str
    dry_run: bool = False

    def text(self) -> str:
        """The headline as plain lines (the notebook's summary cell, a terminal)."""
        dry = " (DRY RUN)" if self.dry_run else ""
        out = [f"{self.title}: {self.outcome.upper()}{dry}", _sentence(self.sentence)]
        out += [f"  {line.label:<11} {line.status:<13} {line.text}" for line in self.lines]
        out += [
            f"  action {n}: {a.owner or 'no owner'}: {a.message}"
            for n, a in enumerate(self.actions, 1)
        ]
        return "\n".join(out)


def _sentence(text: str) -> str:
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else ""


def hypothesis_line(summary: Summary) -> Line | None:
    """The briefing's hypothesis against what was measured; None without a briefing.

    Each part (back within the expected downtime, at most the expected data loss) holds,
    fails, or could not be tested (not measured, or still down but not yet past it); the
    whole holds only when the recovery part was tested and held.
    """
    briefing = summary.briefing
    if not briefing:
        return None
    parts = []
    # Back means the service and what users see: the longer outage, as the RTO judges it.
    expected, down = briefing["expect_downtime_s"], summary.rto_downtime_s
    within = f"expected within {format_duration(expected)}"
    recovery: bool | None = None  # held, failed, or not tested
    if summary.fault_observed is False:  # nothing was seen to break: nothing to come back
        parts.append(f"no probe saw the fault ({within})")
    elif down is not None and down > expected:
        recovery = False
        still = " and still down" if summary.recovered is False else ""
        parts.append(f"down {format_duration(down)}{still} ({within})")
    elif down is not None and summary.recovered:
        recovery = True
        parts.append(f"back after {format_duration(down)} ({within})")
    else:
        parts.append("recovery not measured")
    allowed, loss = briefing["expect_data_loss_s"], summary.measured_data_loss_s
    limit = "expected none" if not allowed else f"expected at most {format_duration(allowed)}"
    kept = None if loss is None else loss <= allowed
    if loss is None:
        parts.append("data loss not measured")
    else:
        lost = f"{format_duration(loss)} of writes lost" if loss else "no acknowledged write lost"
        parts.append(f"{lost} ({limit})")
    # It holds only when the service came back in time (the claim a game day tests); a
    # data-loss part nobody could measure is said, not counted against it.
    if recovery is False or kept is False:
        state = "did not hold"
    else:
        state = "held" if recovery else "not tested"
    return Line("Hypothesis", state, f"\u201c{briefing['hypothesis']}\u201d: {'; '.join(parts)}")


def users_line(summary: Summary) -> Line | None:
    """What users saw, when the user-facing endpoint is another than the service's (the
    lab's ``/books/`` fails in a database outage while the API root answers)."""
    facing = summary.user_facing_endpoint
    if not facing or facing == summary.measured_endpoint or summary.dry_run:
        return None
    down = summary.measured_user_downtime_s
    if down is None:
        return Line("Users", "not measured", f"no probe watched {facing}")
    if summary.fault_observed is False:  # never "stayed up" over a fault nobody saw
        return Line("Users", "not measured", f"no probe saw the fault: {facing} not judged")
    if summary.recovered is False and down <= summary.rto_s:
        state = "undecided"
    else:
        state = "met" if down <= summary.rto_s else "missed"
    seen = f"{facing} down {format_duration(down)}" if down else f"{facing} stayed up"
    return Line("Users", state, seen)


def fault_line(summary: Summary) -> Line | None:
    """What a fault that failed said (its last lines), as the one screen shows it; None when
    the fault did not fail."""
    if summary.fault_failed is None:
        return None
    return Line("Fault", "failed", " / ".join(summary.fault_said) or "said nothing")


def rollback_line(summary: Summary) -> Line | None:
    """What the rollback did, when the exercise ended with the system still broken."""
    back = summary.rollback
    if back is None:
        return None
    if back.get("recovered"):
        return Line("Rollback", "rolled back", f"{back['reason']}: every endpoint up again")
    return Line("Rollback", "left broken", f"{back['reason']}: {back.get('left') or 'unknown'}")


def top_actions(findings: Findings, count: int = TOP_ACTIONS) -> tuple[Recommendation, ...]:
    ranked = sorted(
        findings.recommendations, key=lambda r: PRIORITY.get(r.kind, DEPENDENCY_PRIORITY)
    )
    return tuple(ranked[:count])


def roles_text(summary: Summary) -> str:
    briefing = summary.briefing or {}
    roles = [f"{role} {briefing[role]}" for role in ("coordinator", "scribe") if briefing.get(role)]
    if briefing.get("observers"):
        roles.append(f"observers {', '.join(briefing['observers'])}")
    return ", ".join(roles)


def headline(summary: Summary, findings: Findings) -> Headline:
    rto, rpo = findings.verdicts
    lines = [
        fault_line(summary),
        Line(f"RTO {format_duration(rto.objective_s)}", rto.status, rto.detail),
        users_line(summary),
        Line(f"RPO {format_duration(rpo.objective_s)}", rpo.status, rpo.detail),
        hypothesis_line(summary),
        rollback_line(summary),
    ]
    where = summary.target
    if summary.environment != summary.target:
        where += f" ({summary.environment})"
    meta = [
        where,
        clock.beside_utc(summary.started_at, summary.timezone, date=True),
        f"exercise {summary.exercise_id}",
        roles_text(summary),
    ]
    return Headline(
        summary.title,
        summary.outcome,
        summary.reason,
        tuple(line for line in lines if line is not None),
        top_actions(findings),
        " · ".join(m for m in meta if m),
        summary.dry_run,
    )


def render(head: Headline, links: Sequence[tuple[str, str]] = ()) -> str:
    """The headline as HTML with inline styles (a notebook, the panel, a mail attachment);
    ``links`` are (text, href) pairs shown under it."""
    rows = "".join(
        f'<tr><th style="{CELL}padding:2px 10px 2px 0;white-space:nowrap">'
        f"{html.escape(line.label)}</th>"
        f'<td style="{CELL}padding:2px 8px 2px 0;white-space:nowrap">{badge(line.status)}</td>'
        f'<td style="{CELL}padding:2px 0">{html.escape(line.text)}</td></tr>'
        for line in head.lines
    )
    actions = "".join(
        f"<li><b>{html.escape(a.owner or 'no owner yet')}</b>: {html.escape(a.message)}</li>"
        for a in head.actions
    )
    action_block = (
        f'<div style="margin-top:8px"><b>Top actions</b><ol style="margin:4px 0">{actions}</ol>'
        "</div>"
        if actions
        else ""
    )
    link_block = " &nbsp; ".join(
        f'<a href="{html.escape(href)}" target="_blank" rel="noopener">{html.escape(text)}</a>'
        for text, href in links
    )
    return (
        f'<div class="resil-headline" style="border-left:8px solid {colour_of(head.outcome)};'
        'padding:8px 14px;margin:6px 0;background:#fafafa">'
        f'<div style="font-size:1.45em;font-weight:700;line-height:1.3">'
        f"{html.escape(head.title)} {badge(head.outcome.upper(), head.outcome)}"
        f"{badge('DRY RUN', 'dry run') if head.dry_run else ''}</div>"
        f'<p style="font-size:1.1em;margin:4px 0 8px">{html.escape(_sentence(head.sentence))}</p>'
        f'<table style="border-collapse:collapse;border:none">{rows}</table>{action_block}'
        f'<p style="color:#555;font-size:0.9em;margin:8px 0 0">{html.escape(head.meta)}</p>'
        + (f'<p style="margin:6px 0 0;font-size:1.05em">{link_block}</p>' if link_block else "")
        + "</div>"
    )
