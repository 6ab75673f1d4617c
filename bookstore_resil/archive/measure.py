"""Measurements of an exercise, computed from its event log alone.

Everything ``summary.json`` and the report show comes from :func:`summarize`, a pure
function of the events: downtime from the probe transitions, data loss from the canary
writes and the survivors read back, step times from the step events, the outcome from
the path the steps took. Rebuilding a report from ``events.jsonl`` gives the same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.dataloss import (
    CanaryResult,
    DataLoss,
    canary_of,
    data_loss,
    record_loss,
)
from bookstore_resil.archive.impact import DRY_RUN_NOTE, Impact, judge, rto_downtime
from bookstore_resil.archive.outcome import Evidence, judged, outcome_of
from bookstore_resil.display import step_status
from bookstore_resil.errors import ResilError

DEFAULT_SUSTAIN_S = 1.0


@dataclass(frozen=True)
class StepRecord:
    """One step as it ran: the journal entry of chaostoolkit's kind."""

    id: str
    procedure: str
    status: str  # ok, failed, skipped, or running when the log stops mid-step
    started_at: str
    ended_at: str | None
    duration_s: float | None
    automated: bool
    action: str | None = None
    output: str = ""
    error: str | None = None
    note: str | None = None
    by: str | None = None
    handled: bool = True  # a failure the playbook branches on is part of the plan

    @property
    def shown_status(self) -> str:
        return step_status(self.status, self.handled)


@dataclass(frozen=True)
class Outage:
    """One endpoint's outage: first failed sample to the first sustained good one."""

    endpoint: str
    down_at: str
    up_at: str | None
    duration_s: float
    recovered: bool


@dataclass
class Summary:
    """``summary.json`` (docs/contract.md §3) and the rest of what the report shows."""

    exercise_id: str
    scenario: str
    title: str
    service: str
    target: str
    environment: str
    mode: str
    started_at: str
    ended_at: str | None
    outcome: str
    rto_s: float
    rpo_s: float
    measured_downtime_s: float | None
    measured_data_loss_s: float | None
    rto_met: bool | None
    rpo_met: bool | None
    rto_margin_s: float | None
    rpo_margin_s: float | None
    fault: str | None
    fault_at: str | None
    rto_deadline: str | None
    detected_at: str | None
    time_to_detect_s: float | None
    recovered: bool | None
    measured_endpoint: str | None
    steps: list[StepRecord]
    outages: list[Outage] = field(default_factory=list)
    canary: CanaryResult | None = None
    deviations: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    briefing: dict[str, Any] | None = None  # the hypothesis and the roles, given before Start
    timezone: str = "UTC"  # the team's, for the times people read
    halted: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    log_truncated: bool = False
    reason: str = ""
    fail_on_breach: bool = False
    # docs/contract.md §4: a dry run broke nothing and measured nothing; what users saw is the
    # user-facing endpoint's outage (the RTO verdict takes the longer one, see impact.py).
    dry_run: bool = False
    user_facing_endpoint: str | None = None
    measured_user_downtime_s: float | None = None
    ci: bool = False  # the drill ran under CI (the CI variable set): a resilience gate
    system: str | None = None  # system.yaml's name, so one bucket can hold many systems
    # Did any probe see the fault (None: nothing was injected)? A fault unseen is no verdict.
    fault_observed: bool | None = None
    # exact, or at_least when the restore went back further than the canary reaches.
    data_loss_bound: str | None = None
    canary_data_loss_s: float | None = None
    record_data_loss_s: float | None = None  # fault time less target.yaml's newest_record
    fault_failed: dict[str, Any] | None = None  # the fault_failed event: error and output
    rollback: dict[str, Any] | None = None
    interruptions: list[dict[str, Any]] = field(default_factory=list)  # errors resumed from

    @property
    def rto_downtime_s(self) -> float | None:
        return rto_downtime(self.measured_downtime_s, self.measured_user_downtime_s)

    @property
    def breached(self) -> bool:
        """RTO or RPO missed (an unmeasured objective is not a breach)."""
        return self.rto_met is False or self.rpo_met is False

    @property
    def fault_said(self) -> list[str]:
        """The last lines a fault that failed printed; none when it did not fail."""
        output = (self.fault_failed or {}).get("output") or ""
        return output.strip().splitlines()[-3:]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _seconds(start: str, end: str) -> float:
    return round((clock.parse_ts(end) - clock.parse_ts(start)).total_seconds(), 3)


