"""The Guestbook example after a crash in the middle of a write:

- it keeps serving reads: the hot journal the killed process left is rolled back when the
  service starts, not left for a read-only reader to trip on ("attempt to write a readonly
  database", HTTP 500);
- its restore puts the backup in place whole: the journal belonged to the lost file, and
  rolled back onto the backup it tore it ("database disk image is malformed") or brought
  back rows the backup never held (a restore from an older backup then read as 0.6 s of
  data loss instead of 5.7 s)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.guestbook import Guestbook, running_guestbook
from tests.system_target_builders import kill_quietly

pytestmark = pytest.mark.slow  # a real service process

ROWS = 2000
# A writer that spills its change into the file mid-transaction, then dies like a kill -9.
DIES_MID_WRITE = """
import os, sqlite3
db = sqlite3.connect("run/guestbook.db", isolation_level=None)
db.execute("PRAGMA cache_size=1")
db.execute("BEGIN")
db.execute("UPDATE entries SET text = 'torn ' || text")
os._exit(9)
"""


@pytest.fixture
def guestbook(tmp_path: Path) -> Iterator[Guestbook]:
    yield from running_guestbook(tmp_path)


def add_rows(book: Guestbook, count: int, text: str) -> None:
    with sqlite3.connect(book.run / "guestbook.db") as db:
        db.executemany("INSERT INTO entries (text, at) VALUES (?, 0)", [(text,)] * count)


def die_mid_write(book: Guestbook) -> None:
    subprocess.run([sys.executable, "-c", DIES_MID_WRITE], cwd=book.folder, check=False)
    assert (book.run / "guestbook.db-journal").exists(), "a hot journal was left"


def entries(book: Guestbook) -> list[dict]:
    started = book.command("start")
    assert started.returncode == 0, started.stdout + started.stderr
    url = f"http://127.0.0.1:{book.port}/entries"
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


def test_entries_are_read_at_once_after_a_crash_mid_write(guestbook: Guestbook):
    kill_quietly(guestbook.pid())
    add_rows(guestbook, ROWS, "x" * 200)
    die_mid_write(guestbook)

    read = entries(guestbook)
    assert len(read) == ROWS
    assert not any(e["text"].startswith("torn") for e in read), "the torn write rolled back"


def test_a_restore_after_a_crash_mid_write_holds_what_the_backup_held(guestbook: Guestbook):
    kill_quietly(guestbook.pid())
    add_rows(guestbook, ROWS // 4, "backed up " + "x" * 200)
    shutil.copy(guestbook.run / "guestbook.db", guestbook.run / "backup.db")
    add_rows(guestbook, ROWS, "lost " + "x" * 200)
    die_mid_write(guestbook)
    (guestbook.run / "guestbook.db").rename(guestbook.run / "lost.db")  # the disk is gone

    restored = guestbook.command("restore")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    read = entries(guestbook)
    assert len(read) == ROWS // 4
    assert all(e["text"].startswith("backed up") for e in read)
