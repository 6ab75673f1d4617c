"""Stages are earned, not granted. A cadence needs history that spans it: exercises in each
of two successive cadence periods (four exercises in one afternoon are no cadence). A CI
gate is the team's own gate runs recorded in its archives (a drill under CI with
--fail-on-breach), not the workbook's CI file. Every line names the file or the archive
that earns it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bookstore_resil.define.loader import load_system
from bookstore_resil.define.signoffs import load_signoffs
from bookstore_resil.history.checks import Check
from bookstore_resil.history.history import load_history
from bookstore_resil.history.stages import Checklist, checklist, stage_checklist
from tests.readiness_builders import (
    NOW,
    copy_bookstore,
    days_ago,
    everyone_agrees,
    ready_history,
    write_archive,
)

REPO = Path(__file__).resolve().parents[1]


def draw(folder: Path, reports: Path, at: datetime = NOW) -> Checklist:
    return checklist(load_system(folder), load_history(reports), load_signoffs(folder), at)


def cadence(folder: Path, reports: Path) -> Check:
    [found] = [c for c in draw(folder, reports).stages[2].checks if "periods of 5 weeks" in c.check]
    return found


def gate(folder: Path, reports: Path) -> Check:
    return draw(folder, reports).stages[4].checks[0]


def test_four_exercises_in_one_afternoon_are_no_cadence(tmp_path):
    reports = tmp_path / "reports"
    for hours in (1, 2, 3, 4):
        write_archive(reports, "api-failure", NOW - timedelta(hours=hours))
    check = cadence(copy_bookstore(tmp_path), reports)
    assert not check.met
    assert check.evidence.startswith(
        "2024-03-23 to 2024-04-27: none; 2024-04-27 to 2024-06-01: 4, "
    )


@pytest.mark.parametrize(
    ("ages", "met", "gap"),
    [
        ([70, 40, 10], True, "longest gap 30 days"),  # 70 days ago is the period's open end
        ([120, 40, 20, 3], True, "longest gap 20 days"),
        ([80, 40, 3], False, "longest gap 37 days"),  # one in each period, too far apart
        ([60, 50, 40], False, "2024-04-27 to 2024-06-01: none"),  # nothing lately
        ([20, 3], False, "2024-03-23 to 2024-04-27: none"),  # no earlier period
    ],
)
def test_a_cadence_needs_exercises_in_two_successive_periods(tmp_path, ages, met, gap):
    reports = tmp_path / "reports"
    for age in ages:
        write_archive(reports, "api-failure", days_ago(age))
    check = cadence(copy_bookstore(tmp_path), reports)
    assert check.met is met
    assert gap in check.evidence
    if met:
        assert f"latest {reports}/" in check.evidence


def test_a_gate_run_is_a_drill_under_ci_with_fail_on_breach(tmp_path):
    folder, reports = copy_bookstore(tmp_path), tmp_path / "reports"
    write_archive(reports, "cdn-failure", days_ago(2), outcome="failed", fail_on_breach=True)
    check = gate(folder, reports)
    assert not check.met, "--fail-on-breach at a desk is no CI gate"
    assert check.evidence == (
        "no archive of a drill run under CI with --fail-on-breach; with --fail-on-breach but "
        f"not a gate run: {reports}/20240530T120000-cdn-failure-auto-lab "
        "(cdn-failure on lab, auto, 2024-05-30, failed)"
    )
    write_archive(reports, "cdn-failure", days_ago(1), fail_on_breach=True, ci=True)
    check = gate(folder, reports)
    assert check.met
    assert check.evidence == (
        f"latest gate run: {reports}/20240531T120000-cdn-failure-auto-lab "
        "(cdn-failure on lab, auto, 2024-05-31, passed)"
    )


def test_a_ci_file_that_runs_the_gate_is_no_evidence(tmp_path):
    assert "--fail-on-breach" in (REPO / ".ci" / "run").read_text(), "the workbook's own gate"
    check = stage_checklist(REPO / "data" / "bookstore", tmp_path / "no-reports", NOW)
    assert not check.stages[4].met
    assert check.stages[4].checks[0].evidence == (
        "no archive of a drill run under CI with --fail-on-breach"
    )


FILES = re.compile(r"(system\.yaml|contacts\.yaml|signoffs\.yaml|playbooks/[\w-]+\.yaml)")


def test_every_line_names_the_file_or_archive_that_earns_it(tmp_path):
    folder, reports = copy_bookstore(tmp_path), tmp_path / "reports"
    everyone_agrees(folder)
    ready_history(reports)
    result = draw(folder, reports)
    assert result.reached == 5
    for stage in result.stages:
        for check in stage.checks:
            named = FILES.search(check.evidence) or f"{reports}/2024" in check.evidence
            assert named, (stage.stage, check.check, check.evidence)


def test_a_drill_records_whether_it_ran_under_ci(tmp_path, monkeypatch):
    from bookstore_resil.archive.measure import summarize_log
    from bookstore_resil.exercise.engine import Exercise
    from tests.memory_target import QUICK, MemoryTarget

    system = load_system(REPO / "data" / "bookstore")
    for ci, expected in (("true", True), ("", False), ("false", False)):
        monkeypatch.setenv("CI", ci)
        exercise = Exercise.create(
            system, "api-failure", MemoryTarget(tmp_path), tmp_path, f"ci-{expected}-{ci}",
            "auto", QUICK, fail_on_breach=True,
        )  # fmt: skip
        exercise.halt("recorded enough")
        summary = summarize_log(exercise.log.path)
        assert (summary.ci, summary.fail_on_breach) == (expected, True)


def test_gate_runs_count_only_as_of_the_moment(tmp_path):
    folder, reports = copy_bookstore(tmp_path), tmp_path / "reports"
    write_archive(reports, "cdn-failure", days_ago(1), fail_on_breach=True, ci=True)
    assert not draw(folder, reports, NOW - timedelta(days=2)).stages[4].met
    assert draw(folder, reports, datetime(2024, 6, 1, tzinfo=timezone.utc)).stages[4].met
