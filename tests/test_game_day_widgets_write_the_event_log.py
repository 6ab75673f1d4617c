"""Clicking the game-day panel's buttons drives the engine and writes the event log."""

from __future__ import annotations

from pathlib import Path

from bookstore_resil.archive import events as ev
from bookstore_resil.define.loader import load_system
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.widgets import GameDayPanel
from bookstore_resil.targets import get_target

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


def open_panel(lab, tmp_path, scenario: str, fault: str | None = None) -> GameDayPanel:
    exercise = Exercise.create(
        load_system(DATA),
        scenario,
        get_target("lab", state_dir=lab.root),
        out_dir=tmp_path,
        mode="interactive",
        fault=fault,
        execute=True,
    )
    return GameDayPanel(exercise, clock_interval_s=0.2)


def click(panel: GameDayPanel, button) -> None:
    assert not button.disabled, button.description
    button.click()
    panel.wait()


def log_of(panel: GameDayPanel) -> list[dict]:
    return ev.read_events(panel.exercise.log.path).events


def test_clicking_through_a_scenario_records_every_step_and_note(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "api-failure", fault="api-crash")
    assert panel.start.disabled is False and panel.finish.disabled is True
    click(panel, panel.start)
    clicked = []
    while panel.exercise.current is not None:
        card = next(c for c in panel.cards if c.step is panel.exercise.current)
        others = [c for c in panel.cards if c is not card]
        assert all(c.done.disabled for c in others), "only the current step takes clicks"
        if card.step.automated:
            click(panel, card.run)
        else:
            card.notes.value = f"checked {card.step.id} by hand"
            click(panel, card.done)
        clicked.append(card.step.id)
    panel.deviation_text.value = "restarted nginx by hand"
    click(panel, panel.deviation)
    click(panel, panel.finish)

    events = log_of(panel)
    finished = {e["step"]: e for e in events if e["type"] == ev.STEP_FINISHED}
    assert list(finished) == clicked
    assert clicked[:2] == ["verify-instance", "restart-app"]
    assert finished["verify-instance"]["status"] == "failed"
    assert finished["restart-app"]["by"] == "automation"
    assert finished["service-restored"]["by"] == "facilitator"
    assert finished["service-restored"]["note"] == "checked service-restored by hand"
    assert [e["text"] for e in events if e["type"] == ev.DEVIATION] == ["restarted nginx by hand"]
    assert events[-1]["type"] == ev.FINISHED
    assert any(e["type"] == ev.FAULT and e["fault"] == "api-crash" for e in events)
    assert panel.exercise.summary().outcome == "passed"
    assert all(button.disabled for button in (panel.start, panel.finish, panel.halt))


def test_notify_buttons_record_who_was_told(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "cdn-failure")
    click(panel, panel.start)
    rows = panel.notify_box.children[1:]
    first_button = rows[0].children[1]
    click(panel, first_button)
    notifications = [e for e in log_of(panel) if e["type"] == ev.NOTIFICATION]
    assert [n["contact"] for n in notifications] == ["Alice"]
    assert "primary" in notifications[0]["reason"]
    panel.exercise.halt("test over")


def test_halt_ends_the_exercise_as_aborted_at_once(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "cdn-failure")
    click(panel, panel.start)
    card = next(c for c in panel.cards if c.step is panel.exercise.current)
    click(panel, card.run)
    panel.halt.click()
    events = log_of(panel)
    types = [e["type"] for e in events]
    assert types[-1] == ev.FINISHED
    assert ev.HALTED in types
    assert not any(t == ev.STEP_STARTED for t in types[types.index(ev.HALTED) :])
    assert panel.exercise.summary().outcome == "aborted"
    assert all(c.run.disabled and c.done.disabled for c in panel.cards)


def test_halt_while_an_action_runs_stops_at_once_and_leaves_the_step_open(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "api-failure")
    click(panel, panel.start)
    for _ in range(3):  # verify, restart app, restart instance: all fail on a lost instance
        card = next(c for c in panel.cards if c.step is panel.exercise.current)
        click(panel, card.run)
    card = next(c for c in panel.cards if c.step is panel.exercise.current)
    assert card.step.id == "launch-replacement"
    card.run.click()  # launching takes seconds; Halt must not wait for it
    panel.halt.click()
    panel.wait()
    assert panel.message.value == ""
    summary = panel.exercise.summary()
    assert summary.outcome == "aborted"
    assert summary.steps[-1].id == "launch-replacement"
    assert summary.steps[-1].status == "running"
