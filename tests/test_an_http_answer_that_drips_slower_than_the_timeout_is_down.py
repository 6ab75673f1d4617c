"""A probe's timeout bounds the whole HTTP request, not each read: an endpoint that drips
one byte every 0.3 s (in its headers or in its body) is down for a probe with a 1 s
timeout, though no single read waits 1 s. A real local server does the dripping."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil.define.kinds import HttpSpec
from bookstore_resil.targets.system import http_call
from tests.system_target_builders import system_target

pytestmark = pytest.mark.waits  # each test waits out a timeout

BODY = b"ok" * 15
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
DRIP_S = 0.3


class DripServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer: tuple[bytes, bytes]):
        self.fast, self.slow = answer  # sent at once, then byte by byte
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", 0), Drip)


class Drip(socketserver.StreamRequestHandler):
    server: DripServer

    def handle(self) -> None:
        while self.rfile.readline() not in (b"\r\n", b""):
            pass  # the request's head
        try:
            self.wfile.write(self.server.fast)
            for byte in self.server.slow:
                if self.server.stopping.wait(DRIP_S):
                    return
                self.wfile.write(bytes([byte]))
        except OSError:  # the client gave up: that is the point
            pass


ANSWERS = {
    "headers": (b"", HEAD + b"Content-Length: 30\r\n\r\n" + BODY),
    "body-with-length": (HEAD + b"Content-Length: 30\r\n\r\n", BODY),
    "body-until-close": (HEAD + b"Connection: close\r\n\r\n", BODY),
}


def serve(answer: tuple[bytes, bytes]) -> Iterator[str]:
    server = DripServer(answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/health"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(params=list(ANSWERS), ids=list(ANSWERS))
def dripping(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from serve(ANSWERS[request.param])


@pytest.fixture
def prompt() -> Iterator[str]:
    yield from serve((HEAD + b"Content-Length: 30\r\n\r\n" + BODY, b""))


def test_an_answer_that_drips_slower_than_the_timeout_is_no_answer(dripping: str):
    began = time.monotonic()
    result = http_call(HttpSpec(url=dripping, timeout="1s"), timeout_s=1.0)
    took = time.monotonic() - began

    assert not result.ok
    assert result.error == f"GET {dripping}: no whole answer within 1s"
    assert took < 2.5  # the whole answer would take 9 s


def test_a_probe_of_a_dripping_endpoint_reads_down(tmp_path: Path, dripping: str):
    probe = {"name": "app", "http": {"url": dripping, "contains": "okok", "timeout": "1s"}}
    target = system_target(tmp_path, probes=[probe])
    assert not target.probes()[0].check()


def test_a_prompt_answer_is_still_up(tmp_path: Path, prompt: str):
    probe = {"name": "app", "http": {"url": prompt, "contains": "okok", "timeout": "1s"}}
    target = system_target(tmp_path, probes=[probe])
    assert target.probes()[0].check()
    result = http_call(HttpSpec(url=prompt), timeout_s=1.0)
    assert (result.ok, result.output) == (True, f"GET {prompt}: HTTP 200\n{BODY.decode()}")
