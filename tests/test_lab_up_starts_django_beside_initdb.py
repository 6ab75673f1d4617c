"""A lab from nothing starts the Django that migrates its database beside ``initdb`` (its
start is most of a migrate's cost): the process waits for its cue, migrates on it, and is
gone without a trace when ``lab up`` fails before the database exists."""

from __future__ import annotations

import pytest

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import api, lifecycle, procs
from bookstore_resil.lab.postgres import find_bin_dir
from bookstore_resil.lab.state import Lab

pytestmark = pytest.mark.slow


@pytest.fixture
def spawned(monkeypatch) -> list:
    started: list = []
    spawn = procs.spawn

    def recorded(argv, **kwargs):
        started.append(process := spawn(argv, **kwargs))
        process.argv = argv
        return process

    monkeypatch.setattr(procs, "spawn", recorded)
    return started


@pytest.fixture
def release(tmp_path) -> Lab:
    lab = Lab.at(tmp_path / "lab")
    lab.prepare()
    api.build_release(lab)
    return lab


def test_leaving_before_the_cue_migrates_nothing_and_leaves_no_process(release, spawned):
    with pytest.raises(RuntimeError), api.migrations(release, ahead=True):
        raise RuntimeError("initdb failed")
    (process,) = spawned
    assert process.argv[-1] == "migrate_on_cue"
    assert process.returncode is not None  # ended, and reaped


def test_a_migration_that_fails_is_one_line_naming_the_command(release, spawned):
    # No database record yet: Django cannot connect, and says so through the lab's error.
    with api.migrations(release, ahead=True) as migrate, pytest.raises(TargetError) as error:
        migrate()
    message = str(error.value)
    assert message.startswith("lab: manage.py migrate failed: django.db.utils.OperationalError")
    assert "\n" not in message and "Traceback" not in message


def test_a_cold_lab_up_migrates_on_cue_and_a_warm_one_starts_no_django(tmp_path, spawned):
    try:
        find_bin_dir()
    except TargetError as error:
        pytest.skip(f"no PostgreSQL for the lab: {error}")
    lab = Lab.at(tmp_path / "lab")
    try:
        status = lifecycle.up(lab, progress=lambda _line: None)
        assert status.healthy, lifecycle.describe(status)
        assert [p.argv[-1] for p in spawned] == ["migrate_on_cue"]
        assert spawned[0].returncode == 0
        lifecycle.up(lab, progress=lambda _line: None)
        assert len(spawned) == 1, "a lab already up starts no Django for a migration"
    finally:
        lifecycle.down(lab, purge=True, progress=lambda _line: None)