def steps_of(events: list[dict[str, Any]]) -> list[StepRecord]:
    """Pair step_started with step_finished; a start with no end is ``running``, with the
    notes typed on it before a halt or finish saved them (``note`` events naming it)."""
    records: list[StepRecord] = []
    open_steps: dict[str, dict[str, Any]] = {}
    notes: dict[str, str] = {}
    for event in events:
        if event["type"] == ev.NOTE and event.get("step") and event.get("author") is not None:
            notes[event["step"]] = event.get("text", "")
        elif event["type"] == ev.STEP_STARTED:
            open_steps[event["step"]] = event
        elif event["type"] == ev.STEP_FINISHED and event["step"] in open_steps:
            start = open_steps.pop(event["step"])
            records.append(
                StepRecord(
                    id=event["step"],
                    procedure=start.get("procedure", ""),
                    status=event["status"],
                    started_at=start["ts"],
                    ended_at=event["ts"],
                    duration_s=_seconds(start["ts"], event["ts"]),
                    automated=bool(start.get("automated")),
                    action=start.get("action"),
                    output=event.get("output") or "",
                    error=event.get("error"),
                    note=event.get("note"),
                    by=event.get("by"),
                    handled=bool(event.get("handled", True)),
                )
            )
    for step, start in open_steps.items():
        records.append(
            StepRecord(
                id=step,
                procedure=start.get("procedure", ""),
                status="running",
                started_at=start["ts"],
                ended_at=None,
                duration_s=None,
                automated=bool(start.get("automated")),
                action=start.get("action"),
                note=notes.get(step),
            )
        )
    return records


def transitions(events: list[dict[str, Any]]) -> dict[str, list[tuple[datetime, bool]]]:
    """Each endpoint's probe transitions, in time order: (sample time, up)."""
    per_endpoint: dict[str, list[tuple[datetime, bool]]] = {}
    for event in events:
        if event["type"] == ev.PROBE:
            at = clock.parse_ts(event.get("at", event["ts"]))
            per_endpoint.setdefault(event["endpoint"], []).append((at, bool(event["up"])))
    for series in per_endpoint.values():
        series.sort(key=lambda item: item[0])
    return per_endpoint


def outage_of(
    endpoint: str,
    series: list[tuple[datetime, bool]],
    after: datetime | None,
    observed_until: datetime,
    sustain_s: float,
) -> Outage | None:
    """The first outage of an endpoint at or after ``after``.

    Downtime runs from the first failed sample to the first good sample that stays good
    for ``sustain_s`` (no failed sample in that window, and observation went on that long).
    An endpoint already down at ``after`` (its last sample before it failed) is down from
    ``after``; one never seen back is down to ``observed_until``, not recovered.
    """
    down_at = next((t for t, up in series if not up and (after is None or t >= after)), None)
    before = [up for t, up in series if after is not None and t < after]
    if before and not before[-1]:  # already down when the fault came: counted from it
        down_at = after
    if down_at is None:
        return None
    later = [(t, up) for t, up in series if t > down_at]
    for index, (t, up) in enumerate(later):
        if not up:
            continue
        relapse = next((t2 for t2, up2 in later[index + 1 :] if not up2), None)
        window_end = relapse or observed_until
        if (window_end - t).total_seconds() >= sustain_s:
            return Outage(endpoint, clock.iso(down_at), clock.iso(t), _delta(down_at, t), True)
    return Outage(endpoint, clock.iso(down_at), None, _delta(down_at, observed_until), False)


def _delta(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 3)


