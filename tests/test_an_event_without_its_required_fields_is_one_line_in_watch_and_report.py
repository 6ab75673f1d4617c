"""Every event type's fields are checked as the log is read: a ``briefing`` without
``expect_downtime_s`` made ``watch`` print a traceback and send an empty reply, and
``report`` fail with "cell 4: KeyError". Now each such event is one line naming the line
and the field: ``report`` exits 1 with it, and the observers' page shows it (no traceback
on the watcher's terminal)."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.exercise.observe import in_background, url_of

FIXTURE = Path(__file__).parent / "fixtures" / "archives" / "api-aborted"

BRIEFING = {
    "type": "briefing",
    "hypothesis": "back within 5 minutes, no acknowledged write lost",
    "expect_downtime_s": 300.0,
    "expect_data_loss_s": 0.0,
}
BROKEN = {
    # name: (the event added after exercise_started, field, message)
    "briefing-without-expected-downtime": (
        {k: v for k, v in BRIEFING.items() if k != "expect_downtime_s"},
        "expect_downtime_s",
        "missing",
    ),
    "briefing-downtime-in-words": (
        {**BRIEFING, "expect_downtime_s": "five minutes"},
        "expect_downtime_s",
        "not a number of seconds",
    ),
    "briefing-without-hypothesis": (
        {k: v for k, v in BRIEFING.items() if k != "hypothesis"},
        "hypothesis",
        "missing",
    ),
    "observation-without-text": ({"type": "observation", "author": "Ann"}, "text", "missing"),
    "observation-author-a-number": (
        {"type": "observation", "text": "slow", "author": 7},
        "author",
        "not a string",
    ),
    "notification-without-contact": (
        {"type": "notification", "reason": "owner"},
        "contact",
        "missing",
    ),
}


def archive_with(tmp_path: Path, event: dict) -> Path:
    archive = Path(shutil.copytree(FIXTURE, tmp_path / "reports" / "broken"))
    (archive / "summary.json").unlink(missing_ok=True)
    for stale in ("report.html", "exercise.ipynb"):
        (archive / stale).unlink(missing_ok=True)
    log = archive / "events.jsonl"
    lines = log.read_text().split("\n")
    start = json.loads(lines[0])
    lines.insert(1, json.dumps({"ts": start["ts"], **event}))
    log.write_text("\n".join(lines))
    return archive


@pytest.mark.parametrize("name", BROKEN)
def test_an_event_without_its_fields_is_one_line_in_report_and_watch(
    tmp_path: Path, capsys, name: str
):
    event, field, message = BROKEN[name]
    archive = archive_with(tmp_path, event)
    where = f"{archive / 'events.jsonl'}:2: {field}: {message}"

    assert main(["report", str(archive)]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"bookstore-resil: error: {where}")

    server = in_background(archive)
    try:
        with urllib.request.urlopen(url_of(server), timeout=5) as response:
            status, page = response.status, response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert status == 200
    assert "Cannot show this exercise" in page and f":2: {field}: {message}" in page
    assert "Traceback" not in capsys.readouterr().err


def test_a_whole_briefing_still_reads(tmp_path: Path, capsys):
    archive = archive_with(tmp_path, BRIEFING)
    assert main(["report", str(archive)]) == 0
    server = in_background(archive)
    try:
        with urllib.request.urlopen(url_of(server), timeout=5) as response:
            page = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert f"<b>Hypothesis:</b> {BRIEFING['hypothesis']}" in page
