"""A halted run stopped before the recovery and a dry run broke nothing: the history lists
them, marked, but the downtime trend and the objectives chart leave them out, and a dry run
does not count as the scenario's last exercise. Ages read as people say them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bookstore_resil.history.history import (
    age_words,
    ages,
    draw_trend,
    for_trend,
    load_history,
    readable,
)
from bookstore_resil.report.charts import trend_chart

NOW = datetime(2026, 11, 26, 21, 0, tzinfo=timezone.utc)


def archive(root: Path, name: str, minutes_ago: float, outcome: str, downtime: float, **extra):
    folder = root / name
    folder.mkdir(parents=True)
    summary = {
        "exercise_id": name,
        "scenario": "api-failure",
        "target": "lab",
        "mode": "interactive",
        "started_at": (NOW - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z"),
        "outcome": outcome,
        "rto_s": 43200.0,
        "rpo_s": 86400.0,
        "measured_downtime_s": downtime,
        "measured_data_loss_s": None,
        "rto_met": None if outcome == "aborted" else True,
        "rpo_met": None,
        **extra,
    }
    (folder / "summary.json").write_text(json.dumps(summary))


@pytest.fixture
def reports(tmp_path) -> Path:
    root = tmp_path / "reports"
    archive(root, "a-passed", 60 * 24 * 3, "passed", 4.5)
    archive(root, "b-halted", 60 * 24 * 2, "aborted", 950.0)  # a long outage cut short
    archive(root, "c-dry", 30, "passed", None, dry_run=True)
    archive(root, "d-passed", 8, "passed", 3.9)
    return root


def test_halted_and_dry_runs_stay_out_of_the_trend(reports, monkeypatch):
    history = load_history(reports)
    assert [d["exercise_id"] for d in for_trend(history).exercises] == ["a-passed", "d-passed"]
    drawn = {}

    def spy(table, path, left_out=None):
        drawn["ids"], drawn["left_out"] = list(table["exercise_id"]), left_out
        return trend_chart(table, path, left_out)

    monkeypatch.setattr("bookstore_resil.report.charts.trend_chart", spy)
    draw_trend(history, reports / "trend.png")
    assert drawn["ids"] == ["a-passed", "d-passed"]
    assert drawn["left_out"] == {"api-failure": 2}
    assert (reports / "trend.png").stat().st_size > 10_000


def test_the_table_lists_them_marked(reports):
    table = readable(load_history(reports).table())
    assert list(table["outcome"]) == ["passed", "aborted", "passed (dry run)", "passed"]


def test_a_dry_run_is_not_the_last_exercise_of_its_scenario(reports, tmp_path):
    archive(tmp_path / "only-dry", "x-dry", 5, "passed", None, dry_run=True)
    assert ages(load_history(tmp_path / "only-dry"), 35 * 86400, NOW, ["api-failure"])[0].overdue
    [age] = ages(load_history(reports), 35 * 86400, NOW)
    assert age.last_exercise_id == "d-passed"
    assert "8min ago" in str(age)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (20, "under 1min"),
        (8 * 60 + 10, "8min"),
        (95 * 60, "2h"),
        (30 * 3600, "1d 6h"),
        (9e5, "10d"),
    ],
)
def test_ages_read_as_people_say_them(seconds, said):
    assert age_words(seconds) == said
