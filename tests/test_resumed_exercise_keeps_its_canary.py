"""A resumed exercise writes and reads back the same canary: the writes of before the kernel
died are found again, not reported lost (they are still in the database)."""

from __future__ import annotations

from pathlib import Path

from bookstore_resil.archive import events as ev
from bookstore_resil.define.loader import load_system
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.headless import run_auto
from tests.conftest_lab import wait_until
from tests.memory_target import QUICK, MemoryTarget, abandon, started_by_hand

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


def acknowledged(exercise: Exercise) -> list[int]:
    log = ev.read_events(exercise.log.path).events
    return [e["seq"] for e in log if e["type"] == ev.CANARY and e["ack"]]


def test_a_resumed_exercise_finds_every_canary_written_before_the_restart(tmp_path):
    system = load_system(DATA)
    before = MemoryTarget(tmp_path)
    exercise = started_by_hand(system, before, "resumed")
    exercise.run()  # verify-instance: fails, the API is down
    exercise.run()  # restart-app: everything up again
    assert wait_until(lambda: len(acknowledged(exercise)) >= 5), "the canary wrote before"
    abandon(exercise)  # the kernel dies

    after = MemoryTarget(tmp_path, before.store)  # a new kernel; the same database
    resumed = Exercise.resume(exercise.archive_dir, system, after, QUICK)
    summary = run_auto(resumed)

    events = ev.read_events(exercise.log.path).events
    runs = {e["canary_run"] for e in events if e["type"] == ev.PROBES}
    assert len(runs) == 1, "one canary identity across the resume"
    seqs = [e["seq"] for e in events if e["type"] == ev.CANARY]
    assert seqs == list(range(1, len(seqs) + 1)), "numbering goes on where the log stopped"
    assert summary.canary is not None and summary.canary.acknowledged > 0
    assert summary.canary.lost == []
    assert summary.measured_data_loss_s == 0.0
    assert summary.outcome == "passed", summary.reason
