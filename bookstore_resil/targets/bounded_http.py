"""One HTTP request bounded as a whole: connect, TLS, headers and body within one timeout.

urllib's timeout bounds each socket operation, not the request: an answer that drips a
byte every 0.3 s never times out at 1 s, and a probe would call the service up while its
users wait seconds. Here every connection the request opens (a redirect opens another) is
shut down when the timeout has passed, which ends a read blocked on it, and an answer cut
there, or finished only then, is no answer.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from functools import partial
from typing import Any


class _Deadline:
    """Shuts every connection of one request down once ``timeout_s`` has passed."""

    def __init__(self, timeout_s: float):
        self.at = time.monotonic() + timeout_s
        self.passed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(timeout_s, self._shut)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def connection(self, http_class: type[http.client.HTTPConnection], host: str, **kwargs: Any):
        """An ``http_class`` connection whose socket this deadline watches."""
        connection = http_class(host, **kwargs)
        # http.client opens its socket through this attribute (the TLS wrap comes after);
        # a private one, which typeshed does not declare.
        connection._create_connection = self._connect  # type: ignore[attr-defined]
        return connection

    def _connect(self, address: tuple[str, int], timeout: Any = None, source: Any = None):
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("no time left to connect")
        sock = socket.create_connection(address, left, source)
        with self._lock:
            self._sockets.append(sock)
            passed = self.passed
        if passed:
            _shut_down(sock)
        return sock

    def _shut(self) -> None:
        with self._lock:
            self.passed = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut_down(sock)


def _shut_down(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed, or never connected
        pass


class _Watched(urllib.request.AbstractHTTPHandler):
    deadline: _Deadline

    def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
        return super().do_open(partial(self.deadline.connection, http_class), req, **kwargs)


class _Http(_Watched, urllib.request.HTTPHandler):
    pass


class _Https(_Watched, urllib.request.HTTPSHandler):
    pass


def fetch(request: urllib.request.Request, timeout_s: float, limit: int) -> tuple[int, bytes]:
    """The status and the first ``limit`` bytes of the answer to ``request``, all of it
    within ``timeout_s``. Raises :class:`TimeoutError` when the answer was not in by then,
    and what urllib and http.client raise when there was no answer."""
    with _Deadline(timeout_s) as deadline:
        handlers = [_Http(), _Https()]
        for handler in handlers:
            handler.deadline = deadline
        opener = urllib.request.build_opener(*handlers)
        try:
            try:
                with opener.open(request, timeout=timeout_s) as response:
                    answer = response.status, response.read(limit)
            except urllib.error.HTTPError as error:
                with error:
                    answer = error.code, error.read(limit)
        except (OSError, http.client.HTTPException):
            if not deadline.passed:
                raise
    if deadline.passed:
        raise TimeoutError(f"no whole answer within {timeout_s:g}s")
    return answer
