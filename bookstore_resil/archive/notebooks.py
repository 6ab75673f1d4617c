"""Build the report of one exercise archive: summary, charts, executed notebook, HTML.

:func:`build_report` follows papermill's ``execute_notebook``: load, parameterize, run,
raise, write. It recomputes ``summary.json`` from ``events.jsonl``, draws the charts as
PNG files into the archive (while the notebook's kernel boots), executes
``notebooks/03_report.ipynb`` with papermill into the archive as ``report.ipynb`` (the
kernel runs in the archive folder with ``archive_dir="."``, so the executed notebook
re-runs in place wherever the archive is copied), and exports it to a
self-contained ``report.html``: the ``basic`` nbconvert template wrapped in a page with
the inline ``STYLE`` below, images embedded, no script, font or stylesheet
fetched from anywhere.

An ``s3://bucket/prefix/EXERCISE_ID`` archive is downloaded (its event log) to a
temporary folder with boto3, built there, and the new files are uploaded back; papermill's
own S3 handler writes ``report.ipynb``. The endpoint and credentials are boto3's usual
ones (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ...).

Heavy imports (matplotlib, papermill, nbconvert, boto3) happen inside the functions, so
importing this module costs nothing until a report is built.
"""

from __future__ import annotations

import html
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bookstore_resil import workbook
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.measure import summarize
from bookstore_resil.define.loader import locate_system_folder
from bookstore_resil.errors import ReportError
from bookstore_resil.exercise.engine import SUMMARY_FILE, write_summary
from bookstore_resil.report.findings import CHARTS

REPORT_NOTEBOOK = workbook.notebook(workbook.REPORT)
REPORT_IPYNB = "report.ipynb"
REPORT_HTML = "report.html"
KERNEL = "python3"
# A local kernel's own log (a TCP-without-encryption warning) is noise on the caller's
# stderr; its input history is kept in memory, as nbclient does, not in ~/.ipython.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=CRITICAL", "--HistoryManager.hist_file=:memory:")
GAME_DAY_NOTEBOOK = workbook.notebook(workbook.GAME_DAY)
EXERCISE_NOTEBOOK = "exercise.ipynb"
CONTENT_TYPES = {".json": "application/json", ".png": "image/png", ".html": "text/html"}

Progress = Callable[[str], None]


def run_game_day_notebook(
    archive_dir: Path, parameters: dict[str, Any], stdout: Any = None
) -> str | None:
    """Execute the game-day notebook into ``archive_dir/exercise.ipynb`` (in that folder);
    the error of the cell that failed, or None."""
    import papermill

    try:
        papermill.execute_notebook(
            str(GAME_DAY_NOTEBOOK),
            str(archive_dir / EXERCISE_NOTEBOOK),
            parameters=parameters,
            kernel_name=KERNEL,
            extra_arguments=list(KERNEL_ARGUMENTS),
            progress_bar=False,
            stdout_file=stdout,
            cwd=str(archive_dir),
        )
    except papermill.PapermillExecutionError as exc:
        return f"{exc.ename}: {exc.evalue}"
    return None


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


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


@contextmanager
def report_kernel(local: Path) -> Iterator[Any]:
    """The report notebook's kernel, started at once in the archive folder.

    papermill would start the kernel only when it executes; started here, it boots on
    another core while the charts are drawn. At the end the clients papermill opened on it
    are closed (it does not close what it does not own) and the kernel is killed: the
    notebook holds nothing that needs a graceful shutdown.
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync
    from traitlets import List

    class Kernel(AsyncKernelManager):
        opened = List()

        def client(self, **kwargs: Any) -> Any:
            opened = super().client(**kwargs)
            self.opened.append(opened)
            return opened

    kernel = Kernel(kernel_name=KERNEL)
    try:
        run_sync(kernel.start_kernel)(extra_arguments=list(KERNEL_ARGUMENTS), cwd=str(local))
    except NoSuchKernel as error:
        raise ReportError(str(local), f"no Jupyter kernel {KERNEL!r}: {error}") from None
    try:
        yield kernel
    finally:
        for client in kernel.opened:
            client.stop_channels()
        run_sync(kernel.shutdown_kernel)(now=True)


def execute_report_notebook(output: str, data_dir: str, kernel: Any) -> Any:
    """Run 03_report.ipynb on ``kernel`` (started in the archive); write it to ``output``."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if not REPORT_NOTEBOOK.is_file():
        raise ReportError(output, f"the report notebook {REPORT_NOTEBOOK} is missing")
    try:
        return papermill.execute_notebook(
            str(REPORT_NOTEBOOK),
            output,
            parameters={"archive_dir": ".", "data_dir": data_dir},
            kernel_name=KERNEL,
            progress_bar=False,
            request_save_on_cell_execute=False,
            km=kernel,
        )
    except PapermillExecutionError as error:
        raise ReportError(
            output,
            f"the report notebook failed in cell {error.exec_count}: {error.ename}: {error.evalue}",
        ) from None
    except (DeadKernelError, CellTimeoutError, RuntimeError) as error:
        raise ReportError(output, f"the report notebook could not run: {error}") from None


