"""The observers' view: a read-only page of an exercise, built from its event log alone.

``bookstore-resil watch ARCHIVE_DIR`` serves it on 127.0.0.1 with the standard library's
``http.server``. The page refreshes itself every two seconds (a meta refresh: no script)
until the exercise has ended and its report is written (then nothing changes any more, and a
reader scrolling the verdict is not pulled back every two seconds), holds no button, no form
and no link that changes anything, and reads nothing but ``events.jsonl`` (and, once
written, ``report.html``, which it links). A second screen in the room, or an observer's
browser on the same machine, follows the clock, the endpoints, the steps with their notes,
the observations and notifications, and the verdict at the end, with no way to touch the
exercise: the facilitator's panel keeps every control.
"""

from __future__ import annotations

import functools
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive import layout
from bookstore_resil.archive.measure import steps_of, summarize
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import step_status
from bookstore_resil.errors import ResilError, UsageError
from bookstore_resil.templates import Markup, render

if TYPE_CHECKING:
    from bookstore_resil.report.context import SystemContext

HOST = "127.0.0.1"
REFRESH_S = 2


def _local(moment: datetime | str, zone: str) -> str:
    return clock.beside_utc(moment, zone)


def _clock(
    start: dict[str, Any], fault: dict[str, Any] | None, end: str | None
) -> dict[str, str] | None:
    """Since the fault, the RTO deadline and what is left of it; None before the fault."""
    if fault is None:
        return None
    fault_at = clock.parse_ts(fault.get("at", fault["ts"]))
    rto = float(start["rto_s"])
    elapsed = ((clock.parse_ts(end) if end else clock.now()) - fault_at).total_seconds()
    left = (
        f"ended after {format_duration(elapsed)}"
        if end
        else f"{format_duration(rto - elapsed)} left"
        if elapsed <= rto
        else f"RTO passed {format_duration(elapsed - rto)} ago"
    )
    deadline = fault_at + timedelta(seconds=rto)
    return {
        "elapsed": format_duration(elapsed),
        "rto": format_duration(rto),
        "deadline": clock.beside_utc(deadline, start.get("timezone", "UTC"), date=True),
        "left": left,
    }


