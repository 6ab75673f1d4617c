"""Probe, canary and event times come from a monotonic clock anchored to the wall clock once
per exercise: a step of the system clock mid-exercise (NTP, a person) moves no time, so the
downtime is neither negative (a step back) nor gone (a step forward)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.clock import ExerciseClock
from bookstore_resil.define.loader import load_system
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.headless import run_auto
from tests.conftest_lab import wait_until
from tests.memory_target import QUICK, MemoryTarget

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


@pytest.mark.parametrize("step_h", [-1, 1], ids=["step-back-an-hour", "step-forward-an-hour"])
def test_a_wall_clock_step_mid_exercise_moves_no_time(tmp_path, monkeypatch, step_h):
    target = MemoryTarget(tmp_path)
    exercise = Exercise.create(
        load_system(DATA), "api-failure", target, tmp_path, "step", "auto", QUICK, execute=True
    )
    real = clock.now()
    exercise.start()
    assert wait_until(lambda: exercise.watch.endpoint_up.get("api") is False)  # seen down
    wall = clock.now
    monkeypatch.setattr(clock, "now", lambda: wall() + timedelta(hours=step_h))
    monkeypatch.setattr(time, "time", lambda: wall().timestamp() + step_h * 3600)
    summary = run_auto(exercise)  # the recovery comes after the step

    events = ev.read_events(exercise.log.path).events
    stamps = [clock.parse_ts(e["ts"]) for e in events]
    assert stamps == sorted(stamps), "time in one exercise never runs backwards"
    assert abs((stamps[-1] - real).total_seconds()) < 60, "the wall clock's step moved nothing"
    assert summary.measured_downtime_s is not None
    # Neither negative (a step back) nor an hour long (a step forward); 30 s is generous.
    assert 0 < summary.measured_downtime_s < 30, summary.measured_downtime_s
    assert summary.rto_met is True
    assert target.injected == ["api-instance-lost"]  # the scenario's fault, once


def test_a_resume_in_the_same_boot_goes_on_with_the_recorded_clock():
    first = ExerciseClock.start()
    time.sleep(0.05)
    later = first.now()
    again = ExerciseClock.resume(first.anchor(), later)
    if first.boot is None:
        pytest.skip("no boot id on this system: a resume reads the wall clock anew")
    assert again == first


def test_a_resume_after_a_reboot_never_goes_back_before_the_log():
    stale = {"wall": "2026-01-01T00:00:00Z", "monotonic": 1.0, "boot": "another boot"}
    future = clock.now() + timedelta(hours=1)
    resumed = ExerciseClock.resume(stale, future)
    assert resumed.now() >= future
