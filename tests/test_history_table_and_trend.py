"""The history: one row per archive oldest first, a trend chart, and ages against a cadence."""

from __future__ import annotations

import io
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import matplotlib.image
import pytest

from bookstore_resil.archive.events import read_events
from bookstore_resil.archive.layout import write_summary
from bookstore_resil.archive.measure import summarize
from bookstore_resil.archive.notebooks import local_kernel_class
from bookstore_resil.history.history import (
    COLUMNS,
    ages,
    cadence_table,
    load_history,
    objectives,
    readable,
    trend,
)

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
DATA = Path(__file__).parent.parent / "data" / "bookstore"
WEEK = 7 * 86400.0


def archive_all(root: Path) -> Path:
    """The fixtures as a reports folder: summary.json everywhere but the crashed exercise."""
    for source in FIXTURES.iterdir():
        folder = shutil.copytree(source, root / source.name)
        if source.name != "api-crashed":
            contents = read_events(folder / "events.jsonl")
            write_summary(folder, summarize(contents.events, contents.truncated))
    return root


@pytest.fixture
def reports(tmp_path) -> Path:
    return archive_all(tmp_path / "reports")


def test_one_row_per_archive_oldest_first(reports):
    table = load_history(reports).table()
    assert list(table.columns) == list(COLUMNS)
    assert list(table["scenario"]) == [
        "api-failure",
        "database-failure",
        "cdn-failure",
        "api-failure",
        "database-failure",
        "api-failure",
    ]
    assert table["date"].is_monotonic_increasing
    assert str(table["date"].dt.tz) == "UTC"
    assert list(table["outcome"]) == ["passed", "passed", "failed", "aborted", "error", "error"]
    assert table["downtime_s"].iloc[0] == pytest.approx(25.56)
    assert table["data_loss_s"].iloc[1] == pytest.approx(4.1)


def test_a_crashed_archive_is_summarized_from_its_events(reports):
    history = load_history(reports)
    crashed = next(doc for doc in history.exercises if doc["log_truncated"])
    assert not (reports / "api-crashed" / "summary.json").exists()
    assert crashed["outcome"] == "error"
    assert crashed["steps"][-1]["status"] == "running"


def test_a_broken_archive_is_skipped_with_the_file_named(reports):
    (reports / "api-passed" / "summary.json").write_text("{not json")
    (reports / "no-start").mkdir()
    (reports / "no-start" / "events.jsonl").write_text(
        '{"ts": "2024-01-01T00:00:00Z", "type": "note"}\n'
    )
    (reports / "not-an-archive").mkdir()
    (reports / "README.md").write_text("archives land here")
    history = load_history(reports)
    assert len(history.exercises) == 5
    assert sorted(Path(s.path).parent.name for s in history.skipped) == ["api-passed", "no-start"]
    assert str(history.skipped[0]).startswith(str(reports / "api-passed" / "summary.json"))


def test_a_summary_missing_required_fields_is_skipped(reports):
    (reports / "api-passed" / "summary.json").write_text(json.dumps({"exercise_id": "x"}))
    skipped = load_history(reports).skipped
    assert len(skipped) == 1 and "missing" in skipped[0].reason


def test_no_reports_folder_is_an_empty_history(tmp_path):
    history = load_history(tmp_path / "nowhere")
    assert history.exercises == () and len(history.table()) == 0


def test_readable_table_spells_durations_and_verdicts(reports):
    table = readable(load_history(reports).table())
    first = table.iloc[0]
    assert (first["downtime"], first["RTO"], first["RTO met"], first["RPO met"]) == (
        "25.6s",
        "12h",
        "met",
        "not measured",
    )
    assert table.iloc[2]["RTO met"] == "undecided"


def test_ages_against_the_cadence(reports):
    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    found = {a.scenario: a for a in ages(load_history(reports), 5 * WEEK, now, ["new-one"])}
    # The crashed run of 2024-05-14 (error) and the halted one of 2024-04-16 tested nothing:
    # the last exercise that counts is the pass of 2024-03-05.
    assert found["api-failure"].last_at.startswith("2024-03-05")
    assert found["api-failure"].overdue
    assert found["cdn-failure"].overdue
    assert found["cdn-failure"].age_s == pytest.approx(
        (now - datetime(2024, 4, 2, 14, tzinfo=timezone.utc)).total_seconds()
    )
    assert found["new-one"].overdue and found["new-one"].last_at is None
    assert str(found["new-one"]) == "new-one: never exercised: overdue"
    assert "overdue by" in str(found["api-failure"]) and "overdue by" in str(found["cdn-failure"])
    recent = ages(load_history(reports), 5 * WEEK, datetime(2024, 4, 1, tzinfo=timezone.utc), [])
    assert "due in" in str(next(a for a in recent if a.scenario == "api-failure"))


def test_cadence_table_takes_durations_and_the_systems_scenarios(reports):
    table = cadence_table(load_history(reports), "5W", "2024-05-20T00:00:00Z", DATA)
    assert list(table["scenario"]) == ["api-failure", "cdn-failure", "database-failure"]
    assert list(table["overdue"]) == [True, True, True]  # errors and halts are no evidence
    assert set(table["cadence"]) == {"35d"}


def png_pixels(data: bytes):
    return matplotlib.image.imread(io.BytesIO(data), format="png")


def test_trend_and_objectives_charts_are_drawn(reports):
    history = load_history(reports)
    for chart in (trend(history), objectives(history)):
        pixels = png_pixels(chart.data)
        assert pixels.shape[0] > 300 and pixels.shape[1] > 800
        assert len({tuple(p) for p in pixels.reshape(-1, pixels.shape[2])[::97]}) > 10


def test_charts_of_an_empty_history_say_so(tmp_path):
    history = load_history(tmp_path)
    assert "No exercise archived" in objectives(history)._repr_html_()
    assert png_pixels(trend(history).data).size > 0


@pytest.mark.slow  # a kernel
def test_the_history_notebook_runs_headless_from_the_repo_root(reports, tmp_path):
    # From notebooks/ it runs on its defaults under nbval (test_notebooks_under_nbval.py).
    import papermill

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "history.ipynb"
    papermill.execute_notebook(
        str(root / "notebooks" / "04_history.ipynb"),
        str(out),
        parameters={"reports_dir": str(reports), "now": "2024-05-20T00:00:00Z"},
        kernel_name="python3",
        kernel_manager_class=local_kernel_class(),
        cwd=str(root),
        progress_bar=False,
    )
    outputs = [o for c in json.loads(out.read_text())["cells"] for o in c.get("outputs", [])]
    html = "".join(
        "".join(o["data"]["text/html"]) for o in outputs if "text/html" in o.get("data", {})
    ).replace("<wbr>", "")  # the table's ids may break after a dash
    assert html.count("api-failure-") >= 3  # the table, then the cadence
    assert "overdue" in html  # the cadence table
    assert "cdn-failure" in html and "True" in html  # cdn overdue on 2024-05-20
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert [o["metadata"]["image/png"]["alt"][:8] for o in images] == ["Measured", "Each sce"]