STYLE = """
body { margin: 0; background: #f5f5f5; color: #212121;
  font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main.report { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 1.8em; margin: 0.4em 0; }
h2 { font-size: 1.35em; margin: 1.4em 0 0.4em; border-bottom: 1px solid #e0e0e0; }
h3 { font-size: 1.1em; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em;
  background: #f0f0f0; padding: 0 3px; border-radius: 2px; }
img { max-width: 100%; height: auto; display: block; margin: 8px 0; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.92em; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th, table.report-facts th { background: #fafafa; }
.jp-OutputArea-output pre { white-space: pre-wrap; margin: 0; }
a.anchor-link { display: none; }
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<main class="report">
{body}
</main>
</body>
</html>
"""


def export_html(notebook: Any, title: str) -> str:
    """The executed notebook as one offline page: outputs and markdown, no code."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(notebook)
    return PAGE.format(title=html.escape(title), style=STYLE, body=body)


def _build(local: Path, notebook_output: str, data_dir: str | Path | None, clock: _Clock) -> _Built:
    events_path = local / ev.EVENTS_FILE
    if not events_path.is_file():
        raise ReportError(str(local), f"no {ev.EVENTS_FILE}: not an exercise archive")
    contents = ev.read_events(events_path)
    summary = summarize(contents.events, contents.truncated)
    summary_path = write_summary(local, summary)
    torn = ", last line torn" if contents.truncated else ""
    clock.done(f"{SUMMARY_FILE}: {summary.outcome} from {len(contents.events)} events{torn}")

    start = next(e for e in contents.events if e["type"] == ev.STARTED)
    folder = system_folder(start.get("data_dir"), data_dir)
    with report_kernel(local) as kernel:
        from bookstore_resil.report.charts import draw_chart

        charts = tuple(
            path for name in CHARTS if (path := draw_chart(name, summary, contents.events, local))
        )
        clock.done(f"charts: {', '.join(p.name for p in charts)}")
        notebook = execute_report_notebook(notebook_output, folder, kernel)
    clock.done(f"{REPORT_IPYNB}: executed")

    html_path = local / REPORT_HTML
    html_path.write_text(export_html(notebook, f"Exercise report {summary.exercise_id}"), "utf-8")
    clock.done(f"{REPORT_HTML}: exported")
    return _Built(summary_path, charts, html_path)


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix/`` -> (``bucket``, ``some/prefix``)."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    if not bucket or not prefix:
        raise ReportError(uri, "an S3 archive is s3://BUCKET/PREFIX/EXERCISE_ID")
    return bucket, prefix


def _build_s3(uri: str, data_dir: str | Path | None, clock: _Clock) -> ReportPaths:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = split_s3(uri)
    uri = f"s3://{bucket}/{prefix}"
    try:
        client = boto3.client("s3")
        with tempfile.TemporaryDirectory(prefix="bookstore-report-") as tmp:
            local = Path(tmp)
            try:
                client.download_file(
                    bucket, f"{prefix}/{ev.EVENTS_FILE}", str(local / ev.EVENTS_FILE)
                )
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                    raise ReportError(
                        uri, f"no {ev.EVENTS_FILE}: not an exercise archive"
                    ) from None
                raise
            clock.done(f"{ev.EVENTS_FILE}: downloaded from {uri}")
            built = _build(local, f"{uri}/{REPORT_IPYNB}", data_dir, clock)
            uploads = [built.summary, *built.charts, built.html]
            for path in uploads:
                client.upload_file(
                    str(path),
                    bucket,
                    f"{prefix}/{path.name}",
                    ExtraArgs={"ContentType": CONTENT_TYPES[path.suffix]},
                )
            clock.done(f"uploaded {len(uploads)} files to {uri}")
    except (BotoCoreError, ClientError) as error:
        raise ReportError(uri, f"S3: {error}") from None
    return ReportPaths(
        archive=uri,
        summary=f"{uri}/{built.summary.name}",
        charts=tuple(f"{uri}/{p.name}" for p in built.charts),
        notebook=f"{uri}/{REPORT_IPYNB}",
        html=f"{uri}/{built.html.name}",
    )


def build_report(
    archive_dir: str | Path,
    progress: Progress = stderr_progress,
    data_dir: str | Path | None = None,
) -> ReportPaths:
    """(Re)build the report of the archive at ``archive_dir`` (a folder or ``s3://`` URI).

    ``data_dir`` is the system definition for the dependency analysis; by default the one
    the exercise recorded. Progress goes to ``progress`` one line per phase.
    """
    clock = _Clock(progress)
    if str(archive_dir).startswith("s3://"):
        return _build_s3(str(archive_dir), data_dir, clock)
    local = Path(archive_dir).resolve()
    built = _build(local, str(local / REPORT_IPYNB), data_dir, clock)
    return ReportPaths(
        archive=str(local),
        summary=str(built.summary),
        charts=tuple(str(p) for p in built.charts),
        notebook=str(local / REPORT_IPYNB),
        html=str(built.html),
    )
