"""Every time in an event log lies within its exercise: from ``exercise_started`` to the
last event, give or take a few seconds, and never far ahead of the reader's clock. A probe
sample moved to 2099 (or to before the start, or its own ``at`` moved) made ``report`` print
a downtime of minus two billion seconds and exit 0; now it is one line naming the line and
the field, ``history`` skips the archive, and the observers' page says the same line."""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from bookstore_resil.archive.events import read_events
from bookstore_resil.cli import main
from bookstore_resil.errors import EventLogError
from bookstore_resil.exercise.observe import in_background, url_of
from bookstore_resil.history.history import load_history
from bookstore_resil.report.document import load_report

FIXTURE = Path(__file__).parent / "fixtures" / "archives" / "database-data-loss"
SPAN = "(2024-03-19T09:30:00.250000Z to 2024-03-19T09:30:54.070000Z)"


def moved(line: int, **fields: str) -> Callable[[list[str]], None]:
    def move(lines: list[str]) -> None:
        lines[line - 1] = json.dumps({**json.loads(lines[line - 1]), **fields})

    return move


MOVES = {
    # name: (move, line, field, message)
    "probe-in-2099": (
        moved(3, ts="2099-01-01T00:00:00Z"),
        3,
        "ts",
        f"2099-01-01T00:00:00Z lies outside the exercise {SPAN}",
    ),
    "probe-sample-at-2099": (
        moved(3, at="2099-01-01T00:00:00Z"),
        3,
        "at",
        f"2099-01-01T00:00:00Z lies outside the exercise {SPAN}",
    ),
    "probe-before-the-start": (
        moved(3, ts="1999-01-01T00:00:00Z"),
        3,
        "ts",
        f"1999-01-01T00:00:00Z lies outside the exercise {SPAN}",
    ),
    "finish-in-2099": (
        moved(142, ts="2099-01-01T00:00:00Z"),
        142,
        "ts",
        "2099-01-01T00:00:00Z is in the future",
    ),
}


def archive_with(tmp_path: Path, name: str) -> Path:
    archive = Path(shutil.copytree(FIXTURE, tmp_path / "reports" / name))
    (archive / "summary.json").unlink(missing_ok=True)
    log = archive / "events.jsonl"
    lines = log.read_text().split("\n")
    MOVES[name][0](lines)
    log.write_text("\n".join(lines))
    return archive


@pytest.mark.parametrize("name", MOVES)
def test_a_time_outside_the_exercise_is_one_line_naming_it(tmp_path: Path, capsys, name: str):
    archive = archive_with(tmp_path, name)
    _, line, field, message = MOVES[name]
    expected = f"{archive / 'events.jsonl'}:{line}: {field}: {message}"

    with pytest.raises(EventLogError) as raised:
        load_report(archive)
    assert str(raised.value) == expected
    assert main(["report", str(archive)]) == 1
    assert capsys.readouterr().err.splitlines() == [f"bookstore-resil: error: {expected}"]

    [skipped] = load_history(tmp_path / "reports").skipped
    assert str(skipped) == expected

    server = in_background(archive)
    try:
        with urllib.request.urlopen(url_of(server), timeout=5) as response:
            page = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "Cannot show this exercise" in page
    assert f"{line}: {field}: {message}" in page


def test_the_suites_own_archives_lie_within_their_exercises():
    logs = sorted((Path(__file__).parent / "fixtures" / "archives").glob("*/events.jsonl"))
    assert len(logs) >= 6
    for log in logs:
        assert read_events(log).events  # raises on a line outside its exercise
