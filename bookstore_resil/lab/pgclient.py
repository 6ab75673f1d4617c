"""How the lab connects to its PostgreSQL: the heartbeat, the probes, the canary, the
actions, ``pg_dump``/``pg_restore`` and (the same settings, in its own words) the API.

**The server proves itself first.** When ``db-crash`` frees the database's port, another
local user may listen on it and ask whoever connects for a cleartext password, which
would hand over the superuser's (and with it ``COPY ... TO PROGRAM`` as the server's OS
user). So every connection requires SCRAM (libpq's ``require_auth=scram-sha-256``, libpq
16 and later): the client sends only a proof that is useless elsewhere, and checks the
server's proof that it holds the lab's password; anything else is refused before a word
of the password leaves. With an older libpq, the connection goes to the cluster's unix
socket in its own folder (0700), where no other user can listen; where there is none, it
is refused.

**The probe keeps its connection.** A new SCRAM login costs milliseconds of CPU; a probe
checking every 0.1 s keeps one connection (:class:`DatabaseCheck`), re-opened after any
failure or when the ``db`` record moves, and bounds each check on the client side (the
connection and the query alike), so a server that hangs reads as down within the
probe's timeout, not libpq's two-second minimum.
"""

from __future__ import annotations

import contextlib
import select
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bookstore_resil.errors import TargetError
from bookstore_resil.lab.clusters import by_address
from bookstore_resil.lab.state import DB_NAME, DB_USER, Lab

if TYPE_CHECKING:
    from bookstore_resil.targets.base import Checked

AUTH = "scram-sha-256"
REQUIRE_AUTH_LIBPQ = 160000  # libpq 16 brought require_auth
CHECK_TIMEOUT_S = 1.0
# A dead peer on a kept connection is noticed by the kernel within seconds, not hours.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 1,
    "keepalives_count": 3,
    "tcp_user_timeout": 3000,
}
Address = tuple[str, int]


def requires_auth() -> bool:
    """Does the libpq psycopg runs on take ``require_auth``?"""
    from psycopg import pq

    return pq.version() >= REQUIRE_AUTH_LIBPQ


def _socket_dir(lab: Lab, host: str, port: int) -> str:
    cluster = by_address(lab, f"{host}:{port}")
    socket_dir = cluster.socket_dir() if cluster else ""
    if not socket_dir:
        raise TargetError(
            "lab",
            f"no unix socket for the database at {host}:{port}, and this libpq is older than "
            "16 (no require_auth): a TCP login could hand the password to another user",
        )
    return socket_dir


def params(
    lab: Lab, host: str, port: int, dbname: str = DB_NAME, *, tool_libpq: bool = False
) -> dict[str, Any]:
    """The keywords of a connection to ``host:port`` that only the lab's server can take:
    SCRAM required over TCP, or the cluster's own unix socket. ``tool_libpq``: for
    ``pg_dump``/``pg_restore``, whose libpq (the system's) may be older than psycopg's:
    the socket where there is one, else TCP requiring SCRAM (an older libpq then refuses
    the unknown keyword: no connection, rather than an unguarded one)."""
    common = {"port": port, "dbname": dbname, "user": DB_USER}
    if tool_libpq:
        try:
            return {**common, "host": _socket_dir(lab, host, port)}
        except TargetError:
            return {**common, "host": host, "require_auth": AUTH}
    if requires_auth():
        return {**common, "host": host, "require_auth": AUTH, **KEEPALIVES}
    return {**common, "host": _socket_dir(lab, host, port)}


