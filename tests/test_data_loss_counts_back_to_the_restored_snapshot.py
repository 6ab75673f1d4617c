"""Data loss is measured against what was really restored: a database restored from a
snapshot taken N seconds before the fault shows at least N seconds of loss, though the
exercise's own canary only began writing a moment before the fault."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.dataloss import canary_loss
from bookstore_resil.define.loader import load_system
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.headless import run_auto
from bookstore_resil.lab import procs
from bookstore_resil.lab.lifecycle import SNAPSHOTTER
from tests.conftest_lab import wait_until

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"
T0 = datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc)
# pg_dump starts, logs in and opens its transaction within this much of `taken_at`.
DUMP_OPENS_WITHIN_S = 0.25


def after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_systems_recovery_point_starts_the_loss_when_no_canary_survived():
    writes = [(seq, after(seq), True) for seq in range(1, 5)]  # all lost in the restore
    result = canary_loss(writes, set(), after(0), after(5), recovery_point=after(-10))
    assert result.lost == [1, 2, 3, 4]
    assert result.data_loss_s == 15.0  # from the restored point to the fault
    without = canary_loss(writes, set(), after(0), after(5))
    assert without.data_loss_s == 5.0  # only back to when the exercise began


def test_a_recovery_point_after_the_first_lost_write_is_not_believed():
    writes = [(seq, after(seq), True) for seq in range(1, 5)]
    result = canary_loss(writes, {1}, after(0), after(5), recovery_point=after(3))
    assert result.lost_window == (clock.iso(after(1)), clock.iso(after(5)))


@pytest.mark.waits
def test_a_replica_from_an_older_snapshot_loses_everything_since_that_snapshot(
    lab, lab_target, tmp_path
):
    heartbeat = lab_target.canary()  # the lab's heartbeat has begun (a lab just up may not yet)
    assert wait_until(lambda: heartbeat.recovery_point(clock.now()) is not None)
    # The scheduler stopped (the next test's lab fixture starts it again), so the latest
    # snapshot, which the replica restores, stays this test's own: a scheduled one landing
    # during the exercise would postdate its start. The dump writes its own heartbeat.
    assert procs.stop(lab, SNAPSHOTTER)
    snapshot = lab_target.run_action("db_snapshot", {}, 30)
    assert snapshot.ok, snapshot.error
    snapshot_at = datetime.fromisoformat(snapshot.data["snapshot_taken_at"])
    # The snapshot older than the exercise will be: its baseline and then some.
    assert wait_until(lambda: (clock.now() - snapshot_at).total_seconds() > 4.0)
    exercise = Exercise.create(
        load_system(DATA), "database-failure", lab_target, tmp_path, execute=True
    )
    summary = run_auto(exercise)

    events = ev.read_events(exercise.log.path).events
    replica = next(
        e for e in events if e["type"] == ev.STEP_FINISHED and e["step"] == "launch-replica"
    )
    assert replica["status"] == "ok", replica.get("error")
    taken_at = datetime.fromisoformat(replica["data"]["snapshot_taken_at"])
    assert taken_at == snapshot_at, "the replica restored the test's own snapshot"
    fault_at = clock.parse_ts(summary.fault_at)
    since_snapshot = (fault_at - taken_at).total_seconds()
    since_start = (fault_at - clock.parse_ts(summary.started_at)).total_seconds()
    assert since_snapshot > since_start + 2.0, "the snapshot predates the exercise"
    assert summary.canary is not None and summary.canary.lost
    assert summary.measured_data_loss_s == pytest.approx(since_snapshot, abs=0.6)
    # The dump holds what was committed when pg_dump opened its transaction, a little after
    # `taken_at` (its start and login): a scheduled heartbeat may land in between.
    assert summary.measured_data_loss_s >= since_snapshot - DUMP_OPENS_WITHIN_S
