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
from bookstore_resil.targets.base import Checked, Probe


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
    return Probe("api", url, lambda: _http_check(lambda: http_get(url, key=key), api_root_ok))


def db_probe(lab: Lab) -> Probe:
    """``SELECT 1`` on a kept connection to whatever the ``db`` record names (re-opened when
    the record moves or a check fails). Probes are named by the system definition's
    service ids: ``api``, ``database``, ``cdn``."""
    check = DatabaseCheck(lab, lambda: lab.records().address("db"))
    return Probe("database", f"postgresql://{lab.records().db}", check)


def cdn_probe(lab: Lab) -> Probe:
    key = lab.secrets().endpoint_key
    return Probe(
        "cdn", object_url(lab), lambda: _http_check(lambda: http_get(object_url(lab), key=key))
    )


def users_probe(lab: Lab) -> Probe:
    """What a user of the Bookstore sees: ``/books/`` through the public address. It reads
    the database, so during a database outage users get HTTP 500 while the API root (the
    ``api`` probe) still answers."""
    url, key = lab.router_url() + "/books/", lab.secrets().endpoint_key
    return Probe("users", url, lambda: _http_check(lambda: http_get(url, key=key)), True)


def lab_probes(lab: Lab) -> list[Probe]:
    return [api_probe(lab), db_probe(lab), cdn_probe(lab), users_probe(lab)]


def _http_check(
    ask: Callable[[], HttpAnswer], ok: Callable[[HttpAnswer], bool] = lambda a: a.status == 200
) -> Checked:
    """Up when the answer is as it should be; else down with what came (the status and the
    start of the body, or why nothing did). Never raises."""
    try:
        answer = ask()
    except Exception as error:
        return Checked(False, f"{type(error).__name__}: {error}")
    return Checked(True) if ok(answer) else Checked(False, answer.describe())
