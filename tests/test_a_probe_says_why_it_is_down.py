"""Why a probe is down: every failed sample keeps a short reason (the connection error, the
HTTP status and the first bytes, the command's exit and its last words); the first of each
outage is in the event log, and the health check before a drill names it with its line in
target.yaml.

Before: ``system: not healthy: users (the probes of …/target.yaml)``, and no reason
anywhere in the archive."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bookstore_resil.archive import events as ev
from bookstore_resil.clock import ExerciseClock
from bookstore_resil.display import badge
from bookstore_resil.errors import TargetError
from bookstore_resil.exercise.watch import Watch
from bookstore_resil.targets.base import Checked
from tests.system_target_builders import system_target


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Unavailable(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = b"maintenance: back at noon"
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def unavailable() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_the_health_check_names_each_probe_its_reason_and_its_line(tmp_path, unavailable):
    refused = f"http://127.0.0.1:{closed_port()}/"
    target = system_target(
        tmp_path,
        probes=[
            {"name": "app", "run": "true"},
            {"name": "users", "http": {"url": refused}},
            {"name": "api", "http": {"url": unavailable}},
            {"name": "db", "run": "echo 'FATAL: the database system is starting up' >&2; exit 3"},
        ],
    )
    with pytest.raises(TargetError) as raised:
        target.check_ready()
    said = str(raised.value)
    assert said.startswith("system: not healthy: users: GET " + refused)
    assert ": [Errno 111] Connection refused (target.yaml:5)" in said
    assert "api: HTTP 503: GET " in said and "maintenance: back at noon" in said
    assert "db: exit status 3: FATAL: the database system is starting up (target.yaml:" in said
    assert "app" not in said.replace("application", "")


def test_the_first_failed_sample_of_an_outage_says_why_in_the_log(tmp_path):
    flag = tmp_path / "down"
    target = system_target(
        tmp_path,
        probes=[{"name": "app", "run": f"test ! -e {flag} || {{ cat {flag} >&2; exit 1; }}"}],
    )
    recorded: list[dict] = []
    seen = threading.Event()

    def record(type: str, **fields: object) -> dict:
        recorded.append({"type": type, **fields})
        if type == ev.PROBE and fields["up"] is False:
            seen.set()
        return recorded[-1]

    watch = Watch(target, 0.05, 0.5, record, ExerciseClock.start())
    watch.start(write_canary=False)
    try:
        # Whole at once: a probe between the file's creation and its write read it empty.
        written = tmp_path / "down.new"
        written.write_text("disk full on /var/lib/app\n")
        written.rename(flag)
        assert seen.wait(30), recorded
    finally:
        watch.stop()
    [down] = [e for e in recorded if e["type"] == ev.PROBE and e["up"] is False]
    assert down["reason"] == "exit status 1: disk full on /var/lib/app"
    # The panel's endpoint badge carries it as its tooltip.
    assert watch.down_reason["app"] == down["reason"]
    shown = badge("app DOWN", "down", watch.down_reason["app"])
    assert 'title="exit status 1: disk full on /var/lib/app"' in shown
    assert all("reason" not in e for e in recorded if e["type"] == ev.PROBE and e["up"])


def test_a_bare_false_and_a_raising_check_still_say_something():
    assert Checked.of(False).reason == "the check said down"
    assert Checked.of(Checked(False, "x" * 1000)).reason == "x" * 240
