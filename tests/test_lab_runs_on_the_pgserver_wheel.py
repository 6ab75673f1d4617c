"""Where no system PostgreSQL exists, the lab runs on the pgserver wheel's binaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookstore_resil.lab import lifecycle, postgres
from bookstore_resil.lab.state import Lab
from bookstore_resil.lab.target import LabTarget

# A lab of its own, on the wheel's PostgreSQL.
pytestmark = pytest.mark.slow
pgserver = pytest.importorskip("pgserver")
WHEEL_BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"


def test_without_a_system_postgresql_the_wheels_binaries_are_found(monkeypatch):
    monkeypatch.delenv(postgres.ENV_PG_BIN, raising=False)
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert postgres.find_bin_dir() == WHEEL_BIN


def test_a_lab_on_the_wheels_postgresql_is_healthy_and_restores_snapshots(tmp_path, monkeypatch):
    monkeypatch.setenv(postgres.ENV_PG_BIN, str(WHEEL_BIN))
    lab = Lab.at(tmp_path / "lab")
    target = LabTarget(lab.root)
    try:
        status = lifecycle.up(lab, progress=lambda _: None)
        assert status.healthy, lifecycle.describe(status)
        assert lab.config().pg_bin == str(WHEEL_BIN)
        assert target.run_action("db_snapshot", {}, 60).ok
        target.inject_fault("db-lost")
        replica = target.run_action("db_launch_replica", {}, 60)
        assert replica.ok, replica.error
        assert target.run_action("update_dns", {"record": "db"}, 60).ok
        check = target.run_action("db_check", {"through_api": True}, 60)
        assert check.ok, check.error
    finally:
        lifecycle.down(lab, purge=True, progress=lambda _: None)
