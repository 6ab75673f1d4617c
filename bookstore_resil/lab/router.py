"""The lab's public address: a small reverse proxy that forwards every request to the API
instance named by the ``api`` record, read afresh for each request, so updating the record
("DNS") moves the traffic.

Run as ``python -m bookstore_resil.lab.router STATE_DIR PORT``.
"""

from __future__ import annotations

import http.client
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bookstore_resil.errors import TargetError
from bookstore_resil.lab.state import LOOPBACK, Lab

UPSTREAM_TIMEOUT_S = 10.0
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


class RouterHandler(BaseHTTPRequestHandler):
    lab: Lab

    def _forward(self) -> None:
        try:
            host, port = self.lab.records().address("api")
        except (TargetError, OSError, ValueError) as error:
            self._bad_gateway(f"no api record: {error}")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT_S)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            self._bad_gateway(f"upstream {host}:{port}: {error or type(error).__name__}")
            return
        finally:
            upstream.close()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _bad_gateway(self, detail: str) -> None:
        payload = json.dumps({"detail": f"bad gateway: {detail}"}).encode()
        self.send_response(502)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(lab: Lab, port: int) -> None:
    handler = type("Handler", (RouterHandler,), {"lab": lab})
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer((LOOPBACK, port), handler)
    server.daemon_threads = True
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    state_dir, port = argv or sys.argv[1:]
    serve(Lab.at(state_dir), int(port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
