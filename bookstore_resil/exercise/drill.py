"""``drill``: a whole game day, headless, archived.

Reads top to bottom like papermill's ``execute.py``: load the system, check the target,
parameterize the game-day notebook, run it with papermill (the exercise itself runs in the
notebook's kernel, writing ``events.jsonl`` as it goes), raise if it broke, then write the
archive's summary and report.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bookstore_resil.archive.events import ERROR, EVENTS_FILE, STARTED, EventLog, read_events
from bookstore_resil.archive.measure import Summary, summarize, summarize_log
from bookstore_resil.archive.notebooks import GAME_DAY_NOTEBOOK, build_report, run_game_day_notebook
from bookstore_resil.define.loader import load_system
from bookstore_resil.errors import ExerciseError, UsageError
from bookstore_resil.exercise.engine import SUMMARY_FILE, new_exercise_id, write_summary
from bookstore_resil.exercise.gameday import build_target


@dataclass(frozen=True)
class DrillResult:
    archive_dir: Path
    summary: Summary
    report: Any = None


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def drill(
    scenario: str,
    target: str = "lab",
    data_dir: str | Path = "data/bookstore",
    out_dir: str | Path = "reports",
    exercise_id: str | None = None,
    responses: dict[str, str] | None = None,
    target_options: dict[str, Any] | None = None,
    probe_interval: float = 0.1,
    fail_on_breach: bool = False,
    fault: str | None = None,
    report: bool = True,
    progress: Callable[[str], None] = _stderr,
) -> DrillResult:
    """Run one scenario end to end and archive it; return the archive and its summary."""
    data_dir = Path(data_dir).resolve()
    system = load_system(data_dir)
    steps = {step.id for step in system.scenario(scenario).steps}
    unknown = sorted(set(responses or {}) - steps)
    if unknown:
        raise UsageError(f"--response names no step of {scenario}: {', '.join(unknown)}")

    progress(f"drill: checking that target {target!r} is healthy")
    driver = build_target(target, data_dir, target_options)
    driver.check_ready()

    exercise_id = exercise_id or new_exercise_id(scenario)
    archive_dir = Path(out_dir).resolve() / exercise_id
    if archive_dir.exists():
        raise ExerciseError(exercise_id, f"{archive_dir} exists; archives are never overwritten")
    archive_dir.mkdir(parents=True)
    parameters = {
        "scenario": scenario,
        "target": target,
        "data_dir": str(data_dir),
        "mode": "auto",
        "probe_interval": probe_interval,
        "out_dir": str(archive_dir.parent),
        "exercise_id": exercise_id,
        "responses": responses or {},
        "target_options": driver.options(),
        "fail_on_breach": fail_on_breach,
        "fault": fault or "",
    }
    progress(f"drill: running {GAME_DAY_NOTEBOOK.name} for {scenario} into {archive_dir}")
    error = run_game_day_notebook(archive_dir, parameters, stdout=_Lines(progress))
    summary = _summary(archive_dir, error)

    built = None
    if report:
        built = build_report(archive_dir, progress=progress)
    if error:
        raise ExerciseError(
            exercise_id, f"the game-day notebook failed: {error} (archive: {archive_dir})"
        )
    return DrillResult(archive_dir, summary, built)


class _Lines:
    """A file-like object handing each complete line the kernel prints to ``progress``."""

    def __init__(self, progress: Callable[[str], None]):
        self.progress, self.pending = progress, ""

    def write(self, text: str) -> None:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.progress(f"drill: {line}")

    def flush(self) -> None:
        pass


def _summary(archive_dir: Path, error: str | None) -> Summary:
    """The summary the kernel wrote, or one computed from the events it left behind."""
    summary_path = archive_dir / SUMMARY_FILE
    events_path = archive_dir / EVENTS_FILE
    if not error and summary_path.exists():
        return summarize_log(events_path)
    contents = read_events(events_path) if events_path.exists() else None
    if contents is None or not any(e["type"] == STARTED for e in contents.events):
        raise ExerciseError(archive_dir.name, f"the game-day notebook failed to start: {error}")
    if error:
        with EventLog(events_path) as log:
            contents.events.append(log.append(ERROR, message=f"notebook failed: {error}"))
    summary = summarize(contents.events, contents.truncated)
    write_summary(archive_dir, summary)
    return summary


def one_screen(result: DrillResult) -> str:
    """The summary a person reads in a terminal after a drill."""
    from bookstore_resil.define.model import format_duration

    s = result.summary

    def verdict(met: bool | None) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[met]

    lines = [
        f"exercise   {s.exercise_id}",
        f"scenario   {s.scenario} ({s.title}) on {s.target}",
        f"outcome    {s.outcome}: {s.reason}",
        f"fault      {s.fault or '-'} at {s.fault_at or '-'}",
        f"detected   after {format_duration(s.time_to_detect_s)}",
        f"downtime   {format_duration(s.measured_downtime_s)} of {s.measured_endpoint} "
        f"against RTO {format_duration(s.rto_s)}: {verdict(s.rto_met)}",
        f"data loss  {format_duration(s.measured_data_loss_s)} against RPO "
        f"{format_duration(s.rpo_s)}: {verdict(s.rpo_met)}",
        "steps:",
    ]
    for step in s.steps:
        lines.append(
            f"  {step.status:<8} {format_duration(step.duration_s):>8}  {step.id}"
            + (f"  ({step.error})" if step.error else "")
        )
    lines.append(f"archive    {result.archive_dir}")
    if result.report is not None:
        html = getattr(result.report, "html", None)
        if html:
            lines.append(f"report     {html}")
    return "\n".join(lines)
