"""The game-day panel's header, the part that stays in view: the wall clock in the team's
time zone and UTC, the time since the fault, the RTO deadline and what is left of it, every
probed endpoint, the current step and who is on call; the page style that keeps it at the
top while the cards scroll under it (a sticky header sticks to its nearest scrolling
ancestor: neither the panel's box nor its output area may scroll by themselves, so that
this is the notebook)."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookstore_resil import clock
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import badge, colour_of, progress_bar
from bookstore_resil.exercise.cards import local_time
from bookstore_resil.exercise.engine import Exercise

STYLE = """<style>
.resil-header { position: sticky; top: 0; z-index: 20; background: var(--jp-layout-color0, #fff);
  border-bottom: 2px solid #cfd8dc; padding: 4px 2px 6px; }
.jp-Cell-outputArea:has(.resil-header), .jp-OutputArea-child:has(.resil-header),
.jp-OutputArea-output:has(.resil-header) { overflow: visible !important; }
.resil-card-current { border: 2px solid #1565c0 !important; border-left-width: 8px !important;
  background: #e3f2fd; }
.resil-card-waiting { color: #757575; }
.resil-clock { font-size: 1.7em; font-weight: 700; font-variant-numeric: tabular-nums; }
.resil-banner-halted { background: #ef6c00; color: #fff; font-size: 1.4em; font-weight: 700;
  padding: 6px 12px; border-radius: 4px; }
</style>"""


def state_of(exercise: Exercise, phase: str) -> str:
    if exercise.halted:
        return "halted"
    if exercise.finished:
        return "finishing" if phase == "recovering" else "finished"
    return "running" if exercise.fault_at is not None else "ready"


def clock_html(exercise: Exercise, zone: str, ended_at: datetime | None = None) -> str:
    """The wall clock in the team's zone and UTC, the time since the fault, the RTO
    deadline and what is left of it."""
    now = clock.now()
    wall = (
        f'<span class="resil-clock">{local_time(now, zone)}</span> <span>{now:%H:%M:%S} UTC</span>'
    )
    if exercise.fault_at is None:
        return f"{wall} &nbsp;│&nbsp; the RTO clock starts at <b>Start</b>"
    rto = exercise.scenario.rto_s
    elapsed = ((ended_at or now) - exercise.fault_at).total_seconds()
    deadline = exercise.fault_at + timedelta(seconds=rto)
    there = ZoneInfo(zone)
    other_day = deadline.astimezone(there).date() != now.astimezone(there).date()
    when = clock.beside_utc(deadline, zone, date=other_day)
    left = rto - elapsed
    if ended_at is not None:
        state = f"<b>ended after {format_duration(elapsed)}</b>"
    elif left >= 0:
        colour = colour_of("met" if elapsed < rto / 2 else "undecided")
        state = (
            f'<b style="color:{colour}">{format_duration(left)} left</b> '
            f"({100 * elapsed / rto:.2g}% used)"
        )
    else:
        missed = colour_of("missed")
        state = f'<b style="color:{missed}">RTO passed {format_duration(-left)} ago</b>'
    return (
        f"{wall} &nbsp;│&nbsp; <b>since the fault</b> {format_duration(elapsed)} &nbsp;│&nbsp; "
        f"<b>RTO deadline</b> {when}: {state}"
    )


def status_html(exercise: Exercise, on_call: list[str]) -> str:
    """Every probed endpoint (the one users see marked), the current step, and who can be
    reached now."""
    facing = exercise.user_facing_endpoint
    endpoints = (
        "".join(
            badge(
                f"{name}{' (what users see)' if name == facing else ''} {'up' if up else 'DOWN'}",
                "up" if up else "down",
            )
            for name, up in sorted(exercise.watch.endpoint_up.items())
        )
        or "<i>waiting for the first probe</i>"
    )
    steps = exercise.scenario.steps
    if exercise.current is not None and not exercise.finished:
        number = steps.index(exercise.current) + 1
        now = (
            f"<b>Now:</b> step {number} of {len(steps)}: {html.escape(exercise.current.title[:90])}"
        )
    else:
        now = "<b>Now:</b> -"
    reach = html.escape(", ".join(on_call) or "nobody on the call list")
    seen = "Endpoints when it ended" if exercise.finished else "Endpoints"
    return f"<b>{seen}:</b> {endpoints}<br>{now} &nbsp;│&nbsp; <b>On call now:</b> {reach}"


@dataclass(frozen=True)
class Ending:
    """Where the panel is in ending the exercise, for the banner."""

    halted: dict[str, Any] | None  # the halted event
    repaired: str  # what the repair said, once it worked
    phase: str  # "", recovering (Finish waits), archiving, archived
    phase_since: float  # time.monotonic() when the phase began
    archive_line: str  # the last progress line of the archive


def banner_html(exercise: Exercise, zone: str, ending: Ending) -> str:
    """HALTED and what to do about it; Finish waiting for recovery; the archive's progress."""
    since = time.monotonic() - ending.phase_since
    target = html.escape(exercise.target.name)
    parts = []
    if ending.halted is not None:
        parts.append(
            f'<div class="resil-banner-halted">HALTED at {local_time(ending.halted["ts"], zone)}'
            f": {html.escape(ending.halted.get('reason') or '')}</div>"
            + (
                f"<p>Repaired: {html.escape(ending.repaired)}</p>"
                if ending.repaired
                else f"<p>The {target} may still be broken: <b>Repair the {target}</b> "
                "brings it back.</p>"
            )
        )
    if ending.phase == "recovering":
        patience = exercise.options.recovery_wait_s
        parts.append(
            progress_bar(
                since / patience,
                f"Finish: waiting for {exercise.measured_endpoint} to stay up for "
                f"{format_duration(exercise.options.sustain_s)} "
                f"({since:.0f}s of at most {patience:.0f}s)",
            )
        )
    elif ending.phase == "archiving":
        parts.append(
            progress_bar(
                min(since / 30.0, 0.95),
                f"Writing the archive and the report ({since:.0f}s): "
                f"{ending.archive_line or 'exercise.ipynb'}",
            )
        )
    elif ending.phase == "archived" and ending.archive_line:
        parts.append(f"<small>{html.escape(ending.archive_line)}</small>")
    return "".join(parts)
