"""Issue 26 row 1: once ``db-crash`` frees the database's port, another local user listens
on it and answers every login with a request for the password in clear. The lab's
clients (the probe, the heartbeat, the canary's reads, the API's Django, ``pg_dump``) all
require SCRAM or the cluster's own socket: none sends the password, and the database
reads as down."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import pgclient, snapshots
from bookstore_resil.lab.canary import Heartbeat, LabCanary
from bookstore_resil.lab.checks import db_probe, users_probe
from bookstore_resil.lab.state import Lab
from bookstore_resil.lab.target import LabTarget
from tests.neighbour import needs_a_neighbour, neighbours_server, seen

pytestmark = needs_a_neighbour

# Speaks just enough of PostgreSQL's protocol: no to SSL and GSS encryption, then
# AuthenticationCleartextPassword; prints each login and any password it is sent.
CLEARTEXT_SQUATTER = r"""
import socket, struct, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(64)
print("listening")
def read(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data
while True:
    conn, _ = server.accept()
    conn.settimeout(3)
    try:
        while True:
            length, code = struct.unpack("!ii", read(conn, 8))
            body = read(conn, length - 8)
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
                conn.sendall(b"N")
                continue
            break
        print("login", body.split(b"\0")[1:2], flush=True)
        conn.sendall(b"R" + struct.pack("!ii", 8, 3))
        kind = read(conn, 1)
        (length,) = struct.unpack("!i", read(conn, 4))
        reply = read(conn, length - 4)
        if kind == b"p":
            print("password", len(reply), "bytes", flush=True)
    except (OSError, EOFError):
        pass
    finally:
        conn.close()
"""


def test_no_lab_client_sends_the_password_to_whoever_took_the_database_port(lab: Lab):
    if not pgclient.requires_auth():
        pytest.skip("psycopg's libpq is older than 16: the lab connects by its socket only")
    _, port = lab.records().address("db")
    LabTarget(lab.root).inject_fault("db-crash")
    with neighbours_server(CLEARTEXT_SQUATTER, port) as squatter:
        assert not db_probe(lab).check()
        assert Heartbeat(lab).beat() is False
        canary = LabCanary(lab)
        assert canary.surviving() is None
        # Through the router, the API's Django connects to the db record too.
        assert not users_probe(lab).check()
        with pytest.raises(TargetError):
            snapshots.take(lab, Path(lab.config().pg_bin), timeout_s=20)
        lines = seen(squatter)
    assert any(line.startswith("login") for line in lines), lines  # it was asked
    assert not [line for line in lines if line.startswith("password")], lines


# Lets anyone in (AuthenticationOk, no password asked) and answers every query as
# ``SELECT 1`` would: a database that looks up to whoever does not ask it to prove itself.
OPEN_SQUATTER = r"""
import socket, struct, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(64)
print("listening")
def read(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data
def message(kind, body):
    return kind + struct.pack("!i", len(body) + 4) + body
ONE = (
    message(b"T", struct.pack("!h", 1) + b"?column?\0" + struct.pack("!ihihih", 0, 0, 23, 4, -1, 0))
    + message(b"D", struct.pack("!hi", 1, 1) + b"1")
    + message(b"C", b"SELECT 1\0")
    + message(b"Z", b"I")
)
while True:
    conn, _ = server.accept()
    conn.settimeout(3)
    try:
        while True:
            length, code = struct.unpack("!ii", read(conn, 8))
            read(conn, length - 8)
            if code in (80877103, 80877104):
                conn.sendall(b"N")
                continue
            break
        print("login", flush=True)
        conn.sendall(message(b"R", struct.pack("!i", 0)) + message(b"Z", b"I"))
        while read(conn, 1) != b"X":
            (length,) = struct.unpack("!i", read(conn, 4))
            read(conn, length - 4)
            conn.sendall(ONE)
    except (OSError, EOFError):
        pass
    finally:
        conn.close()
"""


def test_a_squatter_that_lets_anyone_in_is_not_the_labs_database(lab: Lab):
    _, port = lab.records().address("db")
    LabTarget(lab.root).inject_fault("db-crash")
    with neighbours_server(OPEN_SQUATTER, port) as squatter:
        answer = db_probe(lab).check()
        assert not answer and "authentication" in answer.reason
        assert LabCanary(lab).surviving() is None
        lines = seen(squatter)
    assert "login" in lines, lines  # it was asked, and its answer taken for nothing
