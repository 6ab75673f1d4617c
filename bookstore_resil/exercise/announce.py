"""Announcements: the game day posts in the team's channel as it goes, as real game days do
(GitLab's change issues, Gremlin's Slack notifications): *started* (the scenario, the fault,
the RTO deadline, the coordinator), *halted* (why), *finished* (the verdict, the downtime,
the data loss, where the report is) and every *objective missed*.

Where to post is a list of Apprise URLs (``slack://``, ``mmost://``, ``msteams://``,
``json://``, ...; https://github.com/caronc/apprise), from ``target.yaml``'s ``announce:``
and notebook 02's ``announce`` parameter, posted through the ``apprise`` library (the
``[announce]`` extra). An :class:`Announcer` listens to the exercise's events
(:meth:`~bookstore_resil.exercise.engine.Exercise.on_event`) and posts on a worker thread of
its own, in order, so a slow or dead chat server never holds the exercise; the worker is
joined when the process exits, so a drill's last post goes out before its kernel is gone. A
post that fails is a warning (the log, and the panel through :attr:`Announcer.warned`),
never a stopped exercise; the URLs' secrets never reach the log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive import layout
from bookstore_resil.archive.measure import Summary, summarize_log
from bookstore_resil.define.units import format_duration
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.log import logger
from bookstore_resil.secrets import MASK, redact

MISSING = "apprise is not installed: pip install 'bookstore-resil[announce]'"


@dataclass(frozen=True)
class Post:
    title: str
    body: str
    kind: str = "info"  # Apprise's notify types: info, success, warning, failure


def secrets_of(url: str) -> list[str]:
    """The parts of an Apprise URL that may be credentials: its password, path segments and
    query values, and a host that is no host name (Slack's first token)."""
    parts = urlsplit(url)
    found = [url, parts.password or ""]
    found += [segment for segment in parts.path.split("/") if segment]
    found += [value for _, value in parse_qsl(parts.query)]
    host = parts.hostname or ""
    if host and "." not in host and host != "localhost":
        found.append(host)
    return [s for s in found if s]


def shown(url: str) -> str:
    """An Apprise URL as the log may show it: Apprise's own privacy form, else the scheme."""
    try:
        import apprise

        plugin = apprise.Apprise.instantiate(url)
    except ImportError:
        plugin = None
    if plugin is not None:
        return plugin.url(privacy=True).split("?", 1)[0]
    return f"{urlsplit(url).scheme or '?'}://{MASK}"


def started(exercise: Exercise) -> Post:
    scenario, fault_at = exercise.scenario, exercise.fault_at or clock.now()
    zone = exercise.system.timezone
    rto = scenario.rto_s
    deadline = (
        "none (no RTO)"
        if rto is None
        else clock.beside_utc(fault_at + timedelta(seconds=rto), zone, date=True)
    )
    fault = exercise.fault if exercise.fault and not exercise.dry_run else "none (dry run)"
    roles = exercise.room.roles
    lines = [
        f"Scenario {scenario.id} ({scenario.title}) on {exercise.target.name}",
        f"Fault: {fault} at {clock.beside_utc(fault_at, zone)}",
        f"RTO {format_duration(scenario.rto_s)}: deadline {deadline}",
        f"Coordinator: {roles.coordinator or 'not named'}",
        f"Exercise {exercise.exercise_id}",
    ]
    return Post(f"Game day started: {scenario.title}", "\n".join(lines), "warning")


def halted(exercise: Exercise, event: dict[str, Any]) -> Post:
    when = clock.beside_utc(event["ts"], exercise.system.timezone)
    reason = event.get("reason") or "no reason given"
    return Post(f"Game day halted: {exercise.scenario.title}", f"Halted at {when}: {reason}")


def finished(exercise: Exercise, summary: Summary) -> list[Post]:
    """The verdict as the report's headline words it, and one post per missed objective."""
    from bookstore_resil.report.findings import find
    from bookstore_resil.report.headline import headline

    found = find(summary)
    head = headline(summary, found)
    report = exercise.archive_dir.absolute() / layout.REPORT_HTML
    lines = [f"{summary.outcome.upper()}: {head.sentence}"]
    lines += [f"{line.label}: {line.status}: {line.text}" for line in head.lines]
    lines.append(f"Report: {report}")
    kind = "success" if summary.outcome == "passed" else "failure"
    posts = [Post(f"Game day finished: {summary.title}: {summary.outcome}", "\n".join(lines), kind)]
    posts += [
        Post(f"Objective missed: {summary.title}", verdict.text, "failure")
        for verdict in found.verdicts
        if verdict.status == "missed"
    ]
    return posts


class Announcer:
    """Posts an exercise's start, halt, finish and missed objectives to ``urls``."""

    def __init__(self, exercise: Exercise, urls: Iterable[str]):
        self.exercise = exercise
        self.urls = list(dict.fromkeys(urls))
        self.warned: list[Callable[[str], None]] = []  # the panel shows a failed post
        self.warnings: list[str] = []
        self._announced_start = exercise.fault_at is not None  # resumed: said already
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="announce")
        self._last: Future[None] | None = None

    def take(self, event: dict[str, Any]) -> None:
        """An event of the exercise (its listener): queue what it announces."""
        kind = event["type"]
        if kind in (ev.FAULT, ev.OUTAGE) and not self._announced_start:
            self._announced_start = True
            self._queue(lambda: [started(self.exercise)])
        elif kind == ev.HALTED:
            self._queue(lambda: [halted(self.exercise, event)])
        elif kind == ev.FINISHED:
            path = self.exercise.log.path  # closed by the time the worker reads it
            self._queue(lambda: finished(self.exercise, summarize_log(path)))

    def flush(self, timeout_s: float | None = None) -> None:
        """Wait until every post queued so far went out (or failed)."""
        if self._last is not None:
            self._last.result(timeout_s)

    def _queue(self, make: Callable[[], list[Post]]) -> None:
        with self._lock:
            self._last = self._worker.submit(self._send, make)

    def _send(self, make: Callable[[], list[Post]]) -> None:
        try:
            posts = make()
        except Exception as error:  # an announcement never stops the exercise
            self._warn(f"announcement not made: {error}")
            return
        for post in posts:
            self._post(post)

    def _post(self, post: Post) -> None:
        try:
            import apprise
        except ImportError:
            self._warn(MISSING)
            return
        for url in self.urls:
            channel = apprise.Apprise()
            if not channel.add(url):
                self._warn(f"announce: {shown(url)}: not an Apprise URL Apprise knows")
                continue
            with apprise.LogCapture(level=apprise.logging.WARNING) as said:
                sent = channel.notify(title=post.title, body=post.body, notify_type=post.kind)
            if not sent:
                why = " ".join(said.getvalue().split(" - ")[-1:]).strip() or "no answer"
                self._warn(f"announce: {shown(url)}: {post.title!r} not posted: {why}", url)

    def _warn(self, text: str, url: str = "") -> None:
        text = redact(text, secrets_of(url)) if url else text
        logger.warning("%s", text)
        self.warnings.append(text)
        for listener in self.warned:
            listener(text)


def announce(exercise: Exercise, urls: Iterable[str]) -> Announcer | None:
    """An :class:`Announcer` listening to ``exercise``; None when there is nowhere to post."""
    urls = [u for u in urls if u]
    if not urls:
        return None
    announcer = Announcer(exercise, urls)
    exercise.on_event(announcer.take)
    return announcer
