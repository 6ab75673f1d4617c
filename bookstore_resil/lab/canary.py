"""The lab's data-loss canaries: records written through the public API by an exercise,
read back from the database the ``db`` record names; and the heartbeat the snapshotter
writes while the lab is up, which tells how far back a restore really went.

The canaries are not for anyone else to see or forge: they go to a table of their own
(``POST /canary/``, which no read of the API lists), and each carries a proof, an HMAC
of its run and number with the run's own secret (derived from the lab's endpoint key and
the run id, so a resumed exercise has it again: :func:`.identity.canary_proof`). The API
refuses a record without it, and the reader counts only records that prove themselves
and whose numbers are in bounds; a record another user made up, with the run id guessed
or seen, is never stored and would count for nothing.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta, timezone

from bookstore_resil.lab import pgclient
from bookstore_resil.lab.http import http_request
from bookstore_resil.lab.identity import canary_proof
from bookstore_resil.lab.state import Lab
from bookstore_resil.targets.base import Canary

WRITE_TIMEOUT_S = 1.0
CANARY_TABLE = "books_canary"
MAX_SEQ = 2**31 - 1  # PostgreSQL's integer: the column the API writes
HEARTBEAT_TABLE = "lab_heartbeat"
HEARTBEAT_S = 0.5
HEARTBEAT_KEPT = timedelta(days=1)
BEAT_TIMEOUT_S = 2.0
# One statement: this beat's row in, day-old rows out.
_BEAT = (
    f"WITH gone AS (DELETE FROM {HEARTBEAT_TABLE} WHERE at < $1::timestamptz - "
    f"interval '{HEARTBEAT_KEPT.total_seconds():.0f} seconds') "
    f"INSERT INTO {HEARTBEAT_TABLE} VALUES ($1::timestamptz) ON CONFLICT DO NOTHING"
).encode()


class LabCanary(Canary):
    """Canary ``seq`` of run ``RUN`` is the record ``(RUN, seq, proof)``; ``RUN`` tells
    runs apart."""

    def __init__(self, lab: Lab, run_id: str | None = None):
        self.lab = lab
        self.run_id = run_id or secrets.token_hex(4)
        self._endpoint_key = lab.secrets().endpoint_key
        self._url = lab.router_url() + "/canary/"

    def _proof(self, seq: int) -> str:
        return canary_proof(self._endpoint_key, self.run_id, seq)

    def write(self, seq: int) -> bool:
        if not 1 <= seq <= MAX_SEQ:
            return False
        record = {"run": self.run_id, "seq": seq, "proof": self._proof(seq)}
        answer = http_request("POST", self._url, record, WRITE_TIMEOUT_S, self._endpoint_key)
        return answer.status == 201

    def surviving(self) -> set[int] | None:
        try:
            host, port = self.lab.records().address("db")
            with pgclient.connect(self.lab, host, port) as conn:
                query = f"SELECT seq, proof FROM {CANARY_TABLE} WHERE run = %s AND seq <= %s"
                rows = conn.execute(query, (self.run_id, MAX_SEQ)).fetchall()
        except Exception:
            return None
        return {
            seq
            for seq, proof in rows
            if isinstance(seq, int)
            and 1 <= seq <= MAX_SEQ
            and hmac.compare_digest(self._proof(seq), str(proof))
        }

    def recovery_point(self, before: datetime) -> datetime | None:
        """The newest heartbeat before ``before`` in the database the ``db`` record names: a
        database restored from a snapshot holds the heartbeats up to that snapshot only."""
        try:
            host, port = self.lab.records().address("db")
            with pgclient.connect(self.lab, host, port) as conn:
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
    it cannot race a restore that is creating it. One kept connection, each beat bounded
    on the client side: a database that hangs holds the snapshotter up for a beat, no
    more."""

    def __init__(self, lab: Lab):
        self.lab = lab
        self._db = pgclient.KeptConnection(
            lab, lambda: lab.records().address("db"), timeout_s=BEAT_TIMEOUT_S
        )

    def beat(self) -> bool:
        """Write one heartbeat; False (never an exception) when the database did not take it."""
        at = datetime.now(timezone.utc).isoformat().encode()
        return not self._db.run(_BEAT, (at,))

    def close(self) -> None:
        self._db.close()
