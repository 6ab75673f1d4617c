"""Data loss knows the restore point. The Guestbook's host is lost and its store restored
from a backup taken seconds before the exercise began: every write since then is gone, far
more than the canary (which writes only from the exercise's start) can see.

- With target.yaml's ``newest_record`` the loss is the fault's time less the newest entry
  the restored store holds from before it: exact, and checked here against the backup
  file's own rows; the RPO is missed and the outcome says so.
- Without it, a canary that lost every write it made before the fault gives a lower bound
  only: ``data_loss_bound: at_least``, and the RPO is never called met.

Before: ``data loss 2.1s against RPO 10.0s: met`` over 53 s of lost data."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive import layout
from bookstore_resil.exercise.drill import drill, one_screen
from tests.guestbook import Guestbook, running_guestbook
from tests.waits import QUICK_WAITS

pytestmark = [pytest.mark.slow, pytest.mark.waits]  # a real service, real drills with their kernels

OLD_BACKUP = "old-backup.db"
HOST_LOST = """\
id: host-lost
title: Guestbook host lost
playbook: disaster-recovery
service: store
leads: {primary: Dana, secondary: Eli}
fault: host-lost
rto: 10min
rpo: 1s
recovery_procedure:
  - id: restore-store
    title: Restore the store from the backup
    action: {name: restore-old}
  - id: start-web
    title: Start the web process on the new host
    action: {name: restart-web}
"""
WRITTEN_SINCE_S = 3.0  # entries written after the old backup, before the exercise


@pytest.fixture
def guestbook(tmp_path: Path) -> Iterator[Guestbook]:
    yield from running_guestbook(tmp_path)


@pytest.fixture
def traffic(guestbook: Guestbook) -> Iterator[None]:
    """Users writing an entry every 0.1 s for the whole test."""
    stop = threading.Event()

    def write() -> None:
        url = f"http://127.0.0.1:{guestbook.port}/entries"
        while not stop.wait(0.1):
            try:
                urllib.request.urlopen(urllib.request.Request(url, b"a visitor"), timeout=1)
            except OSError:
                pass  # the store is down during the exercise: users see errors

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    yield
    stop.set()
    writer.join(5)


def restore_from_an_old_backup(book: Guestbook, newest_record: bool) -> float:
    """Keep a backup now, let users write for a while, and make the playbook restore that
    backup; the time of the newest entry it holds (its own rows, read here)."""
    book.wait_for_backup()
    shutil.copy(book.run / "backup.db", book.folder / OLD_BACKUP)
    with sqlite3.connect(book.folder / OLD_BACKUP) as db:
        (newest,) = db.execute("SELECT max(at) FROM entries").fetchone()
    deadline = time.monotonic() + WRITTEN_SINCE_S
    while time.monotonic() < deadline:
        time.sleep(0.1)  # the traffic fixture writes meanwhile
    target = book.folder / "target.yaml"
    # The host's disk is lost whole: with the file goes any journal a write cut short left,
    # which SQLite would otherwise roll back onto the restored file.
    lost = (
        '  host-lost: kill -9 "$(cat run/guestbook.pid)";'
        " mv run/guestbook.db run/lost.db; rm -f run/guestbook.db-journal\n"
    )
    restore = f"  restore-old: cp {OLD_BACKUP} run/guestbook.db\n"
    text = target.read_text().replace("faults:\n", "faults:\n" + lost)
    text = text.replace("actions:\n", "actions:\n" + restore)
    if not newest_record:
        text = "\n".join(line for line in text.splitlines() if "newest_record:" not in line)
    target.write_text(text + "\n")
    (book.folder / "playbooks" / "host-lost.yaml").write_text(HOST_LOST)
    assert newest is not None, "the backup holds no entry yet"
    return float(newest)


def drilled(book: Guestbook, tmp_path: Path, scenario: str = "host-lost"):
    return drill(
        scenario,
        data_dir=book.folder,
        out_dir=tmp_path / "reports",
        target_options=dict(QUICK_WAITS),
        execute=True,
        report=False,
        progress=lambda _line: None,
    )


def test_newest_record_gives_the_exact_loss_of_a_restore_from_an_older_backup(
    guestbook, traffic, tmp_path
):
    newest = restore_from_an_old_backup(guestbook, newest_record=True)
    result = drilled(guestbook, tmp_path)
    s = result.summary

    fault_at = clock.parse_ts(s.fault_at).timestamp()
    assert s.record_data_loss_s == pytest.approx(fault_at - newest, abs=0.01)
    assert s.record_data_loss_s > WRITTEN_SINCE_S
    assert s.measured_data_loss_s == max(s.record_data_loss_s, s.canary_data_loss_s)
    assert s.data_loss_bound == "exact"
    assert s.rpo_met is False
    assert s.outcome == "missed" and "RPO missed" in s.reason
    screen = one_screen(result)
    assert "outcome    missed: RPO missed: lost" in screen
    assert "MISSED" in screen and "passed" not in screen
    [asked] = [
        e for e in layout.read_archive(result.archive_dir).events if e["type"] == ev.NEWEST_RECORD
    ]
    assert asked["before"] == s.fault_at and asked["error"] is None


def test_without_newest_record_a_canary_that_lost_everything_is_a_lower_bound(
    guestbook, traffic, tmp_path
):
    restore_from_an_old_backup(guestbook, newest_record=False)
    result = drilled(guestbook, tmp_path)
    s = result.summary

    assert s.record_data_loss_s is None
    assert s.canary.lost_all_before_fault
    assert s.data_loss_bound == "at_least"
    assert s.rpo_met is not True  # at most "missed" when even the bound misses the RPO
    assert s.rpo_met is False or s.measured_data_loss_s <= s.rpo_s
    screen = one_screen(result)
    assert "data loss  at least" in screen
    assert "set newest_record" in screen


def test_the_canary_cleans_up_after_itself(guestbook, tmp_path):
    result = drilled(guestbook, tmp_path, "web-crash")
    run = next(
        e["canary_run"]
        for e in layout.read_archive(result.archive_dir).events
        if e["type"] == ev.PROBES and e.get("canary_run")
    )
    assert result.summary.canary.acknowledged > 0
    with sqlite3.connect(guestbook.run / "guestbook.db") as db:
        (left,) = db.execute(
            "SELECT count(*) FROM entries WHERE text LIKE ?", (f"canary-{run}-%",)
        ).fetchone()
    assert left == 0
