"""``report`` on an event log with a bad line or value says which line and which field, in
one line, and exits 1; ``history`` skips that archive and lists it. Never a traceback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bookstore_resil.archive.measure import summarize_log
from bookstore_resil.cli import main
from bookstore_resil.errors import EventLogError
from bookstore_resil.history.history import load_history
from bookstore_resil.report.document import load_report

FIXTURE = Path(__file__).parent / "fixtures" / "archives" / "database-data-loss"


def edit(line: int, change: Callable[[dict], object]) -> Callable[[list[bytes]], None]:
    def damage(lines: list[bytes]) -> None:
        event = json.loads(lines[line - 1])
        change(event)
        lines[line - 1] = json.dumps(event).encode()

    return damage


def replace(line: int, raw: bytes) -> Callable[[list[bytes]], None]:
    return lambda lines: lines.__setitem__(line - 1, raw)


DAMAGE = {
    # name: (damage, line, field)
    "ts-yesterday": (edit(3, lambda e: e.update(ts="yesterday")), 3, "ts"),
    "ts-without-zone": (edit(3, lambda e: e.update(ts="2024-03-19T09:30:00")), 3, "ts"),
    "probe-without-endpoint": (edit(3, lambda e: e.pop("endpoint")), 3, "endpoint"),
    "probe-up-is-a-word": (edit(3, lambda e: e.update(up="yes")), 3, "up"),
    "rto-is-nan": (
        replace(
            1,
            FIXTURE.joinpath("events.jsonl")
            .read_bytes()
            .split(b"\n")[0]
            .replace(b'"rto_s":43200.0', b'"rto_s":NaN'),
        ),
        1,
        "rto_s",
    ),
    "rto-past-datetime": (edit(1, lambda e: e.update(rto_s=1e308)), 1, "rto_s"),
    "canary-seq-is-text": (edit(6, lambda e: e.update(seq="five")), 6, "seq"),
    "fault-at-null": (edit(18, lambda e: e.update(at=None)), 18, "at"),
    "step-status-unknown": (edit(25, lambda e: e.update(status="sort of")), 25, "status"),
    "surviving-not-a-list": (edit(141, lambda e: e.update(surviving="all")), 141, "surviving"),
    "not-an-object": (replace(2, b"[1, 2, 3]"), 2, "event"),
    "not-json": (replace(30, b"{this is not json"), 30, "event"),
    "not-utf-8": (replace(30, b'{"ts": "\xff\xfe"}'), 30, "event"),
    "no-exercise-started": (replace(1, b""), 1, "type"),
}


def damaged(tmp_path: Path, name: str) -> Path:
    archive = Path(shutil.copytree(FIXTURE, tmp_path / "reports" / name))
    (archive / "summary.json").unlink(missing_ok=True)
    log = archive / "events.jsonl"
    lines = log.read_bytes().split(b"\n")
    DAMAGE[name][0](lines)
    log.write_bytes(b"\n".join(lines))
    return archive


@pytest.mark.parametrize("name", DAMAGE)
def test_report_names_the_line_and_the_field(tmp_path, capsys, name):
    archive = damaged(tmp_path, name)
    _, line, field = DAMAGE[name]
    where = f"{archive / 'events.jsonl'}:{line}: {field}: "

    with pytest.raises(EventLogError) as raised:
        load_report(archive)
    assert str(raised.value).startswith(where)

    assert main(["report", str(archive)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"bookstore-resil: error: {where}"), err


def test_history_skips_a_damaged_archive_and_lists_it(tmp_path, capsys):
    reports = tmp_path / "reports"
    good = Path(shutil.copytree(FIXTURE, reports / "good"))
    damaged(tmp_path, "ts-yesterday")
    badly_summed = Path(shutil.copytree(FIXTURE, reports / "bad-summary"))
    summary = json.loads(json.dumps(summarize_log(good / "events.jsonl").to_dict()))
    (badly_summed / "summary.json").write_text(json.dumps({**summary, "rto_s": "12h"}))

    history = load_history(reports)

    assert [doc["exercise_id"] for doc in history.exercises] == [summary["exercise_id"]]
    assert sorted(s.path for s in history.skipped) == [
        str(badly_summed / "summary.json"),
        str(reports / "ts-yesterday" / "events.jsonl"),
    ]
    assert main(["history", "--out", str(reports), "--json"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["exercises"]) == 1
    skipped = captured.err.splitlines()
    assert len(skipped) == 2
    assert skipped[0].startswith(f"bookstore-resil: skipped {badly_summed / 'summary.json'}: ")
    assert skipped[1].startswith(
        f"bookstore-resil: skipped {reports / 'ts-yesterday' / 'events.jsonl'}:3: ts: not an "
    )
