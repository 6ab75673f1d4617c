"""``drill``: a whole game day, headless, archived.

Reads top to bottom like papermill's ``execute.py``: load the system, check the target,
parameterize the game-day notebook, run it with papermill (the exercise itself runs in the
notebook's kernel, writing ``events.jsonl`` as it goes), raise if it broke, then write the
archive's summary and report.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bookstore_resil.archive import layout
from bookstore_resil.archive.dataloss import AT_LEAST
from bookstore_resil.archive.events import ERROR, EventLog
from bookstore_resil.archive.impact import DRY_RUN_NOTE
from bookstore_resil.archive.measure import Summary
from bookstore_resil.archive.storage import Destination
from bookstore_resil.define.loader import load_system
from bookstore_resil.display import to_stderr
from bookstore_resil.errors import ExerciseError, UsageError
from bookstore_resil.exercise.gameday import (
    DEFAULT_PROBE_INTERVAL_S,
    GAME_DAY_NOTEBOOK,
    build_target,
    default_target,
    game_day_kernel,
    run_game_day_notebook,
)
from bookstore_resil.exercise.lock import ExerciseLock
from bookstore_resil.exercise.watch import Options
from bookstore_resil.report.build import KernelAhead, build_report, report_kernel


@dataclass(frozen=True)
class DrillResult:
    """A finished drill: the local folder it was written to, its summary, the report
    built, and for an S3 archive its ``s3://`` address."""

    archive_dir: Path
    summary: Summary
    report: Any = None
    address: str = ""
    interrupted: int | None = None  # the signal that stopped it (Ctrl-C: SIGINT)

    @property
    def archive(self) -> str:
        """Where the archive is: its ``s3://`` address, or the local folder."""
        return self.address or str(self.archive_dir)

    @property
    def report_html(self) -> str | None:
        html = getattr(self.report, "html", None)
        if not html:
            return None
        return f"{self.address}/{Path(html).name}" if self.address else str(html)

    def as_json(self) -> dict[str, Any]:
        """``drill --json``: the archive's address, its report page, and ``summary.json``."""
        summary = self.summary.to_dict()
        return {"archive": self.archive, "report": self.report_html, "summary": summary}


def drill(
    scenario: str,
    target: str = "",
    data_dir: str | Path = "data/bookstore",
    out_dir: str | Path = "reports",
    exercise_id: str | None = None,
    responses: dict[str, str] | None = None,
    target_options: dict[str, Any] | None = None,
    probe_interval: float | None = None,
    fail_on_breach: bool = False,
    fault: str | None = None,
    report: bool = True,
    progress: Callable[[str], None] = to_stderr,
    execute: bool = False,
) -> DrillResult:
    """Run one scenario end to end and archive it; return the archive and its summary.

    Every input is checked before the target is touched: the exercise id (a plain name,
    so the archive stays inside ``out_dir``), the options, the system, the responses, the
    fault's name, an archive folder that can be written. Then the target is locked (one
    exercise at a time) and checked healthy; only then does the notebook break anything,
    and only with ``execute`` (else a dry run, docs/contract.md §4). An empty ``target`` is the
    folder's default (``system`` beside a target.yaml, else ``lab``); no
    ``probe_interval``, the target's own (target.yaml's ``interval``), else 0.1 s.

    ``out_dir`` may be an ``s3://`` parent: the exercise is written locally while it runs,
    then uploaded whole when it ends (:class:`~bookstore_resil.archive.storage.Destination`).
    """
    if exercise_id is None:
        exercise_id = layout.new_exercise_id(scenario)
    out = Destination.of(out_dir)
    # The report's kernel (when there is a report) lives from the game day to the report.
    with _staging(out, progress), ExitStack() as ahead:
        archive_dir = layout.exercise_dir(out.local, exercise_id)
        ahead.enter_context(_removed_if_left_empty(archive_dir))
        interval = DEFAULT_PROBE_INTERVAL_S if probe_interval is None else probe_interval
        Options(probe_interval_s=interval)
        data_dir = Path(data_dir).resolve()
        target = target or default_target(data_dir)
        system = load_system(data_dir)
        steps = {step.id for step in system.scenario(scenario).steps}
        unknown = sorted(set(responses or {}) - steps)
        if unknown:
            raise UsageError(f"--response names no step of {scenario}: {', '.join(unknown)}")
        if out.exists(exercise_id) or archive_dir.is_symlink():
            where = out.archive(exercise_id)
            raise UsageError(f"{where} exists: archives are never overwritten")
        layout.check_writable(out.local)
        driver = build_target(target, data_dir, target_options)
        if fault and driver.faults() and fault not in driver.faults():
            known = ", ".join(driver.faults())
            raise UsageError(f"--fault {fault!r}: not a fault of target {target} (known: {known})")

        # The kernel boots and imports the exercise's code while the target is checked; a
        # drill the lock refuses starts none.
        lock = ExerciseLock(driver.lock_file(), exercise_id, driver.name)
        with lock, game_day_kernel(out.local, driver) as game_day:
            if not execute:
                progress(f"drill: {DRY_RUN_NOTE} (add --execute to run the faults and actions)")
            progress(f"drill: checking that target {target!r} is healthy")
            driver.check_ready()
            archive_dir.mkdir()
            reporting = _ReportAhead(ahead, archive_dir) if report else None
            parameters = {
                "scenario": scenario,
                "target": target,
                "data_dir": str(data_dir),
                "mode": "auto",
                "probe_interval": probe_interval,
                "out_dir": str(out.local),
                "exercise_id": exercise_id,
                "responses": responses or {},
                "target_options": driver.options(),
                "fail_on_breach": fail_on_breach,
                "fault": fault or "",
                "execute": execute,
            }
            progress(f"drill: running {GAME_DAY_NOTEBOOK.name} for {scenario} into {archive_dir}")
            lines = _Lines(progress, each=reporting.printed if reporting else lambda: None)
            signals = Interrupts()
            with signals.passed_to_the_kernel():
                error = run_game_day_notebook(
                    archive_dir, parameters, lines, signals.started, game_day
                )
            summary = _summary(archive_dir, error)

        kernel = reporting.kernel if reporting else None
        built = build_report(archive_dir, progress=progress, kernel=kernel) if report else None
    address = out.archive(exercise_id)
    uploaded = out.publish(archive_dir)
    if uploaded:
        progress(f"drill: uploaded {len(uploaded)} files to {address}")
    if error and signals.received:
        left = f"fault {summary.fault} may still be in effect" if summary.fault else "see it"
        raise ExerciseError(
            exercise_id,
            f"stopped at once by {signals.name}: no rollback ran; {left}: repair it by the "
            f"playbook's recovery procedure (archive: {address})",
        )
    if error:
        raise ExerciseError(
            exercise_id, f"the game-day notebook failed: {error} (archive: {address})"
        )
    return DrillResult(archive_dir, summary, built, address if out.remote else "", signals.first)


