"""Each line of the staged-resiliency checklist is met, or not, from crafted histories: a copy of
the Bookstore, its sign-offs, and summary.json archives written in tmp folders."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bookstore_resil.analyse.signoff import record_signoff
from bookstore_resil.cli import main
from bookstore_resil.define.loader import load_system
from bookstore_resil.define.signoffs import load_signoffs
from bookstore_resil.history.checks import Check
from bookstore_resil.history.history import load_history
from bookstore_resil.history.stages import Checklist, checklist
from tests.readiness_builders import (
    NOW,
    SCENARIOS,
    copy_bookstore,
    days_ago,
    edit_yaml,
    everyone_agrees,
    ready_history,
    write_archive,
)


@pytest.fixture
def world(tmp_path) -> tuple[Path, Path]:
    """(system folder, reports folder) of a team that has done everything."""
    folder = copy_bookstore(tmp_path)
    everyone_agrees(folder)
    reports = tmp_path / "reports"
    ready_history(reports)
    return folder, reports


def draw(folder: Path, reports: Path, at: datetime = NOW) -> Checklist:
    system = load_system(folder)
    return checklist(system, load_history(reports), load_signoffs(folder), at)


def line(result: Checklist, words: str) -> Check:
    [found] = [c for stage in result.stages for c in stage.checks if words in c.check]
    return found


def met(result: Checklist) -> dict[int, bool]:
    return {stage.stage: stage.met for stage in result.stages}


def test_a_team_that_has_done_everything_meets_every_stage(world):
    result = draw(*world)
    assert met(result) == dict.fromkeys(range(1, 6), True)
    assert result.reached == 5
    assert [len(stage.checks) for stage in result.stages] == [6, 1, 2, 2, 1]
    manual = f"{world[1]}/20240412T120000-api-failure-interactive-lab"
    assert line(result, "manual failover").evidence.startswith(
        f"latest passed interactive exercise: {manual}"
    )


def test_a_fresh_bookstore_meets_only_the_prerequisites(tmp_path):
    result = draw(copy_bookstore(tmp_path), tmp_path / "no-reports")
    [stage_1, *later] = result.stages
    assert [c.met for c in stage_1.checks] == [True, True, True, True, False, False]
    assert not any(stage.met for stage in later)
    assert result.reached == 0
    assert line(result, "critical and non-critical").evidence == (
        "system.yaml: critical for api: api, database, cdn; non-critical: none"
    )
    assert line(result, "critical dependency failover playbook").evidence == (
        "covered: database by playbooks/database-failure.yaml, cdn by playbooks/cdn-failure.yaml"
    )
    assert line(result, "team-wide").evidence.startswith(
        "signoffs.yaml: 0 of 8 current sign-offs agreed: "
    )
    assert line(result, "manual failover").evidence == "no interactive (manual) exercise archived"


def add_search(folder: Path, **edge) -> None:
    def change(doc):
        doc["services"].append(
            {"id": "search", "name": "Search", "critical": False, "rto": "1h", "rpo": "1h"}
        )
        if edge:
            doc["services"][0]["depends_on"].append({"service": "search", **edge})

    edit_yaml(folder / "system.yaml", change)


def test_a_service_nothing_depends_on_leaves_dependencies_undefined(world):
    add_search(world[0])
    check = line(draw(*world), "critical and non-critical")
    assert not check.met
    assert check.evidence.endswith("no service depends on search, so its criticality is unknown")


def test_the_recovery_playbook_needs_notification_procedures(world):
    edit_yaml(world[0] / "contacts.yaml", lambda doc: doc.pop("notification"))
    check = line(draw(*world), "disaster recovery failover playbook")
    assert (check.met, check.evidence) == (
        False,
        "contacts.yaml: 3 contacts, 0 notification procedures; disaster-recovery playbooks: "
        "playbooks/api-failure.yaml",
    )


def test_every_critical_dependency_needs_a_critical_dependency_scenario(world):
    edit_yaml(
        world[0] / "playbooks" / "cdn-failure.yaml",
        lambda doc: doc.update(playbook="disaster-recovery"),
    )
    check = line(draw(*world), "critical dependency failover playbook")
    assert (check.met, check.evidence) == (
        False,
        "covered: database by playbooks/database-failure.yaml; "
        "without a critical-dependency scenario: cdn",
    )


def test_non_critical_impacts_must_be_documented(world):
    add_search(world[0], critical=False)
    check = line(draw(*world), "impacts documented")
    assert not check.met
    assert "non-critical dependency search has no documented degraded behaviour" in check.evidence

    edit_yaml(
        world[0] / "system.yaml",
        lambda doc: doc["services"][0]["depends_on"][-1].update(degraded="no full-text search"),
    )
    check = line(draw(*world), "impacts documented")
    assert (check.met, check.evidence) == (
        True,
        "system.yaml: documented: api without search: no full-text search",
    )


def test_agreement_breaks_on_a_stale_a_disagreed_or_a_missing_signoff(world):
    folder, reports = world
    edit_yaml(folder / "playbooks" / "cdn-failure.yaml", lambda doc: doc.update(rto="12h"))
    record_signoff(load_system(folder), "Bob", "api-failure", agree=False, comment="no AMI")
    edit_yaml(
        folder / "contacts.yaml",
        lambda doc: doc["contacts"].append({"name": "Dan", "services": ["database"]}),
    )
    result = draw(folder, reports)
    check = line(result, "team-wide")
    assert (check.met, check.evidence) == (
        False,
        "signoffs.yaml: 5 of 9 current sign-offs agreed: Alice on cdn-failure: stale; "
        "Bob on api-failure: "
        "disagreed; Christina on cdn-failure: stale; Dan on database-failure: missing",
    )
    assert not result.stages[0].met
    assert result.reached == 0
    assert met(result)[5]  # each stage is judged on its own lines


@pytest.mark.parametrize(
    ("archives", "evidence"),
    [
        ([("auto", "passed")], "no interactive (manual) exercise archived"),
        (
            [("interactive", "failed"), ("interactive", "aborted")],
            "no interactive exercise passed with its RTO and RPO measured and met: "
            "{reports}/20240501T120000-api-failure-interactive-lab "
            "(api-failure on lab, interactive, 2024-05-01, failed), "
            "{reports}/20240502T120000-api-failure-interactive-lab "
            "(api-failure on lab, interactive, 2024-05-02, aborted)",
        ),
    ],
)
def test_the_manual_exercise_must_be_interactive_and_passed(tmp_path, archives, evidence):
    reports = tmp_path / "reports"
    for day, (mode, outcome) in enumerate(archives):
        write_archive(
            reports,
            "api-failure",
            datetime(2024, 5, 1 + day, 12, tzinfo=timezone.utc),
            mode=mode,
            outcome=outcome,
        )
    check = line(draw(copy_bookstore(tmp_path), reports), "manual failover")
    assert (check.met, check.evidence) == (False, evidence.format(reports=reports))


@pytest.mark.parametrize(
    ("scenario", "target", "outcome", "extra", "expected"),
    [
        ("database-failure", "lab", "passed", {}, True),
        ("cdn-failure", "aws", "passed", {"environment": "staging"}, True),
        ("database-failure", "aws", "passed", {}, False),  # aws without an environment: production
        ("cdn-failure", "aws", "passed", {"environment": "production"}, False),
        ("database-failure", "lab", "failed", {}, False),
        ("api-failure", "lab", "passed", {}, False),  # a disaster-recovery scenario
    ],
)
def test_stage_2_needs_a_critical_dependency_exercise_passed_outside_production(
    tmp_path, scenario, target, outcome, extra, expected
):
    reports = tmp_path / "reports"
    write_archive(reports, scenario, days_ago(3), target=target, outcome=outcome, **extra)
    result = draw(copy_bookstore(tmp_path), reports)
    assert result.stages[1].met is expected
    evidence = result.stages[1].checks[0].evidence
    if expected:
        assert evidence.startswith(f"latest: {reports}/20240529T120000-{scenario}-auto-{target}")
    elif scenario == "api-failure":
        assert evidence == "no exercise of a critical-dependency scenario archived"
    else:
        assert evidence.startswith("no critical-dependency exercise passed on a non-production")


def test_a_dry_run_is_a_rehearsal_not_an_exercise(tmp_path):
    reports = tmp_path / "reports"
    write_archive(reports, "database-failure", days_ago(3), dry_run=True)
    result = draw(copy_bookstore(tmp_path), reports)
    assert not result.stages[1].met
    assert (
        result.stages[1].checks[0].evidence
        == "no exercise of a critical-dependency scenario archived"
    )
    write_archive(reports, "database-failure", days_ago(2))
    assert draw(copy_bookstore(tmp_path / "again"), reports).stages[1].met


def test_stage_3_needs_every_scenario_exercised_within_five_weeks(world):
    check = line(draw(*world), "in the last 5 weeks")
    reports = world[1]
    assert (check.met, check.evidence) == (
        True,
        "api-failure: last 2024-05-27 (passed), 5d ago: due in 30d "
        f"({reports}/20240527T120000-api-failure-auto-lab); "
        "cdn-failure: last 2024-05-27 (passed), 5d ago: due in 30d "
        f"({reports}/20240527T120000-cdn-failure-auto-lab); "
        "database-failure: last 2024-05-27 (passed), 5d ago: due in 30d "
        f"({reports}/20240527T120000-database-failure-auto-lab)",
    )
    late = line(draw(*world, at=NOW + timedelta(days=31)), "in the last 5 weeks")
    assert not late.met
    assert late.evidence.startswith(
        "api-failure: last 2024-05-27 (passed), 36d ago: overdue by 1d ("
    )


def test_stage_3_lists_the_overdue_scenarios(tmp_path):
    reports = tmp_path / "reports"
    write_archive(reports, "api-failure", days_ago(36))
    # A halted run tested nothing: no cadence evidence (issue 27), so still overdue.
    write_archive(reports, "database-failure", days_ago(34), outcome="aborted")
    check = line(draw(copy_bookstore(tmp_path), reports), "in the last 5 weeks")
    assert (check.met, check.evidence) == (
        False,
        "api-failure: last 2024-04-26 (passed), 36d ago: overdue by 1d "
        f"({reports}/20240426T120000-api-failure-auto-lab); "
        "cdn-failure: never exercised: overdue; database-failure: never exercised: overdue",
    )


def test_archives_after_the_moment_do_not_count(world):
    result = draw(*world, at=days_ago(40))  # before every drill, after the manual exercise
    assert met(result) == {1: True, 2: False, 3: False, 4: False, 5: False}


def test_stage_4_needs_two_automated_results_of_every_scenario(tmp_path):
    reports = tmp_path / "reports"
    for scenario in SCENARIOS:
        write_archive(reports, scenario, days_ago(9))
        write_archive(reports, scenario, days_ago(8), mode="interactive")  # not automated
    write_archive(reports, "api-failure", days_ago(7), outcome="failed")  # a result
    write_archive(reports, "cdn-failure", days_ago(6), outcome="error")  # no result
    result = draw(copy_bookstore(tmp_path), reports)
    drilled, tracked = result.stages[3].checks
    assert drilled.met and not tracked.met
    assert tracked.evidence == (
        f"automated exercises per scenario: "
        f"api-failure: 2 (latest {reports}/20240525T120000-api-failure-auto-lab); "
        f"cdn-failure: 1 (latest {reports}/20240523T120000-cdn-failure-auto-lab); "
        f"database-failure: 1 (latest {reports}/20240523T120000-database-failure-auto-lab)"
    )


def test_archives_of_other_systems_are_ignored(tmp_path):
    reports = tmp_path / "reports"
    write_archive(reports, "payments-failure", days_ago(1), mode="interactive", fail_on_breach=True)
    result = draw(copy_bookstore(tmp_path), reports)
    assert not line(result, "manual failover").met
    assert not line(result, "gate").met


def test_a_broken_archive_is_skipped_with_one_line(tmp_path, capsys):
    reports = tmp_path / "reports"
    write_archive(reports, "api-failure", days_ago(1), mode="interactive")
    broken = reports / "broken" / "summary.json"
    broken.parent.mkdir()
    broken.write_text('{"exercise_id": "broken", "scenario": "api-failure"')
    result = draw(copy_bookstore(tmp_path), reports)
    assert line(result, "manual failover").met
    [skipped] = result.skipped
    assert skipped.startswith(f"{broken}: ")
    code = main(
        ["stage", "--data", str(copy_bookstore(tmp_path / "cli")), "--reports", str(reports)]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.splitlines() == [f"bookstore-resil: skipped {skipped}"]


def test_cli_json_is_exactly_the_contract_shape(world):
    folder, reports = world
    result = subprocess.run(
        [
            sys.executable, "-m", "bookstore_resil.cli", "stage", "--json",
            "--data", str(folder), "--reports", str(reports), "--at", NOW.isoformat(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    document = json.loads(result.stdout)
    assert list(document) == ["stages"]
    assert [stage["stage"] for stage in document["stages"]] == [1, 2, 3, 4, 5]
    for stage in document["stages"]:
        assert list(stage) == ["stage", "met", "checks"]
        assert stage["met"] is True
        for check in stage["checks"]:
            assert list(check) == ["check", "met", "evidence"]
            assert check["met"] is True and isinstance(check["evidence"], str)


def test_cli_text_shows_each_line_and_the_stage_reached(world, capsys):
    folder, reports = world
    record_signoff(load_system(folder), "Bob", "api-failure", agree=False, comment="no AMI")
    args = ["stage", "--data", str(folder), "--out", str(reports), "--at", "2024-06-01T12:00:00Z"]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "Stage 1: not met: Prerequisites, team-wide agreement on playbooks, a manual failover "
        "exercise"
    )
    assert (
        "  [ ] team-wide agreement on playbooks: signoffs.yaml: 7 of 8 current sign-offs agreed: "
        in out[5]
    )
    assert (
        out[7]
        == "Stage 2: met: A critical dependency failure tested in a non-production environment"
    )
    assert out[-1] == "Reached stage 0 of 5."
