"""A local HTTP receiver of Apprise's ``json://`` posts, for the announcement tests: every
post's JSON body kept, in order, before the answer goes back."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                length = int(self.headers.get("Content-Length", 0))
                posts.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}"

    def titles(self) -> list[str]:
        return [post["title"] for post in self.posts]


@contextmanager
def receiver() -> Iterator[Receiver]:
    got = Receiver()
    thread = threading.Thread(target=got.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        got.server.shutdown()
        got.server.server_close()
