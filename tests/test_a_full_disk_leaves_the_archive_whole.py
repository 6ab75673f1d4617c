"""A full disk in the middle of an exercise or a report: the event log keeps every whole
line, every other file of the archive is there whole or not at all (no notebook cut in
half, no temporary file left), and the command says so in one line.

The disk is a real one: a small tmpfs mounted for the test (skipped where mounting is not
allowed).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from bookstore_resil.archive import events as ev
from bookstore_resil.archive import layout
from bookstore_resil.archive.notebooks import run_notebook
from bookstore_resil.errors import EventLogError

FIXTURE = Path(__file__).parent / "fixtures" / "archives" / "api-passed"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(disk: Path) -> None:
    """Take every free byte of ``disk``."""
    with open(disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"x" * 4096)
        except OSError:
            pass


def files_left(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} - {"filler"}


def test_an_event_that_finds_no_room_is_cut_back_off(small_disk: Path):
    path = small_disk / "events.jsonl"
    log = ev.EventLog(path)
    log.append(ev.NOTE, text="written before the disk filled up")
    fill(small_disk)
    with pytest.raises(EventLogError, match="not recorded: No space left on device"):
        log.append(ev.NOTE, text="x" * 20_000)  # more than the page the log already has
    log.close()
    contents = ev.read_events(path)
    assert not contents.truncated
    assert [e["type"] for e in contents.events] == [ev.NOTE]
    assert path.read_bytes().endswith(b"\n")


def test_a_summary_that_finds_no_room_leaves_the_old_one(small_disk: Path):
    summary = small_disk / layout.SUMMARY_FILE
    summary.write_text('{"old": true}\n')
    fill(small_disk)
    with pytest.raises(OSError):
        layout.write_atomically(summary, json.dumps({"new": "y" * 100_000}))
    assert json.loads(summary.read_text()) == {"old": True}
    assert files_left(small_disk) == {layout.SUMMARY_FILE}


def test_a_notebook_that_finds_no_room_is_not_left_cut_in_half(small_disk: Path, tmp_path: Path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("print('x' * 400_000)")]
    source = tmp_path / "big.ipynb"
    nbformat.write(notebook, source)
    output = small_disk / layout.EXERCISE_NOTEBOOK
    with pytest.raises(OSError):
        run_notebook(source, output, {}, tmp_path)
    assert files_left(small_disk) == set()


def test_report_on_a_full_disk_is_one_line_and_the_log_is_untouched(small_disk: Path):
    archive = small_disk / "api-passed"
    shutil.copytree(FIXTURE, archive)
    fill(small_disk)
    result = subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", "report", str(archive)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    [line] = [text for text in result.stderr.splitlines() if not text.startswith("report: ")]
    assert line.startswith(f"bookstore-resil: error: {archive}/")
    assert line.endswith(": No space left on device")
    assert (archive / layout.EVENTS_FILE).read_bytes() == (
        FIXTURE / layout.EVENTS_FILE
    ).read_bytes()
    for name in files_left(archive):
        assert not name.startswith("."), f"{name}: a temporary file left behind"
        if name.endswith(".json") or name.endswith(".ipynb"):
            json.loads((archive / name).read_text())  # whole
