"""Where no system PostgreSQL exists, the lab runs on the pgserver wheel's binaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookstore_resil import lab
from bookstore_resil.lab import postgres

pgserver = pytest.importorskip("pgserver")
WHEEL_BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"


def test_without_a_system_postgresql_the_wheels_binaries_are_found(monkeypatch):
    monkeypatch.delenv(postgres.ENV_PG_BIN, raising=False)
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert postgres.find_bin_dir() == WHEEL_BIN


def test_a_lab_on_the_wheels_postgresql_is_healthy_and_restores_snapshots(tmp_path, monkeypatch):
    monkeypatch.setenv(postgres.ENV_PG_BIN, str(WHEEL_BIN))
    state = tmp_path / "lab"
    try:
        status = lab.up(state, progress=lambda _: None)
        assert status.healthy, lab.describe(status)
        assert lab.Lab.at(state).config().pg_bin == str(WHEEL_BIN)
        assert lab.run_action("db_snapshot", {}, 60, state).ok
        lab.inject_fault("db-lost", state)
        replica = lab.run_action("db_launch_replica", {}, 60, state)
        assert replica.ok, replica.error
        assert lab.run_action("update_dns", {"record": "db"}, 60, state).ok
        check = lab.run_action("db_check", {"through_api": True}, 60, state)
        assert check.ok, check.error
    finally:
        lab.down(state, purge=True, progress=lambda _: None)
