"""Plain HTTP for the lab's checks, canary and startup waits: one request, a short timeout,
and a connection error returned as an answer instead of raised.

Only the standard library, and nothing else of the lab: the CDN, the API and the checks
all wait on HTTP, so this module sits under them rather than inside any one of them.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT_S = 1.0


@dataclass(frozen=True)
class HttpAnswer:
    """What a request got: a status and the start of the body, or the connection error."""

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
