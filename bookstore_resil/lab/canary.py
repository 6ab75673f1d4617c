"""The lab's data-loss canary: books written through the public API, read back from the
database the ``db`` record names."""

from __future__ import annotations

import secrets
from datetime import date

from bookstore_resil.lab import postgres
from bookstore_resil.lab.http import http_request
from bookstore_resil.lab.state import Lab
from bookstore_resil.targets.base import Canary

WRITE_TIMEOUT_S = 1.0


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
            with postgres.connect(host, port) as conn:
                rows = conn.execute(
                    "SELECT title FROM books_book WHERE title LIKE %s",
                    (f"canary {self.run_id} %",),
                ).fetchall()
        except Exception:
            return None
        return {int(title.rsplit(" ", 1)[1]) for (title,) in rows}
