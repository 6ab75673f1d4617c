"""`history --json` is exactly {"exercises": [summary.json, ...]}, oldest first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bookstore_resil.archive.events import read_events
from bookstore_resil.archive.layout import write_summary
from bookstore_resil.archive.measure import summarize
from bookstore_resil.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "archives"


@pytest.fixture
def reports(tmp_path) -> Path:
    """The fixtures as archives, all with summary.json but the crashed one, plus a broken one."""
    root = tmp_path / "reports"
    for source in FIXTURES.iterdir():
        folder = shutil.copytree(source, root / source.name)
        if source.name != "api-crashed":
            contents = read_events(folder / "events.jsonl")
            write_summary(folder, summarize(contents.events, contents.truncated))
    (root / "zz-broken").mkdir()
    (root / "zz-broken" / "summary.json").write_text('{"exercise_id": ')
    return root


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def expected_summary(folder: Path) -> dict:
    """summary.json as on disk; for the crashed exercise, as write_summary would write it."""
    path = folder / "summary.json"
    if path.exists():
        return json.loads(path.read_text())
    contents = read_events(folder / "events.jsonl")
    return json.loads(
        json.dumps(summarize(contents.events, contents.truncated).to_dict(), default=str)
    )


def test_history_json_is_the_summary_files_oldest_first(reports, capsys):
    code, out, err = run(capsys, "history", "--out", str(reports), "--json")
    assert code == 0
    expected = [expected_summary(f) for f in reports.iterdir() if f.name != "zz-broken"]
    expected.sort(key=lambda doc: doc["started_at"])
    assert json.loads(out) == {"exercises": expected}
    assert len(expected) == 6


def test_a_crashed_exercise_appears_with_outcome_error(reports, capsys):
    _, out, _ = run(capsys, "history", "--out", str(reports), "--json")
    crashed = json.loads(out)["exercises"][-1]
    assert crashed["exercise_id"].endswith("api-failure-aa2697")
    assert (crashed["outcome"], crashed["log_truncated"], crashed["ended_at"]) == (
        "error",
        True,
        None,
    )


def test_a_broken_archive_is_one_line_on_stderr_and_skipped(reports, capsys):
    code, out, err = run(capsys, "history", "--out", str(reports), "--json")
    assert code == 0
    assert err.splitlines() == [
        f"bookstore-resil: skipped {reports / 'zz-broken' / 'summary.json'}: "
        "Expecting value: line 1 column 17 (char 16)"
    ]
    assert "Traceback" not in err
    json.loads(out)


def test_history_text_lists_every_exercise_and_the_cadence(reports, tmp_path, capsys):
    chart = tmp_path / "trend.png"
    code, out, _ = run(
        capsys, "history", "--out", str(reports), "--cadence", "5W", "--chart", str(chart)
    )
    assert code == 0
    assert out.startswith(f"6 exercises in {reports}, oldest first:")
    assert out.count("api-failure-") == 3
    assert "Last exercise per scenario (cadence: every 5W):" in out
    assert "cdn-failure: last 2024-04-02 (failed)" in out
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_an_empty_reports_folder(tmp_path, capsys):
    code, out, _ = run(capsys, "history", "--out", str(tmp_path), "--json")
    assert (code, json.loads(out)) == (0, {"exercises": []})


def test_a_bad_cadence_is_a_usage_error(reports, capsys):
    code, out, err = run(capsys, "history", "--out", str(reports), "--cadence", "often")
    assert code == 2 and out == ""
    assert err.startswith("bookstore-resil: error: --cadence:")


def test_the_report_command_on_a_folder_without_events_is_one_line(tmp_path, capsys):
    code, out, err = run(capsys, "report", str(tmp_path))
    assert code == 2 and out == ""
    assert err == f"bookstore-resil: error: {tmp_path}: no events.jsonl: not an exercise archive\n"
