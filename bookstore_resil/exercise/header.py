"""The game-day panel's header, the part that stays in view: the wall clock in the team's
time zone and UTC, the outage clock (since the fault, or when the service came back), the
RTO deadline and what is left of it beside the team's own expectation, every probed
endpoint, the current step (or the prompt to Finish) and who is on call; the page style that
keeps it at the top while the cards scroll under it (a sticky header sticks to its nearest
scrolling ancestor: neither the panel's box nor its output area may scroll by themselves,
so that this is the notebook). It stays under 200 px at 1280x800, halted included."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookstore_resil import clock
from bookstore_resil.archive.measure import Summary, outage_of, transitions
from bookstore_resil.define.model import MANUAL_FAULT
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import colour_of
from bookstore_resil.exercise.cards import local_time
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.templates import Markup, macro, text

STYLE = text("header_style.html")
SEP = " &nbsp;│&nbsp; "


SCROLL_TO_VERDICT_JS = text("scroll_to_verdict.js")  # run once with the panel


def state_of(exercise: Exercise, phase: str) -> str:
    if exercise.halted:
        return "halted"
    if exercise.finished:
        return "finishing" if phase == "recovering" else "finished"
    return "running" if exercise.fault_at is not None else "ready"


def title_html(exercise: Exercise, state: str) -> str:
    """The scenario, its state, where it runs, who leads it and its objectives."""
    scenario, target = exercise.scenario, exercise.target
    where = target.name
    if target.environment != target.name:
        where += f" ({target.environment})"
    return macro("header.html", "title")(
        scenario=scenario,
        state=state,
        dry_run=exercise.dry_run,
        where=where,
        rto=format_duration(scenario.rto_s),
        rpo=format_duration(scenario.rpo_s),
    )


def start_text(exercise: Exercise) -> tuple[str, str]:
    """What Start will do, with the endpoints down right now; the confirming button's name."""
    injects = exercise.fault not in (None, MANUAL_FAULT) and exercise.target.injects_faults
    what = macro("header.html", "start")(
        dry_run=exercise.dry_run,
        injects=injects,
        fault=exercise.fault,
        target=exercise.target,
        service=exercise.scenario.service,
        down=sorted(n for n, up in exercise.watch.endpoint_up.items() if not up),
    )
    button = (
        "Start the dry run"
        if exercise.dry_run
        else "Inject the fault"
        if injects
        else "Declare the outage"
    )
    return what, button


@dataclass(frozen=True)
class Back:
    """The service came back: when (the later of the measured endpoints) and the longer
    outage, as the RTO verdict will judge it."""

    at: datetime
    down_s: float


def back_of(exercise: Exercise, events: Sequence[dict[str, Any]]) -> Back | None:
    """When the measured endpoints came back after the fault, each up for the sustain
    window since (measure's own rule, so the panel says what the summary will); None while
    one is down, or before any probe saw the outage."""
    if exercise.fault_at is None:
        return None
    series = transitions(list(events))
    names = {n for n in (exercise.measured_endpoint, exercise.user_facing_endpoint) if n}
    now = exercise.clock.now()
    outages = [
        o
        for name in names
        if (o := outage_of(name, series.get(name, []), exercise.fault_at, now,
                           exercise.options.sustain_s)) is not None
    ]  # fmt: skip
    if not outages or not all(o.recovered for o in outages):
        return None
    at = max(clock.parse_ts(o.up_at) for o in outages if o.up_at)
    return Back(at, max(o.duration_s for o in outages))


def back_in(summary: Summary) -> Back | None:
    """The summary's own "back at": once the exercise is over the header says what the
    summary measured (the log may hold samples after a halt that the summary leaves out)."""
    ups = [clock.parse_ts(o.up_at) for o in summary.outages if o.up_at]
    down = summary.rto_downtime_s
    if not summary.recovered or not ups or down is None:
        return None
    return Back(max(ups), down)


def _countdown(label: str, budget_s: float, used_s: float, back: Back | None) -> str:
    """``RTO 12h: 11h 59min left`` while down; ``held`` / ``missed by 3min`` once back."""
    if back is not None:
        held = back.down_s <= budget_s
        word = "met" if held else f"missed by {format_duration(back.down_s - budget_s)}"
        return (
            f'<b>{label}</b> <b style="color:{colour_of("met" if held else "missed")}">{word}</b>'
        )
    left = budget_s - used_s
    if left >= 0:
        colour = colour_of("met" if used_s < budget_s / 2 else "undecided")
        return f'<b>{label}</b> <b style="color:{colour}">{format_duration(left)} left</b>'
    return (
        f'<b>{label}</b> <b style="color:{colour_of("missed")}">passed '
        f"{format_duration(-left)} ago</b>"
    )


