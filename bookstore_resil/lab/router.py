"""The lab's public address: a small reverse proxy that forwards every request to the API
instance named by the ``api`` record, read afresh for each request, so updating the record
("DNS") moves the traffic.

Only an instance that proves it is the lab's (:mod:`.identity`) is forwarded to: an answer
from anything else on the instance's port (another user's server, after a fault freed
it) becomes 502, for users and the lab's probes and canary alike. The router proves
itself the same way to whoever asks.

Run as ``python -m bookstore_resil.lab.router STATE_DIR PORT``.
"""

from __future__ import annotations

import http.client
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bookstore_resil.errors import TargetError
from bookstore_resil.lab.identity import NONCE_HEADER, PROOF_HEADER, new_nonce, proof, proves
from bookstore_resil.lab.state import LOOPBACK, Lab

UPSTREAM_TIMEOUT_S = 10.0
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
# Never passed through: the router asks the instance with a nonce of its own and answers
# its caller with a proof of its own.
IDENTITY = {NONCE_HEADER.lower(), PROOF_HEADER.lower()}


class RouterHandler(BaseHTTPRequestHandler):
    lab: Lab
    key: str
    address: str

    def _forward(self) -> None:
        try:
            host, port = self.lab.records().address("api")
        except (TargetError, OSError, ValueError) as error:
            self._bad_gateway(f"no api record: {error}")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        passed = HOP_BY_HOP | IDENTITY
        headers = {k: v for k, v in self.headers.items() if k.lower() not in passed}
        nonce = headers[NONCE_HEADER] = new_nonce()
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
        if not proves(self.key, nonce, f"{host}:{port}", response.getheader(PROOF_HEADER)):
            self._bad_gateway(f"upstream {host}:{port} is not the lab's instance")
            return
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in passed and key.lower() != "content-length":
                self.send_header(key, value)
        self._send_proof()
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _bad_gateway(self, detail: str) -> None:
        payload = json.dumps({"detail": f"bad gateway: {detail}"}).encode()
        self.send_response(502)
        self._send_proof()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _send_proof(self) -> None:
        signed = proof(self.key, self.headers.get(NONCE_HEADER, ""), self.address)
        if signed:
            self.send_header(PROOF_HEADER, signed)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(lab: Lab, port: int) -> None:
    handler = type(
        "Handler",
        (RouterHandler,),
        {"lab": lab, "key": lab.secrets().endpoint_key, "address": f"{LOOPBACK}:{port}"},
    )
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
