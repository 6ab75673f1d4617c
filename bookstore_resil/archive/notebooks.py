"""Notebook runs that fill an archive: papermill with a quiet local kernel, a kernel started
ahead of time, and the offline HTML export.

Heavy imports (papermill, nbconvert, jupyter_client) happen inside the functions, so
importing this module costs nothing until a notebook runs.

papermill writes its output notebook in one go at the end here (not again after every
cell), and even so a full disk or a kill would leave it cut in half. So it writes a partial
file beside the output (see
:func:`~bookstore_resil.archive.layout.partial_path`), renamed into place once papermill
is done with it, a failed cell included (the notebook then shows the error).
"""

from __future__ import annotations

import contextlib
import functools
import html
import os
import signal
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from bookstore_resil.archive.layout import ARCHIVE_FILE_MODE, partial_path
from bookstore_resil.errors import ReportError

Result = TypeVar("Result")


def _written_whole(output: Path, write: Callable[[str], Result], whole: type[Exception]) -> Result:
    """``write(partial)``, then the partial file renamed to ``output``; also when ``write``
    raises ``whole`` (the notebook failed in a cell, and was written with the error). On
    any other failure the partial file is removed and ``output`` left as it was."""
    partial = partial_path(output)
    try:
        result = write(str(partial))
    except whole:
        _move_into_place(partial, output)
        raise
    except OSError as error:  # named for the file it was for, not the partial one
        partial.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror or str(error), str(output)) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _move_into_place(partial, output)
    return result


def _move_into_place(partial: Path, output: Path) -> None:
    os.chmod(partial, ARCHIVE_FILE_MODE)
    os.replace(partial, output)


KERNEL = "python3"
HOW_TO_TAG = "how-to"  # a notebook cell that says how to run it, left out of report.html
# A local kernel's own log (a TCP-without-encryption warning) is noise on the caller's
# stderr; its input history is kept in memory, as nbclient does, not in ~/.ipython.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=CRITICAL", "--HistoryManager.hist_file=:memory:")
# Short, private folder for the kernels' Unix sockets (a socket path has ~107 characters).
SOCKETS = Path(tempfile.gettempdir()) / f"bookstore-resil-{os.getuid()}"
START_TIMEOUT_S = 60  # papermill's own wait for a kernel it starts


def local_kernel_class() -> type:
    """The kernel manager of every notebook run here: channels on Unix sockets, not TCP.

    A TCP kernel binds ports picked free a moment before; during a game day the probes and
    the canary open connections many times a second from the same ephemeral range, and
    one of them can take such a port first ("Address already in use", then "Kernel died
    before replying to kernel_info": no report after Finish). A socket file cannot be
    taken that way.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    class LocalKernel(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _socket_prefix(self) -> str:
            SOCKETS.mkdir(mode=0o700, exist_ok=True)
            return str(SOCKETS / f"kernel-{uuid.uuid4().hex[:12]}")

    return LocalKernel


def run_notebook(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    cwd: Path,
    stdout: Any = None,
    started: Callable[[int], None] | None = None,
    kernel: Any = None,
) -> str | None:
    """Execute ``notebook`` into ``output`` with papermill, its kernel in ``cwd``; the error
    of the cell that failed (or of the kernel, killed or gone), or None.

    ``kernel`` is one :func:`notebook_kernel` started ahead (it moves to ``cwd`` first, and
    is the caller's to stop); without it one starts here and is killed once the last cell
    ran. ``started`` gets the kernel's pid (the leader of a process group of its own) as
    the first cell is sent to it: before that, the kernel has nothing of the notebook's to
    stop."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    with nullcontext(kernel) if kernel else notebook_kernel(cwd) as running:
        pid = running.provisioner.pid

        def execute(into: str) -> None:
            papermill.execute_notebook(
                str(notebook),
                into,
                parameters=parameters,
                kernel_name=KERNEL,
                progress_bar=False,
                stdout_file=stdout,
                km=running,
                on_cell_execute=(lambda **_: started(pid)) if started else None,
                # Written once at the end (with the failed cell's error, if one failed): a
                # copy after each cell, markdown ones included, held the next cell back.
                request_save_on_cell_execute=False,
            )

        try:
            if kernel:
                work_in(running, cwd)
            _written_whole(output, execute, papermill.PapermillExecutionError)
        except papermill.PapermillExecutionError as exc:
            return f"{exc.ename}: {exc.evalue}"
        except (DeadKernelError, CellTimeoutError, KernelGone) as exc:
            first = (str(exc).strip().splitlines() or ["the kernel is gone"])[0]
            return f"{type(exc).__name__}: {first}"
    return None


@contextmanager
def notebook_kernel(local: Path) -> Iterator[Any]:
    """A notebook's kernel, started at once in ``local`` (the archive folder, or its parent
    before the archive is made: see :func:`work_in`).

    papermill would start the kernel only when it executes; started here, it boots on
    another core while the caller does other work (the report draws its charts). At the
    end the clients papermill opened on it are closed (it does not close what it does not
    own) and the kernel is killed: the notebook holds nothing that needs a graceful
    shutdown.
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_core.utils import run_sync
    from traitlets import List

    class Kernel(local_kernel_class()):  # type: ignore[misc]
        opened: List[Any] = List()

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
        _kill(kernel.provisioner.process)
        run_sync(kernel.shutdown_kernel)(now=True)  # finds it gone; removes its files


def _kill(process: subprocess.Popen[bytes] | None) -> None:
    """Kill a kernel's process group and reap it as soon as it is gone: jupyter_client's
    own kill looks again only every 0.1 s, longer than a killed kernel takes to go."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):  # already gone, maybe not yet reaped
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()  # no timeout: Popen then sleeps in steps of up to 50 ms, not in waitpid


class KernelGone(RuntimeError):
    """A kernel started ahead died or never answered before its notebook ran."""


def work_in(kernel: Any, folder: Path) -> None:
    """Move ``kernel`` (see :func:`notebook_kernel`) to ``folder``, as if it had started
    there; return once it has (after whatever it was asked to run before)."""
    client = kernel.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=START_TIMEOUT_S)
        code = f"__import__('os').chdir({str(folder)!r})"
        client.execute(code, silent=True, store_history=False, reply=True, timeout=None)
    except RuntimeError as error:  # it died, or never answered
        raise KernelGone(str(error)) from None
    finally:
        client.stop_channels()