def clock_html(
    exercise: Exercise,
    zone: str,
    ended_at: datetime | None = None,
    back: Back | None = None,
) -> str:
    """The wall clock in the team's zone and UTC; the outage clock (since the fault, or
    back at); the RTO and the team's expected recovery, each with its deadline or verdict."""
    now = clock.now()
    wall = f'<span class="resil-clock">{local_time(now, zone)}</span> {now:%H:%M:%S} UTC'
    if exercise.fault_at is None:
        return f"{wall}{SEP}the RTO clock starts at <b>Start</b>"
    rto = exercise.scenario.rto_s
    elapsed = ((ended_at or now) - exercise.fault_at).total_seconds()
    if back is not None:
        outage = (
            f'<b style="color:{colour_of("up")}">back at {local_time(back.at, zone)}</b> '
            f"after {format_duration(back.down_s)} down"
        )
    elif ended_at is not None:
        outage = f"<b>not back when it ended</b>, {format_duration(elapsed)} after the fault"
    else:
        outage = f"<b>since the fault</b> {format_duration(elapsed)}"
    parts = [wall, outage]
    if ended_at is not None and back is None:  # over and not back: no clock runs on
        return SEP.join(parts)
    if rto is not None:  # a game day's scenario has one (validate); a draft's may not yet
        deadline = exercise.fault_at + timedelta(seconds=rto)
        there = ZoneInfo(zone)
        other_day = deadline.astimezone(there).date() != now.astimezone(there).date()
        when = (
            f"{deadline.astimezone(there):%a %H:%M:%S %Z}"
            if other_day
            else local_time(deadline, zone)
        )
        countdown = _countdown(f"RTO {format_duration(rto)}", rto, elapsed, back)
        parts.append(countdown + ("" if back else f" (by {when})"))
    hypothesis = exercise.room.hypothesis
    if hypothesis is not None and hypothesis.downtime_s not in (0, rto):
        expected = hypothesis.downtime_s
        parts.append(_countdown(f"expected {format_duration(expected)}", expected, elapsed, back))
    return SEP.join(parts)


def status_html(exercise: Exercise, on_call: list[str], summary: Summary | None = None) -> str:
    """Every probed endpoint (the one users see marked), the current step or what is left
    to do, and who can be reached now. Once over, an endpoint the summary found still down
    reads DOWN, whatever a probe saw after the halt."""
    facing = exercise.user_facing_endpoint
    seen = dict(exercise.watch.endpoint_up)
    if summary is not None:
        seen.update({o.endpoint: False for o in summary.outages if not o.recovered})
    endpoints = [
        (
            f"{name}{' (what users see)' if name == facing and 'user' not in name else ''}",
            up,
            "" if up else exercise.watch.down_reason.get(name, ""),
        )
        for name, up in sorted(seen.items())
    ]
    steps, current = exercise.scenario.steps, exercise.current
    return macro("header.html", "status")(
        label="Endpoints at the end" if exercise.finished else "Endpoints",
        endpoints=endpoints,
        finished=exercise.finished,
        current=current and (steps.index(current) + 1, len(steps), current.title[:90]),
        started=exercise.fault_at is not None,
        on_call=on_call,
        sep=Markup(SEP),
    )


@dataclass(frozen=True)
class Ending:
    """Where the panel is in ending the exercise, for the banner."""

    halted: dict[str, Any] | None  # the halted event
    repaired: str  # what the repair said, once it worked
    phase: str  # "", recovering (Finish waits), archiving, archived
    phase_since: float  # time.monotonic() when the phase began
    archive_line: str  # the last progress line of the archive


def banner_html(exercise: Exercise, zone: str, ending: Ending) -> str:
    """HALTED and what to do about it, on one line; Finish waiting for recovery; the
    archive's progress."""
    since = time.monotonic() - ending.phase_since
    progress: tuple[float, str] | None = None
    if ending.phase == "recovering":
        patience = exercise.options.recovery_wait_s
        progress = (
            since / patience,
            f"Finish: waiting for {exercise.measured_endpoint} to stay up for "
            f"{format_duration(exercise.options.sustain_s)} "
            f"({since:.0f}s of at most {patience:.0f}s)",
        )
    elif ending.phase == "archiving":
        progress = (
            min(since / 30.0, 0.95),
            f"Writing the archive and the report ({since:.0f}s): "
            + textwrap.shorten(ending.archive_line or "exercise.ipynb", 56, placeholder=" ..."),
        )
    halted = ending.halted
    return macro("header.html", "banner")(
        halted_at=halted and local_time(halted["ts"], zone),
        reason=halted and halted.get("reason") or "",
        repaired=ending.repaired,
        target=exercise.target.name,
        progress=progress,
        archived=ending.archive_line if ending.phase == "archived" else "",
    )
