"""The lab's CDN server: moto's S3 API behind a door only the lab's owner has the key to.

Run as ``python -m bookstore_resil.lab.cdn_server STATE_DIR PORT``. moto's server checks
no key and answers ``/moto-api/`` (reset, the whole state) to anyone, so on a shared
machine any local user could empty or rewrite the bucket. Here anyone may read the CDN's
files (``GET``/``HEAD`` of ``/BUCKET/static/...``, as a CDN serves them to users); any
other request is refused unless it is signed with the lab's access key, which only the
owner can read (``STATE/secrets.json``, 0600). The key id is checked, not the signature:
the door is against other users of the machine, who cannot read the key, not against the
owner's own tools. Every answer proves it is the lab's CDN (:mod:`.identity`), so
another user's server on its port reads as down.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from bookstore_resil.lab.identity import NONCE_HEADER, PROOF_HEADER, proof
from bookstore_resil.lab.state import BUCKET, LOOPBACK, Lab

PUBLIC_PREFIX = f"/{BUCKET}/static/"
NONCE_VARIABLE = "HTTP_" + NONCE_HEADER.upper().replace("-", "_")
REFUSED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied: the lab's CDN takes changes from its owner only</Message></Error>"
)


class OwnerOnly:
    """WSGI middleware: public reads of the CDN's files, the rest for the lab's key; every
    answer with its proof of identity."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        access_key: str,
        endpoint_key: str,
        address: str,
    ):
        self.app = app
        self.signed = f"Credential={access_key}/"
        self.endpoint_key = endpoint_key
        self.address = address

    def allows(self, environ: dict[str, Any]) -> bool:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        # An object read as a CDN serves it (no query: not a listing, not its ACL).
        read = method in ("GET", "HEAD") and path.startswith(PUBLIC_PREFIX)
        if read and not environ.get("QUERY_STRING"):
            return True
        return self.signed in environ.get("HTTP_AUTHORIZATION", "")

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        signed = proof(self.endpoint_key, environ.get(NONCE_VARIABLE, ""), self.address)
        if signed:
            start_response = _with_header(start_response, (PROOF_HEADER, signed))
        if self.allows(environ):
            return self.app(environ, start_response)
        start_response(
            "403 Forbidden",
            [("Content-Type", "application/xml"), ("Content-Length", str(len(REFUSED)))],
        )
        return [REFUSED]


def _with_header(start_response: Callable, header: tuple[str, str]) -> Callable:
    def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        return start_response(status, [*headers, header], *exc_info)

    return start


def main(argv: list[str] | None = None) -> int:
    state_dir, port = (argv or sys.argv[1:])[:2]
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    os.environ.setdefault("MOTO_PORT", port)
    # werkzeug logs every request at INFO: the CDN probe's ten a second would grow
    # logs/cdn.log by over 30 MB in an 8-hour game day. Errors and warnings stay.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    keys = Lab.at(state_dir).secrets()
    app = OwnerOnly(
        DomainDispatcherApplication(create_backend_app),
        keys.s3_access_key,
        keys.endpoint_key,
        f"{LOOPBACK}:{port}",
    )
    run_simple(LOOPBACK, int(port), app, threaded=True, request_handler=MotoRequestHandler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
