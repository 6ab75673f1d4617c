"""Reports rebuilt from recorded event logs of every outcome carry the event log's numbers.

Each fixture under ``tests/fixtures/archives/`` is a recorded ``events.jsonl``: passed,
failed, aborted, error, a database exercise with canaries, and a log cut short by a crash
(torn last line, no summary.json). ``build_report`` runs on a copy of each, once per test
run (``built_archives``, tests/conftest_archives.py); the numbers in the ``summary.json`` it
writes are checked against an independent reading of the events.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.contract import SUMMARY_KEYS

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
EXPECTED = {
    # name: (outcome, rto_met, rpo_met, data loss measured)
    "api-passed": ("passed", True, None, False),
    "database-data-loss": ("passed", True, True, True),
    "cdn-failed": ("failed", None, None, False),
    "api-aborted": ("aborted", None, None, False),
    "database-error": ("error", True, None, False),
    "api-crashed": ("error", None, None, False),
}


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def read_log(path: Path) -> list[dict]:
    """The events, dropping a torn last line: a small reading independent of the package."""
    events = []
    for line in path.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


def downtime(events: list[dict]) -> float | None:
    """First failed probe of the measured endpoint after the fault, to the first good probe
    that stays good for sustain_s (or to the end of the log when it never does)."""
    start = events[0]
    endpoint, sustain = start["measured_endpoint"], start["sustain_s"]
    fault = next(ts(e["at"]) for e in events if e["type"] in ("fault_injected", "outage_declared"))
    end = ts(events[-1]["ts"])
    samples = [(ts(e["at"]), e["up"]) for e in events if e.get("endpoint") == endpoint]
    samples = [s for s in samples if s[0] >= fault]
    if not samples:
        return None
    down_at = next(t for t, up in samples if not up)
    for index, (t, up) in enumerate(samples):
        if t <= down_at or not up:
            continue
        next_down = next((t2 for t2, up2 in samples[index + 1 :] if not up2), end)
        if (next_down - t).total_seconds() >= sustain:
            return round((t - down_at).total_seconds(), 3)
    return round((end - down_at).total_seconds(), 3)


def data_loss(events: list[dict]) -> float | None:
    """From the last surviving acknowledged write before the first lost one to the last lost,
    or to the fault when the writes were lost from before it."""
    checks = [e for e in events if e["type"] == "canary_check"]
    if not checks or checks[-1]["surviving"] is None:
        return None
    surviving = set(checks[-1]["surviving"])
    acked = {e["seq"]: ts(e["at"]) for e in events if e["type"] == "canary" and e["ack"]}
    lost = sorted(seq for seq in acked if seq not in surviving)
    if not lost:
        return 0.0
    kept = [seq for seq in acked if seq < lost[0] and seq in surviving]
    since = acked[max(kept)] if kept else ts(events[0]["ts"])
    fault = next(ts(e["at"]) for e in events if e["type"] in ("fault_injected", "outage_declared"))
    end = max(acked[lost[-1]], fault) if acked[lost[0]] <= fault else acked[lost[-1]]
    return round((end - since).total_seconds(), 3)


def step_times(events: list[dict]) -> dict[str, tuple[str, float | None]]:
    started = {e["step"]: ts(e["ts"]) for e in events if e["type"] == "step_started"}
    times: dict[str, tuple[str, float | None]] = {step: ("running", None) for step in started}
    for e in events:
        if e["type"] == "step_finished":
            times[e["step"]] = (
                e["status"],
                round((ts(e["ts"]) - started[e["step"]]).total_seconds(), 3),
            )
    return times


def test_the_crashed_fixture_has_a_torn_last_line_and_no_summary():
    text = (FIXTURES / "api-crashed" / "events.jsonl").read_text()
    assert not text.endswith("\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[-1])
    assert not (FIXTURES / "api-crashed" / "summary.json").exists()


@pytest.mark.parametrize("name", EXPECTED)
def test_summary_json_numbers_are_the_event_logs(built_archives, name):
    folder = built_archives[name].folder
    summary = json.loads((folder / "summary.json").read_text())
    events = read_log(folder / "events.jsonl")
    outcome, rto_met, rpo_met, loss_measured = EXPECTED[name]

    assert SUMMARY_KEYS <= summary.keys()
    assert summary["exercise_id"] == events[0]["exercise_id"]
    assert summary["outcome"] == outcome
    assert summary["rto_s"] == events[0]["rto_s"] and summary["rpo_s"] == events[0]["rpo_s"]
    assert summary["measured_downtime_s"] == pytest.approx(downtime(events), abs=1e-3)
    assert summary["rto_met"] is rto_met
    assert summary["rpo_met"] is rpo_met
    assert (summary["measured_data_loss_s"] is not None) is loss_measured
    if loss_measured:
        assert summary["measured_data_loss_s"] == pytest.approx(data_loss(events), abs=1e-3)
    assert summary["log_truncated"] is (name == "api-crashed")
    times = step_times(events)
    assert [s["id"] for s in summary["steps"]] == list(times)
    for step in summary["steps"]:
        status, duration = times[step["id"]]
        assert step["status"] == status
        assert step["duration_s"] == (
            None if duration is None else pytest.approx(duration, abs=1e-3)
        )


def test_database_data_loss_is_the_window_of_lost_acknowledged_writes(built_archives):
    folder = built_archives["database-data-loss"].folder
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["canary"]["lost"] == [5, 6, 7, 8, 9, 10, 11, 12]
    # From write 4 (the last that survived) to the fault, 0.1 s after write 12.
    assert summary["measured_data_loss_s"] == pytest.approx(4.1)


@pytest.mark.parametrize("name", EXPECTED)
def test_every_outcome_gets_notebook_html_and_charts(built_archives, name):
    built = built_archives[name]
    folder, paths, lines = built.folder, built.paths, built.progress
    assert Path(paths.notebook) == folder / "report.ipynb"
    assert Path(paths.html) == folder / "report.html"
    charts = {Path(p).name for p in paths.charts}
    with_canary = name.startswith("database-")
    assert charts == {"timeline.png", "objectives.png"} | ({"canary.png"} if with_canary else set())
    for path in paths.files():
        assert Path(path).stat().st_size > 0
    assert [line.split(": ")[1] for line in lines] == [
        "summary.json",
        "charts",
        "report.ipynb",
        "report.html",
    ]
    executed = json.loads((folder / "report.ipynb").read_text())
    assert executed["metadata"]["papermill"]["parameters"]["archive_dir"] == "."