def summarize(events: list[dict[str, Any]], truncated: bool = False) -> Summary:
    """Everything measured about one exercise, from its events."""
    start = next((e for e in events if e["type"] == ev.STARTED), None)
    if start is None:
        raise ResilError("event log has no exercise_started event")
    finish = next((e for e in reversed(events) if e["type"] == ev.FINISHED), None)
    halted = next((e for e in events if e["type"] == ev.HALTED), None)
    # An error before the last resume interrupted the exercise, which then went on.
    resumed = max((i for i, e in enumerate(events) if e["type"] == ev.RESUMED), default=0)
    errors = [e for e in events[resumed:] if e["type"] == ev.ERROR]
    interruptions = [e for e in events[:resumed] if e["type"] == ev.ERROR]
    fault = next((e for e in events if e["type"] in (ev.FAULT, ev.OUTAGE)), None)
    fault_failed = next((e for e in events if e["type"] == ev.FAULT_FAILED), None)
    # The measurement ends where a rollback begins: what it repairs is not a recovery.
    rollback = next((i for i, e in enumerate(events) if e["type"] == ev.ROLLBACK), None)
    walk = events if rollback is None else events[:rollback]
    walk_steps = steps_of(walk)
    steps = walk_steps + ([] if rollback is None else steps_of(events[rollback:]))
    ended_at = finish["ts"] if finish else events[-1]["ts"]  # events hold the start at least
    observed_until = clock.parse_ts(ended_at if rollback is None else events[rollback]["ts"])

    sustain_s = float(start.get("sustain_s", DEFAULT_SUSTAIN_S))
    fault_at = clock.parse_ts(fault.get("at", fault["ts"])) if fault else None
    series = transitions(walk)
    outages = [
        o
        for name, s in sorted(series.items())
        if (o := outage_of(name, s, fault_at, observed_until, sustain_s)) is not None
    ]
    endpoint = start.get("measured_endpoint")
    rto_s, rpo_s = float(start["rto_s"]), float(start["rpo_s"])

    # Nothing broke by itself in a declared outage: no outage seen is nothing measured.
    declared = fault is not None and fault["type"] == ev.OUTAGE
    watched = set() if declared else set(series)
    dry_run = start.get("dry_run") is True
    user_endpoint = start.get("user_facing_endpoint")
    seen = judge(endpoint, user_endpoint, outages, watched, rto_s)
    canary = canary_of(events, start["ts"], fault_at)
    loss = data_loss(canary, record_loss(events, fault_at), rpo_s)
    # Only a fault that was injected or declared can be seen or measured.
    observed = None if dry_run or fault is None else bool(outages)
    if observed is None:
        seen, loss = Impact(), DataLoss()
    elif not observed and not declared:  # a fault nobody saw is no evidence either way
        seen, loss = replace(seen, rto_met=None), replace(loss, rpo_met=None)
    measured = next((o for o in outages if o.endpoint == endpoint), None) if observed else None
    downtime, recovered = seen.downtime_s, seen.recovered
    longest = rto_downtime(downtime, seen.user_downtime_s)

    walked = [e for e in walk if e["type"] == ev.STEP_FINISHED]
    completed = bool(walked) and walked[-1].get("next", "") is None
    deviations = [e for e in events if e["type"] == ev.DEVIATION]
    path = outcome_of(
        walk_steps, halted, errors, finish, completed, recovered, seen.still_down, len(deviations)
    )
    outcome, reason = judged(
        path,
        Evidence(
            fault_failed=fault_failed,
            observed=observed is not False or declared,
            watched=endpoint or user_endpoint or "the service",
            interval_s=float(start.get("probe_interval_s") or 0.1),
            rto=(seen.rto_met, longest, rto_s),
            rpo=(loss.rpo_met, loss.seconds, rpo_s, loss.bound),
            interruptions=[e.get("message", "") for e in interruptions],
        ),
    )
    if dry_run:
        walked_through = "the playbook was walked through to its end"
        reason = f"{DRY_RUN_NOTE}; {walked_through if outcome == 'passed' else reason}"
    fault_ts = clock.iso(fault_at) if fault_at else None
    data_loss_s = loss.seconds

    return Summary(
        exercise_id=start["exercise_id"],
        scenario=start["scenario"],
        title=start.get("title", start["scenario"]),
        service=start.get("service", ""),
        target=start["target"],
        environment=start.get("environment", "production"),
        mode=start.get("mode", "auto"),
        started_at=start["ts"],
        ended_at=ended_at if finish else None,
        outcome=outcome,
        rto_s=rto_s,
        rpo_s=rpo_s,
        measured_downtime_s=downtime,
        measured_data_loss_s=data_loss_s,
        rto_met=seen.rto_met,
        rpo_met=loss.rpo_met,
        rto_margin_s=None if longest is None else round(rto_s - longest, 3),
        rpo_margin_s=None if data_loss_s is None else round(rpo_s - data_loss_s, 3),
        fault=_fault_name(fault or fault_failed),
        fault_at=fault_ts,
        rto_deadline=clock.iso(fault_at + timedelta(seconds=rto_s)) if fault_at else None,
        detected_at=measured.down_at if measured else None,
        time_to_detect_s=(_seconds(fault_ts, measured.down_at) if measured and fault_ts else None),
        recovered=recovered,
        measured_endpoint=endpoint,
        steps=steps,
        outages=outages,
        canary=canary,
        deviations=deviations,
        notifications=[e for e in events if e["type"] == ev.NOTIFICATION],
        notes=[e for e in events if e["type"] == ev.NOTE],
        observations=[e for e in events if e["type"] == ev.OBSERVATION],
        briefing=next((e for e in reversed(events) if e["type"] == ev.BRIEFING), None),
        timezone=start.get("timezone", "UTC"),
        halted=halted,
        errors=errors,
        log_truncated=truncated,
        reason=reason,
        fail_on_breach=start.get("fail_on_breach") is True,
        ci=start.get("ci") is True,
        dry_run=dry_run,
        user_facing_endpoint=user_endpoint,
        measured_user_downtime_s=seen.user_downtime_s,
        system=start.get("system"),
        fault_observed=observed,
        data_loss_bound=loss.bound,
        canary_data_loss_s=loss.canary_s,
        record_data_loss_s=loss.record_s,
        fault_failed=fault_failed,
        rollback=_rollback(events, rollback),
        interruptions=interruptions,
    )


def _fault_name(event: dict[str, Any] | None) -> str | None:
    if event is None:
        return None
    return event.get("fault") or ("declared outage" if event["type"] == ev.OUTAGE else None)


def _rollback(events: list[dict[str, Any]], index: int | None) -> dict[str, Any] | None:
    """Why the rollback ran, when, and what it left: None when none ran."""
    if index is None:
        return None
    done = next((e for e in events[index:] if e["type"] == ev.ROLLED_BACK), {})
    return {
        "reason": events[index].get("reason"),
        "at": events[index]["ts"],
        "recovered": done.get("recovered"),
        "left": done.get("left"),
    }


def summarize_log(path: str | Path) -> Summary:
    """Everything measured about the exercise whose event log is at ``path``."""
    contents = ev.read_events(path)
    return summarize(contents.events, contents.truncated)