def _endpoints(events: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    last: dict[str, bool] = {}
    for event in events:
        if event["type"] == ev.PROBE:
            last[event["endpoint"]] = bool(event["up"])
    return sorted(last.items())


def _steps(events: list[dict[str, Any]], zone: str) -> list[tuple[str, ...]]:
    """Each step: when it opened, its status (``current`` while it runs), id, title, by, note."""
    titles = {e["step"]: e.get("title", "") for e in events if e["type"] == ev.STEP_STARTED}
    halted = any(e["type"] == ev.HALTED for e in events)
    rows: list[tuple[str, ...]] = []
    for step in steps_of(events):
        shown = step_status(step.status, step.handled, halted)
        status = "current" if shown == "running" else shown
        title = titles.get(step.id, "")
        rows.append(
            (_local(step.started_at, zone), status, step.id, title, step.by or "", step.note or "")
        )
    return rows


def _room(events: list[dict[str, Any]], zone: str) -> list[tuple[str, ...]]:
    """What people wrote down and whom they notified, newest first: when, kind, who, text."""
    kinds = (ev.OBSERVATION, ev.DEVIATION, ev.NOTIFICATION, ev.NOTE)
    rows: list[tuple[str, ...]] = []
    for event in reversed(events):
        if event["type"] not in kinds or (event["type"] == ev.NOTE and event.get("author") is None):
            continue
        who = event.get("author") or event.get("by") or "-"
        text = (
            f"{event['contact']} notified ({event.get('reason', '')})"
            if event["type"] == ev.NOTIFICATION
            else event.get("text", "")
        )
        rows.append((_local(event["ts"], zone), event["type"], who, text))
    return rows


@functools.lru_cache(maxsize=8)
def _system(data_dir: str | None) -> SystemContext:
    """The system the exercise recorded, read once (the page is asked for every 2 s)."""
    from bookstore_resil.report.context import recorded_system

    return recorded_system(data_dir)


def _verdict(events: list[dict[str, Any]], start: dict[str, Any], has_report: bool) -> str:
    """The verdict as the panel and the report give it: the same findings, the same owners
    (the dependency analysis and the contacts come from the recorded system)."""
    from bookstore_resil.report.context import findings_of
    from bookstore_resil.report.headline import headline, render

    summary = summarize(events)
    links = (("Open the report", "report.html"),) if has_report else ()
    found = findings_of(summary, _system(start.get("data_dir")))
    return render(headline(summary, found), links)


def page(events: list[dict[str, Any]], has_report: bool = False) -> str:
    """The observer page of an exercise's events (pure: the server only reads the log)."""
    start = next((e for e in events if e["type"] == ev.STARTED), None)
    if start is None:
        raise UsageError("the event log has no exercise_started event")
    zone = start.get("timezone", "UTC")
    fault = next((e for e in events if e["type"] in (ev.FAULT, ev.OUTAGE)), None)
    finished = next((e for e in events if e["type"] == ev.FINISHED), None)
    halted = next((e for e in events if e["type"] == ev.HALTED), None)
    briefing = next((e for e in reversed(events) if e["type"] == ev.BRIEFING), None)
    state = "halted" if halted else "finished" if finished else "running" if fault else "ready"
    return render(
        "observer.html",
        refresh=None if finished and has_report else REFRESH_S,
        title=f"{state}: {start.get('title', '')}",
        exercise=start["exercise_id"],
        cannot_show="",
        heading=start.get("title", start["scenario"]),
        state=state,
        target=start["target"],
        halted=halted and {"at": _local(halted["ts"], zone), "reason": halted.get("reason") or ""},
        verdict=Markup(_verdict(events, start, has_report)) if finished else "",
        now=_local(finished["ts"] if finished else clock.now(), zone),  # stops at the end
        clock=_clock(start, fault, finished["ts"] if finished else None),
        endpoints=_endpoints(events),
        hypothesis=briefing.get("hypothesis", "") if briefing else "",
        steps=_steps(events, zone),
        room=_room(events, zone),
    )


def _page_of(archive: Path, has_report: bool) -> str:
    """The page of the archive's log or, when it cannot be shown, a page saying why in one
    line: never a traceback and an empty reply. It refreshes as the page does, so a log
    mended or still being written shows once it reads."""
    try:
        return page(ev.read_events(layout.events_path(archive)).events, has_report)
    except ResilError as error:
        reason = str(error)
    except Exception as error:  # the observers get a page, whatever went wrong
        reason = f"unexpected {type(error).__name__}: {error}"
    return render(
        "observer.html",
        refresh=REFRESH_S,
        title="cannot show the exercise",
        exercise=archive.name,
        cannot_show=reason,
    )


def _handler(archive: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            report = archive / layout.REPORT_HTML
            if self.path.split("?")[0] in ("/", "/index.html"):
                body = _page_of(archive, report.is_file()).encode()
            elif self.path == f"/{layout.REPORT_HTML}" and report.is_file():
                body = report.read_bytes()
            else:
                self.send_error(404, "only the observer page and the report are served")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # the terminal is the watcher's
            pass

    return Handler


def server(archive_dir: str | Path, port: int = 0) -> ThreadingHTTPServer:
    """An observer server of the archive at ``archive_dir`` on 127.0.0.1 (``port`` 0: any
    free one), not started yet."""
    archive = Path(archive_dir).absolute()
    if not layout.holds_exercise(archive):
        raise UsageError(f"{archive}: no {layout.EVENTS_FILE}: not an exercise (yet)")
    return ThreadingHTTPServer((HOST, port), _handler(archive))


def url_of(served: ThreadingHTTPServer) -> str:
    host, port = served.server_address[:2]
    if isinstance(host, bytes):  # typeshed's view of a socket address; an IPv4 one is str
        host = host.decode()
    return f"http://{host}:{port}/"


def in_background(archive_dir: str | Path, port: int = 0) -> ThreadingHTTPServer:
    """An observer server running on a daemon thread (the panel, the tests); call
    ``shutdown()`` to stop it."""
    served = server(archive_dir, port)
    threading.Thread(target=served.serve_forever, daemon=True, name="observer-view").start()
    return served