@contextmanager
def _staging(out: Destination, progress: Callable[[str], None]) -> Iterator[None]:
    """For an S3 ``--out``: drop the staging folder when the drill stops before writing
    anything; keep it, and say where, when an exercise broke off before its upload."""
    try:
        yield
    except BaseException:
        if out.remote is not None and any(out.local.iterdir()):
            progress(f"drill: not uploaded; what was written stays in {out.local}")
        else:
            out.discard()
        raise


@contextmanager
def _removed_if_left_empty(archive_dir: Path) -> Iterator[None]:
    """The folders the drill makes on the way to ``archive_dir`` (``--out`` and its parents,
    the archive) go again when it stops leaving them empty: a refused drill creates nothing.
    One that recorded anything keeps it: an archive is never deleted."""
    made = [folder for folder in (archive_dir, *archive_dir.parents) if not folder.exists()]
    try:
        yield
    except BaseException:
        for folder in made:  # the deepest first; rmdir removes only an empty one
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


class _ReportAhead:
    """The report's kernel, started once the game day is open: it boots and imports what
    the report needs while the baseline is measured, not while the game day's own kernel
    boots (both at once, the game day's was held back). Once the game day has written its
    summary, the report's charts are drawn while the game-day notebook ends.

    Both only ahead of time, from the lines the game day prints: what fails here is done
    again by the report (which starts a kernel of its own without this one), and must not
    fail the game day's run."""

    def __init__(self, stack: ExitStack, archive_dir: Path):
        self.stack, self.archive_dir = stack, archive_dir
        self.opened = threading.Event()  # the game day printed its first line
        self.kernel: KernelAhead | None = None

    def printed(self) -> None:
        if not self.opened.is_set():
            self.opened.set()
            with contextlib.suppress(Exception):
                self.kernel = self.stack.enter_context(report_kernel(self.archive_dir, self.opened))
        elif self.kernel is not None and layout.summary_path(self.archive_dir).exists():
            with contextlib.suppress(Exception):
                self.kernel.draw_charts()


