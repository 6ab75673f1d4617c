"""Stages are earned from real evidence. An objective not measured is not met: a
``fault: manual`` exercise in which nobody broke anything says "passed" with its RTO "not
measured", and that earns neither stage 1's manual exercise nor stage 2. A CI gate counts
only when it came to a measured verdict (a gate that measured nothing checked nothing).
An archive copied into a second folder is one exercise: ``history`` lists it once and the
stages count it once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.history.history import load_history
from tests.readiness_builders import (
    SCENARIOS,
    copy_bookstore,
    days_ago,
    everyone_agrees,
    ready_history,
    write_archive,
)
from tests.test_stage_checklist_from_histories import draw, line, met

NOT_MEASURED = {"measured_downtime_s": None, "rto_met": None}


@pytest.mark.parametrize(
    ("outcome", "verdicts", "shown"),
    [
        ("passed", NOT_MEASURED, "passed, RTO not measured"),
        ("passed", {"measured_data_loss_s": None, "rpo_met": None}, "passed, RPO not measured"),
        ("missed", {"rto_met": False}, "missed"),
        ("inconclusive", {}, "inconclusive"),
        ("aborted", {}, "aborted"),
        ("error", {}, "error"),
    ],
)
def test_an_exercise_whose_objective_was_not_measured_and_met_earns_no_stage(
    tmp_path: Path, outcome: str, verdicts: dict, shown: str
):
    reports = tmp_path / "reports"
    manual = write_archive(
        reports, "database-failure", days_ago(3), mode="interactive", outcome=outcome, **verdicts
    )
    result = draw(copy_bookstore(tmp_path), reports)

    assert result.stages[1].met is False
    assert line(result, "manual failover").met is False
    where = f"{manual} (database-failure on lab, interactive, 2024-05-29, {shown})"
    assert result.stages[1].checks[0].evidence == (
        "no critical-dependency exercise passed on a non-production target with its RTO and "
        f"RPO measured and met: {where}"
    )
    assert line(result, "manual failover").evidence == (
        f"no interactive exercise passed with its RTO and RPO measured and met: {where}"
    )


def test_the_same_exercise_measured_and_met_earns_them(tmp_path: Path):
    reports = tmp_path / "reports"
    write_archive(reports, "database-failure", days_ago(3), mode="interactive")
    result = draw(copy_bookstore(tmp_path), reports)
    assert result.stages[1].met and line(result, "manual failover").met


def test_a_ci_gate_that_measured_nothing_is_no_gate(tmp_path: Path):
    folder = copy_bookstore(tmp_path)
    everyone_agrees(folder)
    reports = tmp_path / "reports"
    ready_history(reports)
    gated = [p for p in reports.iterdir() if '"ci": true' in (p / "summary.json").read_text()]
    [gate] = gated
    summary = (gate / "summary.json").read_text()
    (gate / "summary.json").write_text(
        summary.replace('"rto_met": true', '"rto_met": null').replace(
            '"rpo_met": true', '"rpo_met": null'
        )
    )
    result = draw(folder, reports)
    assert met(result)[5] is False
    assert result.stages[4].checks[0].evidence == (
        "no archive of a drill run under CI with --fail-on-breach; with --fail-on-breach but "
        f"not a gate run: {gate} (api-failure on lab, auto, 2024-05-27, passed, RTO and RPO "
        "not measured)"
    )


def test_an_archive_copied_into_two_folders_counts_once(tmp_path: Path, capsys):
    folder = copy_bookstore(tmp_path)
    reports = tmp_path / "reports"
    for scenario in SCENARIOS:
        original = write_archive(reports, scenario, days_ago(3))
        shutil.copytree(original, reports / f"copy-of-{original.name}")
        shutil.copytree(original, reports / f"{original.name}-again")

    history = load_history(reports)
    assert tuple(doc["scenario"] for doc in history.exercises) == SCENARIOS
    assert [Path(path).name for path in history.archives] == [
        doc["exercise_id"] for doc in history.exercises
    ]
    tracked = line(draw(folder, reports), "results tracked over time")
    assert tracked.met is False
    assert tracked.evidence.startswith("automated exercises per scenario: api-failure: 1 ")

    assert main(["history", "--out", str(reports), "--data", str(folder), "--json"]) == 0
    listed = capsys.readouterr().out
    assert sum(listed.count(f'"scenario": "{s}"') for s in SCENARIOS) == len(SCENARIOS)
