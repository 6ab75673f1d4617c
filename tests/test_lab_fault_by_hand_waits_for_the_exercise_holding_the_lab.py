"""Issue 26 row 11: ``lab fault`` and ``lab action`` by hand while an exercise holds the lab
would spoil its measurement. They are refused (exit 2, one line naming the exercise),
the lock looked at without taking it; ``--during EXERCISE_ID`` does it all the same and
records it in that exercise's event log as a deviation."""

from __future__ import annotations

import json

from bookstore_resil.archive.events import DEVIATION, EventLog
from bookstore_resil.cli import main
from bookstore_resil.exercise.lock import ExerciseLock, holder
from bookstore_resil.lab.checks import api_probe
from bookstore_resil.lab.target import LabTarget


def test_a_fault_or_action_by_hand_waits_for_the_exercise_or_joins_it(lab, tmp_path, capsys):
    state = ["--state", str(lab.root)]
    events = tmp_path / "gd-1" / "events.jsonl"
    EventLog(events).append("exercise_started", exercise_id="gd-1")
    lock_file = LabTarget(lab.root).lock_file()
    with ExerciseLock(lock_file, "gd-1", "lab"):
        assert main(["lab", "fault", "api-crash", *state]) == 2
        said = capsys.readouterr().err.strip().splitlines()
        assert len(said) == 1 and "gd-1" in said[0] and "--during gd-1" in said[0]
        assert api_probe(lab).check()  # not crashed
        assert main(["lab", "action", "restart_app", *state]) == 2
        assert main(["lab", "action", "describe_instances", "--during", "gd-2", *state]) == 2
        assert "gd-1" in capsys.readouterr().err
        during = ["--during", "gd-1", "--out", str(tmp_path)]
        assert main(["lab", "action", "describe_instances", *during, *state]) == 0
        assert holder(lock_file)["exercise_id"] == "gd-1"  # still the exercise's
    deviation = json.loads(events.read_text().splitlines()[-1])
    assert deviation["type"] == DEVIATION
    assert "lab action describe_instances" in deviation["text"]
    assert holder(lock_file) is None
    assert main(["lab", "action", "describe_instances", *state]) == 0
    # --during with no exercise holding the lab is a mistake, not a deviation.
    assert main(["lab", "action", "describe_instances", "--during", "gd-1", *state]) == 2
