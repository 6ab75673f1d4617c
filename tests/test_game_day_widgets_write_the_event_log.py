"""Clicking the game-day panel's buttons drives the engine and writes the event log; what
people type is kept, and the panel says what it will do and what happened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil.archive import events as ev
from bookstore_resil.define.loader import load_system
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.widgets import GameDayPanel
from bookstore_resil.targets import get_target

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"
OPENED: list[Exercise] = []


@pytest.fixture(autouse=True)
def no_exercise_left_open() -> Iterator[None]:
    """A test that fails midway would leave its exercise holding the worker's lab, and every
    later test of the lab would find it busy: halted here (which repairs the lab)."""
    yield
    while OPENED:
        exercise = OPENED.pop()
        if not exercise.finished:
            exercise.halt("the test ended with the exercise open")


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
    OPENED.append(exercise)
    return GameDayPanel(exercise, clock_interval_s=0.2)


def click(panel: GameDayPanel, button) -> None:
    assert not button.disabled, button.description
    button.click()
    panel.wait()


def start(panel: GameDayPanel) -> None:
    click(panel, panel.start)
    assert panel.exercise.fault_at is None, "Start asks first"
    click(panel, panel.confirm)
    assert panel.exercise.fault_at is not None


def current_card(panel: GameDayPanel):
    return next(c for c in panel.cards if c.step is panel.exercise.current)


def log_of(panel: GameDayPanel) -> list[dict]:
    return ev.read_events(panel.exercise.log.path).events


def shown(panel: GameDayPanel) -> str:
    return "".join(o["data"].get("text/html", "") for o in panel.verdict.outputs)


def test_start_says_which_fault_it_injects_and_waits_for_confirmation(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "api-failure", fault="api-crash")
    assert panel.start_row.layout.display == "none"
    click(panel, panel.start)
    assert panel.start_row.layout.display is None
    assert "inject the fault api-crash" in panel.confirm_text.value
    assert panel.confirm.description == "Inject the fault"
    click(panel, panel.cancel_start)
    assert panel.exercise.fault_at is None
    assert not [e for e in log_of(panel) if e["type"] == ev.FAULT]
    panel.exercise.halt("test over")


def test_clicking_through_a_scenario_keeps_every_note_the_briefing_and_the_deviation(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "api-failure", fault="api-crash")
    panel.briefing.coordinator.value = "Christina"
    panel.briefing.scribe.value = "Alice"
    panel.briefing.observers.value = ("Bob",)
    panel.briefing.back_within.value = "15min"
    start(panel)
    assert panel.briefing.form.layout.display == "none"
    assert "Christina" in panel.briefing.line.value
    clicked = []
    while panel.exercise.current is not None:
        card = current_card(panel)
        others = [c for c in panel.cards if c is not card]
        assert all(c.done.disabled for c in others), "only the current step takes clicks"
        assert all(c.details.layout.display == "none" for c in others), "the others fold"
        card.notes.value = f"typed before closing {card.step.id}"
        click(panel, card.run if card.step.automated else card.done)
        clicked.append(card.step.id)
    panel.room_log.deviation_text.value = "restarted nginx by hand"
    click(panel, panel.room_log.deviation)
    assert "restarted nginx by hand" in panel.room_log.listing.value  # stays in view
    click(panel, panel.finish)

    events = log_of(panel)
    [briefing] = [e for e in events if e["type"] == ev.BRIEFING]
    assert briefing["coordinator"] == "Christina" and briefing["observers"] == ["Bob"]
    assert briefing["expect_downtime_s"] == 900 and briefing["expect_data_loss_s"] == 0
    finished = {e["step"]: e for e in events if e["type"] == ev.STEP_FINISHED}
    assert list(finished) == clicked
    assert clicked[:2] == ["verify-instance", "restart-app"]
    for step in clicked:  # the automated ones too: notes typed before Run are kept
        assert finished[step]["note"] == f"typed before closing {step}"
        assert finished[step]["author"] == "Alice"
    assert finished["restart-app"]["by"] == "automation"
    assert finished["service-restored"]["by"] == "Christina"
    assert [e["text"] for e in events if e["type"] == ev.DEVIATION] == ["restarted nginx by hand"]
    assert events[-1]["type"] == ev.FINISHED
    summary = panel.exercise.summary()
    assert summary.outcome == "passed"
    assert "every step followed the playbook" not in summary.reason  # a failed check, a deviation
    assert "PASSED" in shown(panel) and "Hypothesis" in shown(panel)
    assert all(button.disabled for button in (panel.start, panel.finish, panel.halt))
    closed = next(c for c in panel.cards if c.step.id == "restart-app")
    assert "typed before closing restart-app" in closed.closed_line.value


def test_notify_buttons_record_once_and_show_who_and_when(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "cdn-failure")
    panel.briefing.coordinator.value = "Christina"
    _text, first = panel.call_list.rows["Alice"]
    assert first.disabled, "nobody to notify before the fault"
    start(panel)
    click(panel, first)
    assert first.disabled and "Alice notified" in first.description
    assert "by Christina" in first.description
    panel.exercise.room.notify("Alice", "again")  # a second record of the same person
    notifications = [e for e in log_of(panel) if e["type"] == ev.NOTIFICATION]
    assert [(n["contact"], n["by"]) for n in notifications] == [("Alice", "Christina")]
    assert "primary" in notifications[0]["reason"]
    panel.exercise.halt("test over")


def test_observations_are_logged_with_their_author(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "cdn-failure")
    start(panel)
    panel.room_log.author.value = "Bob"
    panel.room_log.observation_text.value = "the CDN console shows the bucket gone"
    click(panel, panel.room_log.observe)
    [seen] = [e for e in log_of(panel) if e["type"] == ev.OBSERVATION]
    assert (seen["author"], seen["text"]) == ("Bob", "the CDN console shows the bucket gone")
    assert seen["step"] == panel.exercise.current.id
    assert "the CDN console shows the bucket gone" in panel.room_log.listing.value
    panel.exercise.halt("test over")


def test_halt_asks_why_shows_the_banner_and_keeps_the_open_steps_notes(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "cdn-failure")
    start(panel)
    click(panel, current_card(panel).run)
    card = current_card(panel)
    card.notes.value = "bucket listing looked empty"
    click(panel, panel.halt)
    assert panel.halt_row.layout.display is None  # asks for a reason first
    click(panel, panel.halt_now)
    assert not panel.exercise.finished, "no halt without a reason"
    panel.halt_reason.value = "the CDN team asked us to stop"
    click(panel, panel.halt_now)
    events = log_of(panel)
    types = [e["type"] for e in events]
    assert types[-1] == ev.FINISHED
    [halted] = [e for e in events if e["type"] == ev.HALTED]
    assert halted["reason"] == "the CDN team asked us to stop"
    # No playbook step opens after the halt; the CDN still down, the lab's repair rolls back.
    after_halt = types[types.index(ev.HALTED) : types.index(ev.ROLLBACK)]
    assert ev.STEP_STARTED not in after_halt
    [note] = [e for e in events if e["type"] == ev.NOTE and e.get("step") == card.step.id]
    assert note["text"] == "bucket listing looked empty"
    summary = panel.exercise.summary()
    assert summary.outcome == "aborted"
    assert summary.rollback["recovered"] is True
    walked = [s for s in summary.steps if s.procedure != "rollback_procedure"]
    assert walked[-1].note == "bucket listing looked empty"
    assert "HALTED" in panel.banner.value and "the CDN team asked us to stop" in panel.banner.value
    assert "Repaired: rolled back, every endpoint up again" in panel.banner.value
    assert panel.repair.layout.display is None  # offered
    assert "ABORTED" in shown(panel)
    assert all(c.run.disabled and c.done.disabled for c in panel.cards)
    click(panel, panel.repair)
    assert "Repaired: lab healthy again" in panel.banner.value


def test_halt_while_an_action_runs_stops_at_once_and_leaves_the_step_open(lab, tmp_path):
    panel = open_panel(lab, tmp_path, "api-failure")
    start(panel)
    for _ in range(3):  # verify, restart app, restart instance: all fail on a lost instance
        click(panel, current_card(panel).run)
    card = current_card(panel)
    assert card.step.id == "launch-replacement"
    card.notes.value = "launching from the AMI"
    card.run.click()  # launching takes seconds; Halt must not wait for it
    panel.halt_reason.value = "out of time"
    panel.halt_now.click()
    panel.wait()
    assert panel.message.value == ""
    summary = panel.exercise.summary()
    assert summary.outcome == "aborted"
    walked = [s for s in summary.steps if s.procedure != "rollback_procedure"]
    assert walked[-1].id == "launch-replacement"
    assert walked[-1].status == "running"
    assert walked[-1].note == "launching from the AMI"  # typed before Run, not lost
