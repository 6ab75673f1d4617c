"""Where a report opens from: a link the Jupyter server that runs this kernel can serve.

JupyterLab resolves a relative link from the notebook's folder, and serves nothing outside
the folder it was started in: ``../reports/ID/report.html`` from ``notebooks/`` is a 404
when JupyterLab was started in ``notebooks/``. The server that started the kernel is its
parent process and says where its root is (its runtime file ``jpserver-PID.json``), so the
link is made against that root (``BASE/files/PATH``), and a report outside it gets no link
but its path, to copy.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True)
class ReportLink:
    """A report's ``href`` (None: the server cannot serve it) and its path on disk."""

    href: str | None
    path: Path

    def links(self, text: str) -> tuple[tuple[str, str], ...]:
        """The (text, href) pairs a headline shows under it: none without an href."""
        return ((text, self.href),) if self.href else ()

    @property
    def note(self) -> str:
        """What to say when there is no link: where the report is, to open by hand."""
        return "" if self.href else f"{self.path} (outside the folder JupyterLab serves)"


def jupyter_server() -> dict[str, Any] | None:
    """The Jupyter server that started this kernel (its runtime file's contents: root_dir,
    base_url, ...), None outside one (papermill, a terminal, another front end)."""
    from jupyter_core.paths import jupyter_runtime_dir

    path = Path(jupyter_runtime_dir()) / f"jpserver-{os.getppid()}.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and "root_dir" in info else None


def report_link(report: str | Path, server: dict[str, Any] | None = None) -> ReportLink:
    """The link to ``report``: under the Jupyter server's root, ``BASE/files/PATH``;
    outside it, none; with no server, the path relative to the working directory (the
    notebook's folder, from which a front end resolves it)."""
    report = Path(report).absolute()
    server = server if server is not None else jupyter_server()
    if server is None:
        return ReportLink(Path(os.path.relpath(report, Path.cwd())).as_posix(), report)
    root = Path(server["root_dir"]).expanduser().resolve()
    try:
        inside = report.resolve().relative_to(root)
    except ValueError:
        return ReportLink(None, report)
    base = str(server.get("base_url") or "/").rstrip("/")
    return ReportLink(f"{base}/files/{quote(inside.as_posix())}", report)
