"""The Guestbook example keeps serving reads after a crash in the middle of a write: the
hot journal the killed process left is rolled back when the service starts, not left for
a read-only reader to trip on ("attempt to write a readonly database", HTTP 500)."""

from __future__ import annotations

import json
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


def test_entries_are_read_at_once_after_a_crash_mid_write(guestbook: Guestbook):
    kill_quietly(guestbook.pid())
    with sqlite3.connect(guestbook.run / "guestbook.db") as db:
        db.executemany("INSERT INTO entries (text, at) VALUES (?, 0)", [("x" * 200,)] * ROWS)
    subprocess.run([sys.executable, "-c", DIES_MID_WRITE], cwd=guestbook.folder, check=False)
    assert (guestbook.run / "guestbook.db-journal").exists(), "a hot journal was left"

    started = guestbook.command("start")
    assert started.returncode == 0, started.stdout + started.stderr
    url = f"http://127.0.0.1:{guestbook.port}/entries"
    with urllib.request.urlopen(url, timeout=5) as answer:
        entries = json.load(answer)
    assert len(entries) == ROWS
    assert not any(e["text"].startswith("torn") for e in entries), "the torn write rolled back"