class Interrupts:
    """While the game day's kernel runs, Ctrl-C and SIGTERM are passed on to it: the first
    makes it stop the running action and halt with a rollback (:mod:`.headless`), the
    second stops the rollback, a third kills it. Before the kernel runs nothing is broken,
    and Ctrl-C stops the drill as usual."""

    def __init__(self) -> None:
        self.kernel: int | None = None
        self.received: list[int] = []

    def started(self, pid: int) -> None:
        self.kernel = pid

    @property
    def first(self) -> int | None:
        return self.received[0] if self.received else None

    @property
    def name(self) -> str:
        return signal.Signals(self.received[0]).name if self.received else ""

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.kernel is None:
            raise KeyboardInterrupt
        self.received.append(signum)
        count = len(self.received)
        said = {
            1: "stopping the current action, then rolling back (again: stop the rollback)",
            2: "stopping the rollback at once (again: kill the game day)",
        }.get(count, "killing the game day's kernel")
        # os.write: a signal handler must not enter the buffered stream it interrupted.
        os.write(2, f"drill: {signal.Signals(signum).name}: {said}\n".encode())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.kernel, signal.SIGKILL if count > 2 else signum)

    @contextmanager
    def passed_to_the_kernel(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self._on_signal) for sig in HANDLED}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


HANDLED = (signal.SIGINT, signal.SIGTERM)


class _Lines:
    """A file-like object handing each complete line the kernel prints to ``progress``,
    calling ``each`` before each one."""

    def __init__(self, progress: Callable[[str], None], each: Callable[[], None]):
        self.progress, self.each, self.pending = progress, each, ""

    def write(self, text: str) -> None:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.each()
            self.progress(f"drill: {line}")

    def flush(self) -> None:
        pass


def _summary(archive_dir: Path, error: str | None) -> Summary:
    """The summary the kernel wrote, or one computed from the events it left behind."""
    record = layout.read_archive(archive_dir) if layout.holds_exercise(archive_dir) else None
    if record is None or record.start is None:
        raise ExerciseError(archive_dir.name, f"the game-day notebook failed to start: {error}")
    if not error and layout.summary_path(archive_dir).exists():
        return record.summary()
    if error:
        with EventLog(layout.events_path(archive_dir)) as log:
            record.events.append(log.append(ERROR, message=f"notebook failed: {error}"))
    summary = record.summary()
    layout.write_summary(archive_dir, summary)
    return summary


def one_screen(result: DrillResult) -> str:
    """The summary a person reads in a terminal after a drill."""
    from bookstore_resil.define.units import format_duration

    s = result.summary

    def verdict(met: bool | None) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[met]

    lines = [
        f"exercise   {s.exercise_id}",
        f"scenario   {s.scenario} ({s.title}) on {s.target}",
        f"outcome    {s.outcome}: {s.reason}",
        f"fault      {s.fault or '-'}{' (dry run: not injected)' if s.dry_run else ''} "
        f"at {s.fault_at or '-'}",
    ]
    if s.dry_run:
        objectives = f"RTO {format_duration(s.rto_s)} and RPO {format_duration(s.rpo_s)}"
        lines.append(f"measured   nothing: {objectives} not judged (--execute measures)")
    elif s.fault_failed is not None:
        lines += [f"fault said {line}" for line in s.fault_said]
        lines.append("measured   nothing: the fault failed, so RTO and RPO are not judged")
    else:
        lines += [
            f"detected   after {format_duration(s.time_to_detect_s)}",
            f"downtime   {format_duration(s.measured_downtime_s)} of {s.measured_endpoint}",
            f"users      {format_duration(s.measured_user_downtime_s)} of "
            f"{s.user_facing_endpoint or 'no user-facing probe'}",
            f"RTO        {format_duration(s.rto_s)} against the longer outage: "
            f"{verdict(s.rto_met)}",
            f"data loss  {'at least ' if s.data_loss_bound == AT_LEAST else ''}"
            f"{format_duration(s.measured_data_loss_s)} against RPO "
            f"{format_duration(s.rpo_s)}: {verdict(s.rpo_met)}",
        ]
        if s.data_loss_bound == AT_LEAST:
            lines.append(
                "           the restored data is older than this exercise; set newest_record "
                "in target.yaml to measure how much older"
            )
    lines.append("steps:")
    for step in s.steps:
        lines.append(
            f"  {step.shown_status:<8} {format_duration(step.duration_s):>8}  {step.id}"
            + (f"  ({step.error})" if step.error else "")
        )
    if s.rollback is not None:
        back = s.rollback
        how = "every endpoint up again" if back.get("recovered") else f"LEFT BROKEN: {back['left']}"
        lines.append(f"rollback   {back['reason']}: {how}")
    lines.append(f"archive    {result.archive}")
    if result.report_html:
        lines.append(f"report     {result.report_html}")
    return "\n".join(lines)
