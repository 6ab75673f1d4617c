"""Notebooks 03 and 04 as a team opens them in JupyterLab: 03 finds ``reports/<id>`` from
``notebooks/`` (one folder up, as 02 and 04 do) and, when there is no archive where it
looks, lists the ones it knows; 04's trend axis spans the exercises (one exercise: a day,
not years), its table wraps to the page, and a halted (aborted) run is no evidence for the
cadence nor for an objective recommendation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bookstore_resil.archive.events import read_events
from bookstore_resil.archive.layout import write_summary
from bookstore_resil.archive.measure import summarize
from bookstore_resil.errors import NotAnArchive
from bookstore_resil.history.history import ages, load_history, page_table
from bookstore_resil.report.charts import trend_figure
from bookstore_resil.report.document import load_report

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
DATA = Path(__file__).parent.parent / "data" / "bookstore"
OBJECTIVES = {"tighten-rto", "tighten-rpo", "objective-missed"}


def workbook(tmp_path: Path, *names: str) -> Path:
    """A workbook folder: notebooks/ beside reports/ holding the fixture archives named."""
    (tmp_path / "notebooks").mkdir()
    for name in names:
        folder = shutil.copytree(FIXTURES / name, tmp_path / "reports" / name)
        contents = read_events(folder / "events.jsonl")
        write_summary(folder, summarize(contents.events, contents.truncated))
    return tmp_path


def test_notebook_03_finds_the_archive_one_folder_up_and_lists_them_when_none(
    tmp_path, monkeypatch
):
    root = workbook(tmp_path, "api-passed", "cdn-failed")
    monkeypatch.chdir(root / "notebooks")
    report = load_report("reports/api-passed", DATA)
    assert report.summary.exercise_id and report.archive_dir == root / "reports" / "api-passed"
    with pytest.raises(NotAnArchive) as missing:
        load_report(".", DATA)
    assert "api-passed" in str(missing.value) and "cdn-failed" in str(missing.value)


def test_an_aborted_run_is_no_evidence_for_objectives_or_the_cadence(tmp_path):
    root = workbook(tmp_path, "api-aborted")
    report = load_report(root / "reports" / "api-aborted", DATA)
    assert report.summary.outcome == "aborted"
    assert not OBJECTIVES & {r.kind for r in report.findings.recommendations}
    [age] = ages(load_history(root / "reports"), 5 * 7 * 86400.0)
    assert (age.last_exercise_id, age.overdue) == (None, True)  # never really exercised


def test_one_exercise_on_the_trend_spans_a_day_and_the_table_wraps(tmp_path):
    history = load_history(workbook(tmp_path, "api-passed") / "reports")
    figure = trend_figure(history.table())
    low, high = figure.axes[0].get_xlim()  # matplotlib's dates are in days
    assert 0.5 < high - low < 3
    table = page_table(history).html
    assert "white-space:normal" in table and "-<wbr>" in table
