"""Findings and recommendations follow the documented rules (docs/reports.md)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bookstore_resil.analyse.graph import RTO_UNMET, SINGLE_POINT_OF_FAILURE, ServiceAnalysis
from bookstore_resil.archive.measure import StepRecord
from bookstore_resil.errors import ReportError
from bookstore_resil.report.document import CHARTS, load_report
from bookstore_resil.report.findings import (
    find,
    round_up,
    seed_arithmetic,
    slow_steps,
    step_findings,
)

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
DATA = Path(__file__).parent.parent / "data" / "bookstore"


def report(name: str):
    return load_report(FIXTURES / name, DATA)


def kinds(findings) -> list[str]:
    return [r.kind for r in findings.recommendations]


def step(step_id: str, duration: float | None, status: str = "ok", handled: bool = True):
    return StepRecord(
        id=step_id,
        procedure="recovery_procedure",
        status=status,
        started_at="2024-03-05T17:00:00Z",
        ended_at=None,
        duration_s=duration,
        automated=True,
        handled=handled,
    )


def test_a_step_is_slow_over_three_times_the_median_and_five_seconds():
    steps = [step("a", 1.0), step("b", 1.0), step("c", 1.0), step("d", 5.5), step("e", 3.1)]
    assert [s.id for s, median in slow_steps(steps)] == ["d"]
    assert slow_steps(steps)[0][1] == 1.0


def test_a_step_over_three_times_the_median_but_under_five_seconds_is_not_slow():
    steps = [step("a", 0.1), step("b", 0.1), step("c", 4.9)]
    assert slow_steps(steps) == []


def test_unfinished_steps_do_not_count_towards_the_median():
    steps = [step("a", 1.0), step("b", 1.0), step("c", 6.0), step("d", None, "running")]
    assert [s.id for s, _ in slow_steps(steps)] == ["c"]
    assert [f.kind for f in step_findings(steps)] == ["running", "slow"]


def test_failed_steps_say_whether_the_playbook_branches_on_them():
    found = step_findings([step("a", 1.0, "failed"), step("b", 1.0, "failed", handled=False)])
    assert "the playbook branches on it" in found[0].message
    assert "the playbook has no branch for it" in found[1].message


def test_the_seeds_arithmetic_uses_the_exercises_fault_time():
    lines = seed_arithmetic("2024-03-05T17:00:00Z", 12 * 3600, 2 * 3600)
    assert lines[0] == (
        "Outage at 17:00:00 UTC on 2024-03-05 with an RTO of 12h: "
        "restore by 05:00:00 UTC on 2024-03-06."
    )
    assert lines[1] == (
        "With an RPO of 2h: only data written after 15:00:00 UTC on 2024-03-05 may be lost."
    )


def test_the_passed_api_exercise_recommends_tightening_the_rto_like_the_seed():
    found = report("api-passed").findings
    rto, rpo = found.verdicts
    assert (rto.status, rto.margin_s) == ("met", pytest.approx(43200 - 25.56))
    assert rto.share == pytest.approx(25.56 / 43200)
    assert rpo.status == "not measured"
    tighten = next(r for r in found.recommendations if r.kind == "tighten-rto")
    assert "e.g. to 5min" in tighten.message
    assert "seed" not in tighten.message  # said to every team, not only the Bookstore's
    assert [f.step for f in found.steps if f.kind == "slow"] == ["restart-instance"]
    assert "update-playbook" not in kinds(found)
    assert [(n.contact, n.after_fault_s) for n in found.notified] == [
        ("Bob", 1.9),
        ("Christina", 2.4),
    ]


def test_an_unhandled_failed_step_asks_for_a_playbook_update_once():
    found = report("cdn-failed").findings
    updates = [r for r in found.recommendations if r.kind == "update-playbook"]
    assert len(updates) == 1 and "upload-static" in updates[0].message
    assert found.verdicts[0].status == "undecided"


@pytest.mark.parametrize("name", ["api-aborted", "database-error", "api-crashed"])
def test_an_exercise_that_could_not_be_completed_asks_for_a_playbook_update(name):
    loaded = report(name)
    updates = [r for r in loaded.findings.recommendations if r.kind == "update-playbook"]
    assert len(updates) == 1
    assert loaded.summary.outcome in updates[0].message


def test_deviations_are_findings_and_recommendations():
    found = report("database-data-loss").findings
    assert [d.step for d in found.deviations] == ["launch-replica"]
    assert "document-deviation" in kinds(found)
    assert {"tighten-rto", "tighten-rpo"} <= set(kinds(found))
    assert {f.kind for f in found.steps} == {"branched", "skipped", "slow"}


def test_nobody_notified_is_a_recommendation():
    assert "notify" in kinds(report("database-error").findings)
    assert "notify" not in kinds(report("database-data-loss").findings)


def test_the_dependency_analysis_of_the_scenarios_service_is_included():
    found = report("database-data-loss").findings
    assert found.dependency is not None and found.dependency.service == "database"
    assert found.dependency.effective_rto_s == 12 * 3600
    assert SINGLE_POINT_OF_FAILURE in kinds(found)


def test_a_scenario_promising_more_than_its_dependencies_allow_is_flagged():
    loaded = report("database-data-loss")
    stricter = dataclasses.replace(loaded.summary, rto_s=3600.0)
    dependency = ServiceAnalysis(
        service="database",
        critical=True,
        rto_s=3600.0,
        rpo_s=86400.0,
        effective_rto_s=43200.0,
        effective_rpo_s=86400.0,
        rto_bound_by="cdn",
        rpo_bound_by="database",
        findings=(),
    )
    message = next(
        r.message for r in find(stricter, dependency).recommendations if r.kind == RTO_UNMET
    )
    assert "promises an RTO of 1h" in message and "cdn, whose RTO is 12h" in message


def test_a_missed_objective_is_a_recommendation():
    loaded = report("api-passed")
    missed = dataclasses.replace(loaded.summary, rto_s=10.0, rto_met=False, rto_margin_s=-15.56)
    found = find(missed)
    assert found.verdicts[0].status == "missed"
    assert "objective-missed" in kinds(found)
    assert "tighten-rto" not in kinds(found)


def test_a_missing_system_definition_is_said_not_fatal(tmp_path):
    loaded = load_report(FIXTURES / "api-passed", tmp_path / "nowhere")
    assert loaded.findings.dependency is None
    assert "not found" in loaded.findings.dependency_note


def test_round_durations_for_suggestions():
    assert round_up(76.7) == 300.0
    assert round_up(2 * 3600) == 7200.0
    assert round_up(30 * 86400) is None


def test_a_folder_without_an_event_log_is_a_report_error(tmp_path):
    with pytest.raises(ReportError, match="no events.jsonl"):
        load_report(tmp_path)


def test_the_report_sections_render_as_html():
    loaded = report("database-data-loss")
    sections = [
        loaded.overview(),
        loaded.verdicts(),
        loaded.steps_table(),
        loaded.findings_table(),
        loaded.recommendations(),
        loaded.notifications(),
        loaded.dependencies(),
    ]
    for section in sections:
        assert section._repr_html_().startswith("<")
    assert "09:30:06 UTC on 2024-03-19" in sections[0].html
    assert "launch-replica" in sections[2].html


def test_a_log_with_only_a_start_and_a_finish_still_gets_its_charts(tmp_path):
    first = (FIXTURES / "api-passed" / "events.jsonl").read_text().splitlines()[0]
    finish = '{"ts": "2024-03-05T17:00:10Z", "type": "exercise_finished", "step": null}'
    (tmp_path / "events.jsonl").write_text(f"{first}\n{finish}\n")
    loaded = load_report(tmp_path, DATA)
    assert [type(loaded.chart(name)).__name__ for name in CHARTS] == ["Png", "Png", "Html"]
    assert loaded.findings.verdicts[0].status == "not measured"
    assert "notify" not in kinds(loaded.findings)  # no fault, nobody to notify
