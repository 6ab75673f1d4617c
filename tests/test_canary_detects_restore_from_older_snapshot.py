"""Canaries acknowledged after the snapshot a restore goes back to are reported lost."""

from datetime import datetime, timedelta, timezone

from bookstore_resil.archive.dataloss import canary_loss
from bookstore_resil.exercise.probes import CanaryWrite, CanaryWriter
from tests.conftest_lab import wait_until

WRITE_TIMEOUT_S = 1.0


def acked_after(writes: list[CanaryWrite], after: float) -> int:
    return sum(w.acknowledged and w.ts > after for w in list(writes))


def test_restore_from_an_older_snapshot_loses_the_later_canaries(lab_target):
    writes: list[CanaryWrite] = []
    writer = CanaryWriter(lab_target.canary(), 0.1, writes.append).start()
    assert wait_until(lambda: acked_after(writes, 0) >= 5)
    snapshot = lab_target.run_action("db_snapshot", {}, 30)
    assert snapshot.ok, snapshot.error
    snapshot_at = datetime.fromisoformat(snapshot.data["snapshot_taken_at"]).timestamp()
    assert wait_until(lambda: acked_after(writes, snapshot_at + 0.5) >= 5)
    writer.stop()

    restored = lab_target.run_action("db_restore_snapshot", {}, 30)

    assert restored.ok, restored.error
    taken_at = datetime.fromisoformat(restored.data["snapshot_taken_at"]).timestamp()
    report = writer.loss()
    acked = [w for w in writes if w.acknowledged]
    lost = set(report.lost)
    # A write acknowledged before the dump began is in it; one begun well after is not.
    assert all(w.seq not in lost for w in acked if w.ts + WRITE_TIMEOUT_S < taken_at)
    assert all(w.seq in lost for w in acked if w.ts > taken_at + 0.5)
    # At least from the snapshot to the last write, at most the whole run.
    assert report.data_loss_s is not None
    assert acked[-1].ts - taken_at - WRITE_TIMEOUT_S <= report.data_loss_s
    assert report.data_loss_s <= acked[-1].ts - acked[0].ts


def test_nothing_lost_means_zero_data_loss(lab_target):
    writes: list[CanaryWrite] = []
    writer = CanaryWriter(lab_target.canary(), 0.1, writes.append).start()
    assert wait_until(lambda: acked_after(writes, 0) >= 3)
    writer.stop()
    report = writer.loss()
    assert report.acknowledged >= 3 and report.lost == [] and report.data_loss_s == 0.0


def test_loss_runs_from_the_recovery_point_to_the_last_lost_write():
    t0 = datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc)
    writes = [(seq, t0 + timedelta(seconds=seq), seq != 3) for seq in range(1, 7)]

    report = canary_loss(writes, surviving={1, 2, 3}, since=t0)

    assert report.lost == [4, 5, 6]
    assert report.lost_window == ("2026-11-26T17:00:02.000000Z", "2026-11-26T17:00:06.000000Z")
    assert report.data_loss_s == 4.0
    assert canary_loss(writes, None, since=t0).data_loss_s is None
