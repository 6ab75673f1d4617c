"""A step that fails where the playbook foresaw it (``next: {failed: ...}``: the check that
confirms the fault) reads ``branched`` wherever a step's status is shown: the panel's cards,
the drill's lines, the observer page, the report's table and chart. Only a failure nobody
planned for is red ``failed``. The log keeps the plain ``failed`` and the ``handled`` flag."""

from __future__ import annotations

from pathlib import Path

from bookstore_resil.archive import events as ev
from bookstore_resil.define.loader import load_system
from bookstore_resil.define.model import Step
from bookstore_resil.display import STATUS_COLOURS, colour_of, step_status
from bookstore_resil.exercise import observe
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.headless import run_auto
from bookstore_resil.report.document import load_report
from tests.memory_target import QUICK, MemoryTarget, abandon, started_by_hand

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


def test_only_a_failure_without_a_branch_reads_failed():
    check = Step(id="verify", title="Verify", next={"ok": "test", "failed": "restart"})
    plain = Step(id="restart", title="Restart")
    assert step_status("failed", check.handles("failed")) == "branched"
    assert step_status("failed", plain.handles("failed")) == "failed"
    assert step_status("ok", plain.handles("ok")) == "ok"
    assert colour_of("branched") not in (STATUS_COLOURS["failed"], STATUS_COLOURS["ok"])


def test_the_check_that_confirms_the_fault_reads_branched_everywhere(tmp_path):
    system = load_system(DATA)
    target = MemoryTarget(tmp_path)
    exercise = Exercise.create(
        system, "api-failure", target, tmp_path, "branch", "auto", QUICK, execute=True
    )
    lines: list[str] = []
    summary = run_auto(exercise, progress=lines.append)

    verify = next(s for s in summary.steps if s.id == "verify-instance")
    assert (verify.status, verify.handled, verify.shown_status) == ("failed", True, "branched")
    assert exercise.statuses["verify-instance"] == "branched"  # what the card's badge says
    assert any(line.split() == ["branched", line.split()[1], "verify-instance"] for line in lines)
    assert not any(line.lstrip().startswith("failed") for line in lines)

    events = ev.read_events(exercise.log.path).events
    finished = next(e for e in events if e.get("step") == "verify-instance" and "status" in e)
    assert (finished["status"], finished["handled"]) == ("failed", True)

    page = observe.page(events)
    assert (
        colour_of("branched") in page
        and colour_of("failed") not in page.split("<h2>Steps</h2>")[-1]
    )
    table = load_report(exercise.archive_dir, DATA).steps_table().html
    assert ">branched<" in table and ">failed<" not in table


def test_a_resumed_exercise_shows_the_branch_it_took(tmp_path):
    system = load_system(DATA)
    exercise = started_by_hand(system, MemoryTarget(tmp_path), "resumed")
    exercise.run()  # verify-instance fails: the API is down, as the playbook expects
    abandon(exercise)

    resumed = Exercise.resume(exercise.archive_dir, system, MemoryTarget(tmp_path), QUICK)
    try:
        assert resumed.statuses == {"verify-instance": "branched"}
    finally:
        resumed.halt("test over")