def import_ahead(kernel: Any, modules: Sequence[str]) -> None:
    """Have ``kernel`` (see :func:`notebook_kernel`) import ``modules`` as soon as it is up,
    and return at once: the imports run while the caller does something else.

    ``__import__`` binds no name in the notebook's namespace: the notebook then finds the
    modules already loaded, nothing else. A module that fails to import fails again, with
    its error, in the notebook's own cell.
    """
    run_ahead(kernel, "".join(f"__import__({name!r})\n" for name in modules))


def run_ahead(kernel: Any, code: str) -> None:
    """Have ``kernel`` run ``code`` before anything asked of it later (a notebook run on it
    next waits for it), and return at once. The request is silent: it leaves no output and
    no execution count (the notebook next numbers its cells from 1), and an error in it is
    seen by no one, so ``code`` does only what the notebook would do itself if it were
    left undone."""
    client = kernel.client()  # closed with the kernel
    # The shell channel alone: the reply is never read, and the heartbeat's thread would
    # make its socket on the kernel's context while a kernel killed at once (a refused
    # drill) destroys it ("ZMQError: Too many open files" in that thread).
    client.start_channels(iopub=False, stdin=False, hb=False, control=False)
    client.execute(code, silent=True, store_history=False)


def execute_on_kernel(notebook: Path, output: str, parameters: dict[str, Any], kernel: Any) -> Any:
    """Run ``notebook`` on ``kernel`` (see :func:`notebook_kernel`); write it to ``output``
    (a local path, whole or not at all, or an ``s3://`` URI papermill writes itself)."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if not notebook.is_file():
        raise ReportError(output, f"the notebook {notebook} is missing")

    def execute(into: str) -> Any:
        return papermill.execute_notebook(
            str(notebook),
            into,
            parameters=parameters,
            kernel_name=KERNEL,
            progress_bar=False,
            request_save_on_cell_execute=False,
            km=kernel,
        )

    try:
        if "://" in output:
            return execute(output)
        return _written_whole(Path(output), execute, PapermillExecutionError)
    except PapermillExecutionError as error:
        raise ReportError(
            output,
            f"{notebook.name} failed in cell {error.exec_count}: {error.ename}: {error.evalue}",
        ) from None
    except (DeadKernelError, CellTimeoutError, RuntimeError) as error:
        raise ReportError(output, f"{notebook.name} could not run: {error}") from None


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


@functools.cache
def _html_exporter() -> tuple[Any, threading.Lock]:
    """The one HTML exporter of this process (its templates are loaded and compiled once),
    and the lock that keeps two threads from rendering with it at once."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={HOW_TO_TAG}, enabled=True), enabled=True
    )
    return exporter, threading.Lock()


def export_html(notebook: Any, title: str) -> str:
    """The executed notebook as one offline page: outputs and markdown, no code, and no
    cell tagged ``how-to`` (how to run the notebook is for its users, not its readers)."""
    exporter, rendering = _html_exporter()
    with rendering:
        body, _ = exporter.from_notebook_node(notebook)
    return PAGE.format(title=html.escape(title), style=STYLE, body=body)


def warm_html_export() -> None:
    """Load and compile the export's templates now (an empty notebook rendered), for a
    caller with time to spare before its first :func:`export_html`."""
    import nbformat

    export_html(nbformat.v4.new_notebook(), "")
