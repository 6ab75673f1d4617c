"""Health checks of the lab's three endpoints: quick (about 1 s at most), never raising.

They back the probes, ``lab status`` and the ``http_check``/``db_check`` actions.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from bookstore_resil.lab import postgres
from bookstore_resil.lab.cdn import object_url
from bookstore_resil.lab.http import HttpAnswer, http_get
from bookstore_resil.lab.state import Lab
from bookstore_resil.targets.base import Probe


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
    return postgres.ping(lab, host, port)


def db_probe(lab: Lab) -> Probe:
    """Connects to whatever the ``db`` record names at each check. Probes are named by the
    system definition's service ids: ``api``, ``database``, ``cdn``."""
    return Probe("database", f"postgresql://{lab.records().db}", lambda: _safe(lambda: _db_ok(lab)))


def cdn_probe(lab: Lab) -> Probe:
    return Probe(
        "cdn", object_url(lab), lambda: _safe(lambda: http_get(object_url(lab)).status == 200)
    )


def users_probe(lab: Lab) -> Probe:
    """What a user of the Bookstore sees: ``/books/`` through the public address. It reads
    the database, so during a database outage users get HTTP 500 while the API root (the
    ``api`` probe) still answers."""
    url = lab.router_url() + "/books/"
    return Probe("users", url, lambda: _safe(lambda: http_get(url).status == 200), user_facing=True)


def lab_probes(lab: Lab) -> list[Probe]:
    return [api_probe(lab), db_probe(lab), cdn_probe(lab), users_probe(lab)]


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        return False
