"""A hostile neighbour: a second, unprivileged local account acting against the lab.

Run as root (CI's container), the neighbour is ``nobody``, through ``runuser``, as in
tests/test_lab_is_closed_to_other_local_users.py. Its programs run on the system's Python
(``/usr/bin/python3``, the standard library only), which any account may run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

OTHER_USER = "nobody"
PYTHON = "/usr/bin/python3"

# An HTTP server that says yes to everything (200, a fine API root; 201 to any write) and
# prints each request it got, and whether it came signed with a key (``Authorization``).
YES_SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
ROOT = json.dumps({"authors": "/authors/", "books": "/books/"}).encode()
class Yes(BaseHTTPRequestHandler):
    def answer(self, status):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        signed = "signed" if self.headers.get("Authorization") else "unsigned"
        print("request", self.command, self.path, signed, flush=True)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ROOT)))
        self.end_headers()
        self.wfile.write(ROOT)
    def do_GET(self):
        self.answer(200)
    def do_HEAD(self):
        self.answer(200)
    def do_PUT(self):
        self.answer(200)
    def do_POST(self):
        self.answer(201)
    def log_message(self, *args):
        pass
server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Yes)
print("listening")
server.serve_forever()
"""

needs_a_neighbour = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("runuser") is None or not Path(PYTHON).exists(),
    reason="needs root, runuser and /usr/bin/python3 to act as another local user",
)


def as_neighbour(*argv: str, timeout_s: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", OTHER_USER, "--", *argv],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd="/",
        env={"PATH": os.environ["PATH"]},
    )


@contextlib.contextmanager
def neighbours_server(script: str, port: int) -> Iterator[subprocess.Popen]:
    """Run ``script`` (Python source, given the port as its argument) as the neighbour,
    once it printed its first line (``listening``); stopped and waited for at the end.
    Its output lines are what it saw."""
    server = subprocess.Popen(
        ["runuser", "-u", OTHER_USER, "--", PYTHON, "-u", "-c", script, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd="/",
        env={"PATH": os.environ["PATH"]},
        start_new_session=True,
    )
    try:
        first = server.stdout.readline() if server.stdout else ""
        if first.strip() != "listening":
            server.kill()
            _, error = server.communicate(timeout=10)
            raise AssertionError(f"the neighbour's server did not start: {first}{error}")
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def seen(server: subprocess.Popen) -> list[str]:
    """What the neighbour's server printed after ``listening`` (call once it is stopped)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    out, _ = server.communicate(timeout=10)
    return out.splitlines()
