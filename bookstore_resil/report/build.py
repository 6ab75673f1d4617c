"""Build the report of one exercise archive: summary, charts, executed notebook, HTML.

:func:`build_report` follows papermill's ``execute_notebook``: load, parameterize, run,
raise, write. It recomputes ``summary.json`` from ``events.jsonl``, draws the charts as
PNG files into the archive (while the notebook's kernel boots), executes
``notebooks/03_report.ipynb`` with papermill into the archive as ``report.ipynb`` (the
kernel runs in the archive folder with ``archive_dir="."``, so the executed notebook
re-runs in place wherever the archive is copied), and exports it to a self-contained
``report.html`` (see :func:`~bookstore_resil.archive.notebooks.export_html`).

An ``s3://bucket/prefix/EXERCISE_ID`` archive's event log is downloaded to a temporary
folder (:mod:`~bookstore_resil.archive.storage`), the report built there, and the new
files uploaded back; papermill's own S3 handler writes ``report.ipynb``.
"""

from __future__ import annotations

import importlib
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bookstore_resil import workbook
from bookstore_resil.archive import layout, storage
from bookstore_resil.archive.notebooks import (
    execute_on_kernel,
    export_html,
    import_ahead,
    notebook_kernel,
    run_ahead,
    warm_html_export,
)
from bookstore_resil.define.loader import locate_system_folder
from bookstore_resil.display import Progress, to_stderr
from bookstore_resil.errors import NotAnArchive
from bookstore_resil.report.document import CHARTS

REPORT_NOTEBOOK = workbook.notebook(workbook.REPORT)
# What the report notebook's cells import (the report, and the system for its analysis), and
# the charts, which a started kernel draws in part (see KERNEL_CHARTS).
REPORT_IMPORTS = (
    "bookstore_resil.report.document",
    "bookstore_resil.define.loader",
    "bookstore_resil.report.charts",
)
# The charts a kernel started ahead draws while this process draws the others: two
# processes, two cores; the notebook run next on the kernel waits for them.
KERNEL_CHARTS = ("objectives", "canary")
OUR_CHARTS = tuple(name for name in CHARTS if name not in KERNEL_CHARTS)
# Load anyway after so long without the signal (a game day that never opened still gets
# its report built, a little later).
LOAD_AHEAD_WAIT_S = 30.0


@dataclass(frozen=True)
class ReportPaths:
    """Where the rebuilt report went: local paths, or ``s3://`` URIs for an S3 archive."""

    archive: str
    summary: str
    charts: tuple[str, ...]
    notebook: str
    html: str

    def files(self) -> list[str]:
        return [self.summary, *self.charts, self.notebook, self.html]


@dataclass(frozen=True)
class _Built:
    summary: Path
    charts: tuple[Path, ...]
    html: Path


class _Clock:
    """Progress lines with the time each phase took."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.began = time.monotonic()

    def done(self, line: str) -> None:
        now = time.monotonic()
        self.progress(f"report: {line} ({now - self.began:.1f}s)")
        self.began = now


def system_folder(recorded: str | None, data_dir: str | Path | None) -> str:
    """The system definition folder as an absolute path, or "" when it cannot be found.

    The kernel runs inside the archive, so a relative folder is resolved here, from the
    caller's directory (and its parent, as the notebooks do).
    """
    wanted = data_dir or recorded
    if not wanted:
        return ""
    folder = locate_system_folder(wanted)
    return str(folder.resolve()) if folder.is_dir() else ""


class KernelAhead:
    """A report's kernel started ahead (:func:`report_kernel`), and the charts of the
    archive being drawn: KERNEL_CHARTS by the kernel, the others by a thread of this
    process, once per state of the event log."""

    def __init__(self, kernel: Any, folder: Path):
        self.kernel, self.folder = kernel, folder
        self._drawn: int | None = None  # the event log's size when the drawing began
        self._ours: _Drawing | None = None

    def draw_charts(self) -> None:
        """Begin drawing the charts of the archive as it is now (the exercise is over), in
        the background: a notebook run on the kernel next waits for its charts. Asked again
        while the event log has not grown, it does nothing (a drill asks as soon as its
        game day has written its summary, before the game-day notebook ends; a notebook
        that fails after that adds an error event to the log, and they are drawn again)."""
        size = layout.events_path(self.folder).stat().st_size
        if size == self._drawn:
            return
        run_ahead(self.kernel, _drawing(self.folder, KERNEL_CHARTS))
        self.wait()  # an older state's drawing: the new one's files replace its own
        self._ours = _Drawing(self.folder)
        self._ours.start()
        self._drawn = size  # last: what failed before is asked for again

    def charts(self) -> list[Path]:
        """The charts this process drew of the archive as it is now, once drawn."""
        self.draw_charts()
        assert self._ours is not None
        self._ours.join()
        if self._ours.error is not None:
            raise self._ours.error
        return list(self._ours.paths)

    def wait(self) -> None:
        if self._ours is not None:
            self._ours.join()


class _Drawing(threading.Thread):
    """The charts that are not the kernel's, drawn by a thread of this process."""

    def __init__(self, folder: Path):
        super().__init__(name="report-charts", daemon=True)
        self.folder = folder
        self.paths: list[Path] = []
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.paths = draw_charts(str(self.folder), OUR_CHARTS)
        except Exception as error:  # raised where the charts are waited for
            self.error = error


