"""Health checks of the lab's three endpoints: quick (about 1 s at most), never raising.

They back the probes, ``lab status`` and the ``http_check``/``db_check`` actions.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bookstore_resil.lab import postgres
from bookstore_resil.lab.cdn import object_url
from bookstore_resil.lab.state import Lab
from bookstore_resil.targets.base import Probe

TIMEOUT_S = 1.0


@dataclass(frozen=True)
class HttpAnswer:
    """What a GET got: a status and the start of the body, or the connection error."""

    url: str
    status: int | None
    body: bytes = b""
    error: str = ""

    def describe(self) -> str:
        if self.status is None:
            return f"GET {self.url}: failed to connect: {self.error}"
        excerpt = self.body[:300].decode("utf-8", "replace")
        return f"GET {self.url}: HTTP {self.status}\n{excerpt}"


def http_request(
    method: str, url: str, body: dict | None = None, timeout_s: float = TIMEOUT_S
) -> HttpAnswer:
    """One request with a JSON body (or none); connection errors become the answer."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout_s)
    headers = {"Accept": "application/json, */*;q=0.1"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=payload, headers=headers)
        response = conn.getresponse()
        return HttpAnswer(url, response.status, response.read())
    except (OSError, http.client.HTTPException) as error:
        return HttpAnswer(url, None, error=str(error) or type(error).__name__)
    finally:
        conn.close()


def http_get(url: str, timeout_s: float = TIMEOUT_S) -> HttpAnswer:
    return http_request("GET", url, timeout_s=timeout_s)


def api_root_ok(answer: HttpAnswer) -> bool:
    """The API root answers 200 with JSON listing ``authors`` and ``books``."""
    if answer.status != 200:
        return False
    try:
        document = json.loads(answer.body)
    except ValueError:
        return False
    return isinstance(document, dict) and {"authors", "books"} <= document.keys()


def api_probe(lab: Lab) -> Probe:
    url = lab.router_url() + "/"
    return Probe("api", url, lambda: _safe(lambda: api_root_ok(http_get(url))))


def _db_ok(lab: Lab) -> bool:
    host, port = lab.records().address("db")
    return postgres.ping(host, port)


def db_probe(lab: Lab) -> Probe:
    """Connects to whatever the ``db`` record names at each check. Probes are named by the
    system definition's service ids: ``api``, ``database``, ``cdn``."""
    return Probe("database", f"postgresql://{lab.records().db}", lambda: _safe(lambda: _db_ok(lab)))


def cdn_probe(lab: Lab) -> Probe:
    return Probe(
        "cdn", object_url(lab), lambda: _safe(lambda: http_get(object_url(lab)).status == 200)
    )


def lab_probes(lab: Lab) -> list[Probe]:
    return [api_probe(lab), db_probe(lab), cdn_probe(lab)]


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        return False
