"""Issue 26 row 1, where psycopg's libpq is older than 16 (no ``require_auth``): the lab's
clients connect by the cluster's unix socket, in a folder no other user can write, and a
cluster without one is refused rather than reached over TCP unguarded."""

from __future__ import annotations

import pytest

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import pgclient, postgres
from bookstore_resil.lab.canary import LabCanary
from bookstore_resil.lab.checks import db_probe
from bookstore_resil.lab.clusters import Cluster
from bookstore_resil.lab.state import Lab


def test_with_an_older_libpq_the_lab_connects_by_the_clusters_own_socket(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
):
    # A libpq before 16 has no require_auth: stood in for, as this machine's is newer.
    monkeypatch.setattr(pgclient, "requires_auth", lambda: False)
    host, port = lab.records().address("db")
    socket_dir = postgres.current(lab).socket_dir()
    assert socket_dir and pgclient.params(lab, host, port)["host"] == socket_dir
    assert db_probe(lab).check()
    assert LabCanary(lab).surviving() == set()
    # pg_dump and pg_restore: the socket too, or TCP requiring SCRAM (an older libpq then
    # refuses the keyword outright), never TCP unguarded.
    assert f"host={socket_dir}" in pgclient.conninfo(lab, host, port)
    monkeypatch.setattr(Cluster, "socket_dir", lambda _: "")
    assert "require_auth=scram-sha-256" in pgclient.conninfo(lab, host, port)
    with pytest.raises(TargetError):
        pgclient.params(lab, host, port)
