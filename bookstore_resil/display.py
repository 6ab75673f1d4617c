"""How every stage shows things: progress lines on stderr, the status colours, badges, and
the HTML and PNG objects Jupyter renders."""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Progress = Callable[[str], None]

STATUS_COLOURS = {
    "ok": "#2e7d32",
    "passed": "#2e7d32",
    "met": "#2e7d32",
    "held": "#2e7d32",
    "up": "#2e7d32",
    "rolled back": "#2e7d32",
    "failed": "#c62828",
    "missed": "#c62828",
    "did not hold": "#c62828",
    "error": "#c62828",
    "down": "#c62828",
    "left broken": "#c62828",
    "aborted": "#ef6c00",
    "halted": "#ef6c00",
    "open at halt": "#ef6c00",
    "running": "#f9a825",
    "undecided": "#f9a825",
    "branched": "#5e35b1",
    "skipped": "#757575",
    "not measured": "#757575",
    "inconclusive": "#757575",  # the probes never saw the fault: nothing judged
    "not tested": "#757575",
    "pending": "#9e9e9e",
    "dry run": "#1565c0",
    "current": "#1565c0",
}
NEUTRAL = "#455a64"


def to_stderr(line: str) -> None:
    """The one progress printer: a line on stderr, at once."""
    print(line, file=sys.stderr, flush=True)


def prefixed(prefix: str, progress: Progress = to_stderr) -> Progress:
    """Progress lines that start with ``prefix: ``."""
    return lambda line: progress(f"{prefix}: {line}")


def colour_of(status: str) -> str:
    return STATUS_COLOURS.get(status, NEUTRAL)


OPEN_AT_HALT = "open at halt"


def step_status(status: str, handled: bool = True, halted: bool = False) -> str:
    """What a step's badge says: a failed step the playbook branches on reads ``branched``
    (its check came out as the playbook foresaw and the failed: path took over), so only
    the failures nobody planned for show red; the step still open (``running`` in the
    log) when the exercise was halted reads ``open at halt``."""
    if status == "running" and halted:
        return OPEN_AT_HALT
    return "branched" if status == "failed" and handled else status


def show_in(output: Any, *shown: object) -> None:
    """Put ``shown`` in the ipywidgets ``Output`` widget ``output``, in place of what it held.

    Set as the widget's ``outputs``, not captured with ``with output: display(...)``: run
    headless (papermill), nbclient mimics a captured Output by sending messages back to
    the kernel, and now and then the cell then waits forever (jupyter/nbclient#312)."""
    from IPython.core.formatters import format_display_data

    outputs = []
    for item in shown:
        data, metadata = format_display_data(item)
        outputs.append({"output_type": "display_data", "data": data, "metadata": metadata})
    output.outputs = tuple(outputs)


def badge(text: str, status: str | None = None, title: str = "") -> str:
    """A coloured label in HTML, coloured by ``status`` (default: the text itself); ``title``
    is its tooltip (why an endpoint is down)."""
    tip = f' title="{html.escape(title)}"' if title else ""
    return (
        f'<span{tip} style="background:{colour_of(status or text)};color:#fff;padding:1px 7px;'
        f'border-radius:3px;font-weight:600;margin-right:6px">{html.escape(text)}</span>'
    )


@dataclass(frozen=True)
class Html:
    """HTML that Jupyter displays as is."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<HTML, {len(self.html)} characters>"


@dataclass(frozen=True)
class Png:
    """A PNG image displayed inline (and so embedded in report.html)."""

    data: bytes
    alt: str

    def _repr_png_(self) -> tuple[bytes, dict[str, str]]:
        return self.data, {"alt": self.alt}

    def __repr__(self) -> str:
        return f"<PNG image, {len(self.data)} bytes>"


def progress_bar(fraction: float, text: str, status: str = "current") -> str:
    """A progress bar in HTML with a line of text beside it (Finish waiting for recovery)."""
    share = min(max(fraction, 0.0), 1.0)
    return (
        '<div style="display:flex;align-items:center;gap:10px;margin:4px 0">'
        '<div style="width:240px;height:12px;background:#e0e0e0;border-radius:6px">'
        f'<div style="width:{share:.0%};height:12px;background:{colour_of(status)};'
        'border-radius:6px"></div></div>'
        f"<span>{html.escape(text)}</span></div>"
    )