@contextmanager
def report_kernel(archive_dir: str | Path, load_when: threading.Event) -> Iterator[KernelAhead]:
    """The kernel a later :func:`build_report` of ``archive_dir`` runs its notebook on,
    started now and importing what the notebook needs while the caller does something else
    (a drill plays its game day). The chart library and the HTML export's templates load in
    this process once ``load_when`` is set: a drill sets it when its game day is open, so
    that they do not hold the interpreter while papermill starts the game day's kernel."""
    threading.Thread(
        target=_load_ahead, args=(load_when,), name="report-ahead", daemon=True
    ).start()
    local = Path(archive_dir).resolve()
    with notebook_kernel(local) as kernel:
        import_ahead(kernel, REPORT_IMPORTS)
        ahead = KernelAhead(kernel, local)
        try:
            yield ahead
        finally:
            ahead.wait()


def _load_ahead(when: threading.Event) -> None:
    when.wait(LOAD_AHEAD_WAIT_S)
    importlib.import_module("bookstore_resil.report.charts")
    warm_html_export()


def _drawing(folder: Path, names: tuple[str, ...]) -> str:
    """The code a kernel runs to draw ``names`` with :func:`draw_charts`."""
    return f"__import__({__name__!r}, fromlist=['_']).draw_charts({str(folder)!r}, {names!r})"


def draw_charts(folder: str, names: tuple[str, ...]) -> list[Path]:
    """Draw the charts ``names`` of the archive in ``folder``; the files drawn (what a
    kernel started ahead runs, silently, while this process draws the others)."""
    from bookstore_resil.report.charts import draw_chart

    record = layout.read_archive(Path(folder))
    summary = record.summary()
    drawn = (draw_chart(name, summary, record.events, Path(folder)) for name in names)
    return [path for path in drawn if path]


def _build(
    local: Path,
    notebook_output: str,
    data_dir: str | Path | None,
    clock: _Clock,
    started: KernelAhead | None = None,
) -> _Built:
    record = layout.read_archive(local)
    summary = record.summary()
    summary_path = layout.write_summary(local, summary)
    torn = ", last line torn" if record.truncated else ""
    clock.done(f"{layout.SUMMARY_FILE}: {summary.outcome} from {len(record.events)} events{torn}")

    folder = system_folder((record.start or {}).get("data_dir"), data_dir)
    with nullcontext(started.kernel) if started else notebook_kernel(local) as kernel:
        from bookstore_resil.report.charts import draw_chart

        theirs = KERNEL_CHARTS if started else ()
        ours = [name for name in CHARTS if name not in theirs]
        if started:  # the notebook run next on the kernel waits for the kernel's charts
            drawn = started.charts()
        else:
            drawn = [
                path for name in ours if (path := draw_chart(name, summary, record.events, local))
            ]
        clock.done(
            f"charts: {', '.join(ours)}"
            + (f"; {', '.join(theirs)} in the kernel" if theirs else "")
        )
        parameters = {"archive_dir": ".", "data_dir": folder}
        notebook = execute_on_kernel(REPORT_NOTEBOOK, notebook_output, parameters, kernel)
    drawn += [path for name in theirs if (path := local / f"{name}.png").is_file()]
    charts = tuple(sorted(drawn, key=lambda path: CHARTS.index(path.stem)))
    clock.done(f"{layout.REPORT_IPYNB}: executed")

    html = export_html(notebook, f"Exercise report {summary.exercise_id}")
    html_path = layout.write_atomically(local / layout.REPORT_HTML, html)
    clock.done(f"{layout.REPORT_HTML}: exported")
    return _Built(summary_path, charts, html_path)


def _build_s3(uri: str, data_dir: str | Path | None, clock: _Clock) -> ReportPaths:
    bucket, prefix = storage.s3_archive(uri)
    uri = f"{storage.S3_SCHEME}{bucket}/{prefix}"
    with tempfile.TemporaryDirectory(prefix="bookstore-report-") as tmp:
        local = Path(tmp)
        if not storage.download(uri, [layout.EVENTS_FILE], local):
            raise NotAnArchive(uri, f"no {layout.EVENTS_FILE}: not an exercise archive")
        clock.done(f"{layout.EVENTS_FILE}: downloaded from {uri}")
        built = _build(local, f"{uri}/{layout.REPORT_IPYNB}", data_dir, clock)
        uploads = [built.summary, *built.charts, built.html]
        storage.upload(uri, uploads, overwrite=True)
        clock.done(f"uploaded {len(uploads)} files to {uri}")
    return ReportPaths(
        archive=uri,
        summary=f"{uri}/{built.summary.name}",
        charts=tuple(f"{uri}/{p.name}" for p in built.charts),
        notebook=f"{uri}/{layout.REPORT_IPYNB}",
        html=f"{uri}/{built.html.name}",
    )


def build_report(
    archive_dir: str | Path,
    progress: Progress = to_stderr,
    data_dir: str | Path | None = None,
    kernel: KernelAhead | None = None,
) -> ReportPaths:
    """(Re)build the report of the archive at ``archive_dir`` (a folder or ``s3://`` URI).

    ``data_dir`` is the system definition for the dependency analysis; by default the one
    the exercise recorded. Progress goes to ``progress`` one line per phase. ``kernel``, from
    :func:`report_kernel` on the same folder, runs the notebook; else one starts here.
    """
    clock = _Clock(progress)
    if storage.is_s3(archive_dir):
        return _build_s3(str(archive_dir), data_dir, clock)
    local = Path(archive_dir).resolve()
    built = _build(local, str(local / layout.REPORT_IPYNB), data_dir, clock, kernel)
    return ReportPaths(
        archive=str(local),
        summary=str(built.summary),
        charts=tuple(str(p) for p in built.charts),
        notebook=str(local / layout.REPORT_IPYNB),
        html=str(built.html),
    )
