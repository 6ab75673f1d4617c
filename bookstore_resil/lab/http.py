"""Plain HTTP for the lab's checks, canary and startup waits: one request, a short timeout,
and a connection error returned as an answer instead of raised. Given the lab's endpoint
key, a request asks the endpoint to prove it is the lab's (:mod:`.identity`), and an
answer that does not is no answer.

Only the standard library and :mod:`.identity`: the CDN, the API and the checks all wait
on HTTP, so this module sits under them rather than inside any one of them.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from bookstore_resil.lab.identity import NONCE_HEADER, PROOF_HEADER, new_nonce, proves

TIMEOUT_S = 1.0


@dataclass(frozen=True)
class HttpAnswer:
    """What a request got: a status and the start of the body, or the connection error."""

    url: str
    status: int | None
    body: bytes = b""
    error: str = ""
    impostor: bool = False  # something answered, without the proof of being the lab's

    def describe(self) -> str:
        if self.status is None:
            return f"GET {self.url}: {self.error}"
        excerpt = self.body[:300].decode("utf-8", "replace")
        return f"GET {self.url}: HTTP {self.status}\n{excerpt}"


def http_request(
    method: str,
    url: str,
    body: dict | None = None,
    timeout_s: float = TIMEOUT_S,
    key: str | None = None,
) -> HttpAnswer:
    """One request with a JSON body (or none); connection errors become the answer. With
    the lab's endpoint ``key``, an answer without its proof is a failed one."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=timeout_s)  # host[:port], 80 by default
    headers = {"Accept": "application/json, */*;q=0.1"}
    nonce = new_nonce()
    if key is not None:
        headers[NONCE_HEADER] = nonce
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=payload, headers=headers)
        response = conn.getresponse()
        content = response.read()
    except (OSError, http.client.HTTPException) as error:
        return HttpAnswer(url, None, error=f"failed to connect: {error or type(error).__name__}")
    finally:
        conn.close()
    if key is not None and not proves(key, nonce, parts.netloc, response.getheader(PROOF_HEADER)):
        unproven = f"HTTP {response.status} from {parts.netloc}, not proven to be the lab's"
        return HttpAnswer(url, None, content, error=unproven, impostor=True)
    return HttpAnswer(url, response.status, content)


def http_get(url: str, timeout_s: float = TIMEOUT_S, key: str | None = None) -> HttpAnswer:
    return http_request("GET", url, timeout_s=timeout_s, key=key)