def conninfo(lab: Lab, host: str, port: int, dbname: str = DB_NAME) -> str:
    """A connection string for ``pg_dump``/``pg_restore`` (the password goes in their
    environment, ``PGPASSWORD``)."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**params(lab, host, port, dbname, tool_libpq=True))


def connect(lab: Lab, host: str, port: int, dbname: str = DB_NAME, timeout_s: int = 2):
    """A psycopg connection (autocommit) with the lab's password, failing fast by default
    (libpq's shortest timeout is 2 s): what checks want. Work that must get through on a
    loaded machine (creating or restoring the database) passes a longer timeout."""
    import psycopg

    return psycopg.connect(
        **params(lab, host, port, dbname),
        password=lab.secrets().db_password,
        connect_timeout=timeout_s,
        autocommit=True,
    )


class KeptConnection:
    """One kept connection to whatever ``address()`` names, re-opened after a failure or
    when the address changes; each :meth:`run` finishes within ``timeout_s`` (connecting
    included) and never raises. Called from one thread at a time."""

    def __init__(
        self,
        lab: Lab,
        address: Callable[[], Address],
        dbname: str = DB_NAME,
        timeout_s: float = CHECK_TIMEOUT_S,
    ):
        self.lab = lab
        self.address = address
        self.dbname = dbname
        self.timeout_s = timeout_s
        self._pg: Any = None
        self._at: Address | None = None

    def run(self, command: bytes, values: Sequence[bytes] = (), expect: bytes | None = None) -> str:
        """Run ``command`` (``$1``... taking ``values``, as text): "" when it succeeded (and
        its first value is ``expect``, when given), else why not."""
        import psycopg

        deadline = time.monotonic() + self.timeout_s
        try:
            at = self.address()
            if self._pg is not None and at == self._at:
                # A kept connection the server dropped (a restart) is no outage: anew.
                with contextlib.suppress(psycopg.Error):
                    if not _execute(self._pg, deadline, command, values, expect):
                        return ""
            self.close()
            self._pg, self._at = self._open(at, deadline), at
            reason = _execute(self._pg, deadline, command, values, expect)
        except TimeoutError:
            reason = f"no answer within {self.timeout_s:g} s"
        except Exception as error:
            reason = str(error) or type(error).__name__
        if reason:
            self.close()
        return reason

    def _open(self, at: Address, deadline: float) -> Any:
        from psycopg import pq
        from psycopg.conninfo import make_conninfo

        info = make_conninfo(
            **params(self.lab, *at, self.dbname),
            password=self.lab.secrets().db_password,
            connect_timeout=max(2, round(self.timeout_s)),  # libpq's own, a backstop
            # The server gives up too, when the client has.
            options=f"-c statement_timeout={round(self.timeout_s * 1000)}",
        )
        pg = pq.PGconn.connect_start(info.encode())
        state = pq.PollingStatus.WRITING
        while state not in (pq.PollingStatus.OK, pq.PollingStatus.FAILED):
            _wait(pg.socket, state == pq.PollingStatus.READING, deadline)
            state = pq.PollingStatus(pg.connect_poll())
        if state == pq.PollingStatus.FAILED:
            error = pg.get_error_message()
            pg.finish()
            raise ConnectionError(error)
        return pg

    def close(self) -> None:
        if self._pg is not None:
            self._pg.finish()
            self._pg = None


class DatabaseCheck(KeptConnection):
    """The database probe's check: ``SELECT 1`` on the kept connection."""

    def __call__(self) -> Checked:
        # Here, not at the top: the API's Django imports this module for params() alone.
        from bookstore_resil.targets.base import Checked

        reason = self.run(b"SELECT 1", expect=b"1")
        return Checked(not reason, reason)


def _wait(fd: int, readable: bool, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left > 0:
        watched: tuple[list[int], list[int], list[int]]
        watched = ([fd], [], []) if readable else ([], [fd], [])
        if any(select.select(*watched, left)):
            return
    raise TimeoutError("the database did not answer in time")


def _execute(
    pg: Any, deadline: float, command: bytes, values: Sequence[bytes], expect: bytes | None
) -> str:
    """``command`` on ``pg`` by ``deadline``: "" when it succeeded (its first value
    ``expect``, when given), else what went wrong."""
    from psycopg import pq

    if values:
        pg.send_query_params(command, list(values))
    else:
        pg.send_query(command)
    pg.consume_input()
    while pg.is_busy():
        _wait(pg.socket, True, deadline)
        pg.consume_input()
    reason = "no result"
    done = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
    while (result := pg.get_result()) is not None:
        if result.status not in done:
            reason = result.get_error_message() or f"{command.decode()}: {result.status.name}"
        elif expect is not None and (result.ntuples < 1 or result.get_value(0, 0) != expect):
            reason = f"{command.decode()} did not answer {expect.decode()}"
        else:
            reason = ""
    return reason


def ping(lab: Lab, host: str, port: int, dbname: str = DB_NAME) -> bool:
    """``SELECT 1`` on the server, on a connection of its own; never raises."""
    check = DatabaseCheck(lab, lambda: (host, port), dbname)
    try:
        return bool(check())
    finally:
        check.close()
