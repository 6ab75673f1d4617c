"""Health checks of the lab's three endpoints: quick (about 1 s at most), never raising.

They back the probes, ``lab status`` and the ``http_check``/``db_check`` actions. An
answer counts only when it proves it is the lab's (:mod:`.identity`): a port another user
took over when a fault freed it reads as down.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from bookstore_resil.lab.cdn import object_url
from bookstore_resil.lab.http import HttpAnswer, http_get
from bookstore_resil.lab.pgclient import DatabaseCheck
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
    url, key = lab.router_url() + "/", lab.secrets().endpoint_key
    return Probe("api", url, lambda: _safe(lambda: api_root_ok(http_get(url, key=key))))


def db_probe(lab: Lab) -> Probe:
    """``SELECT 1`` on a kept connection to whatever the ``db`` record names (re-opened when
    the record moves or a check fails). Probes are named by the system definition's
    service ids: ``api``, ``database``, ``cdn``."""
    check = DatabaseCheck(lab, lambda: lab.records().address("db"))
    return Probe("database", f"postgresql://{lab.records().db}", check)


def cdn_probe(lab: Lab) -> Probe:
    key = lab.secrets().endpoint_key
    return Probe(
        "cdn",
        object_url(lab),
        lambda: _safe(lambda: http_get(object_url(lab), key=key).status == 200),
    )


def users_probe(lab: Lab) -> Probe:
    """What a user of the Bookstore sees: ``/books/`` through the public address. It reads
    the database, so during a database outage users get HTTP 500 while the API root (the
    ``api`` probe) still answers."""
    url, key = lab.router_url() + "/books/", lab.secrets().endpoint_key

    def check() -> bool:
        return _safe(lambda: http_get(url, key=key).status == 200)

    return Probe("users", url, check, user_facing=True)


def lab_probes(lab: Lab) -> list[Probe]:
    return [api_probe(lab), db_probe(lab), cdn_probe(lab), users_probe(lab)]


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        return False
