"""The lab's data-loss canaries: books written through the public API by an exercise, read
back from the database the ``db`` record names; and the heartbeat the snapshotter writes
while the lab is up, which tells how far back a restore really went."""

from __future__ import annotations

import contextlib
import secrets
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bookstore_resil.lab import postgres
from bookstore_resil.lab.http import http_request
from bookstore_resil.lab.state import Lab
from bookstore_resil.targets.base import Canary

WRITE_TIMEOUT_S = 1.0
HEARTBEAT_TABLE = "lab_heartbeat"
HEARTBEAT_S = 0.5
HEARTBEAT_KEPT = timedelta(days=1)


class LabCanary(Canary):
    """Canary ``seq`` is the book titled ``canary RUN SEQ``; ``RUN`` tells runs apart."""

    def __init__(self, lab: Lab, run_id: str | None = None):
        self.lab = lab
        self.run_id = run_id or secrets.token_hex(4)
        self._books_url = lab.router_url() + "/books/"

    def _title(self, seq: int) -> str:
        return f"canary {self.run_id} {seq}"

    def write(self, seq: int) -> bool:
        book = {"title": self._title(seq), "publication_date": date.today().isoformat()}
        return http_request("POST", self._books_url, book, WRITE_TIMEOUT_S).status == 201

    def surviving(self) -> set[int] | None:
        try:
            host, port = self.lab.records().address("db")
            with postgres.connect(self.lab, host, port) as conn:
                rows = conn.execute(
                    "SELECT title FROM books_book WHERE title LIKE %s",
                    (f"canary {self.run_id} %",),
                ).fetchall()
        except Exception:
            return None
        return {int(title.rsplit(" ", 1)[1]) for (title,) in rows}

    def recovery_point(self, before: datetime) -> datetime | None:
        """The newest heartbeat before ``before`` in the database the ``db`` record names: a
        database restored from a snapshot holds the heartbeats up to that snapshot only."""
        try:
            host, port = self.lab.records().address("db")
            with postgres.connect(self.lab, host, port) as conn:
                (newest,) = conn.execute(
                    f"SELECT max(at) FROM {HEARTBEAT_TABLE} WHERE at < %s", (before,)
                ).fetchone()
        except Exception:
            return None
        return newest


class Heartbeat:
    """A row a beat into the database the ``db`` record names, while the lab is up: the
    canary that was writing long before any exercise began. Day-old rows are dropped. The
    table is the Bookstore's migration ``0003_lab_heartbeat``: a beat never creates it, so
    it cannot race a restore that is creating it."""

    def __init__(self, lab: Lab):
        self.lab = lab
        self._conn: Any = None
        self._address = ""

    def beat(self) -> bool:
        """Write one heartbeat; False (never an exception) when the database did not take it."""
        try:
            address = self.lab.records().db
            if self._conn is None or address != self._address:
                self.close()
                host, port = self.lab.records().address("db")
                self._conn = postgres.connect(self.lab, host, port)
                self._address = address
                self._conn.execute("SET statement_timeout = 2000")
            at = datetime.now(timezone.utc)
            self._conn.execute(
                f"INSERT INTO {HEARTBEAT_TABLE} VALUES (%s) ON CONFLICT DO NOTHING", (at,)
            )
            self._conn.execute(
                f"DELETE FROM {HEARTBEAT_TABLE} WHERE at < %s", (at - HEARTBEAT_KEPT,)
            )
        except Exception:
            self.close()
            return False
        return True

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
