"""One exercise at a time per target: the lock in the target's state is taken before any
fault, and a second exercise (or drill) is refused with exit 2 naming the one running,
before it breaks anything. A second fault would kill the first one's fresh replacement and
the first would report a downtime it never had."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.define.loader import load_system
from bookstore_resil.errors import TargetBusy
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.lock import ExerciseLock
from tests.conftest_lab import wait_until
from tests.memory_target import QUICK, MemoryTarget

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


def test_a_second_exercise_on_a_target_is_refused_until_the_first_finishes(tmp_path):
    system = load_system(DATA)
    target = MemoryTarget(tmp_path)
    first = Exercise.create(system, "api-failure", target, tmp_path, "first", "auto", QUICK)
    with pytest.raises(TargetBusy) as refused:
        Exercise.create(system, "cdn-failure", MemoryTarget(tmp_path), tmp_path, "second")
    assert refused.value.exit_code == 2
    assert str(refused.value).startswith("exercise first: target memory is in this exercise")
    assert not (tmp_path / "second").exists(), "the refused exercise wrote nothing"

    first.halt("done with it")
    third = Exercise.create(system, "cdn-failure", target, tmp_path, "third", "auto", QUICK)
    third.halt("done with it")
    assert target.injected == []


def test_a_drill_is_refused_while_the_lab_is_in_an_exercise(lab_target, tmp_path, capsys):
    faults = lab_target.lab.faults_file
    faults_before = faults.read_text() if faults.exists() else ""
    argv = ["drill", "api-failure", "--data", str(DATA), "--state", str(lab_target.lab.root)]
    argv += ["--out", str(tmp_path / "reports"), "--no-report"]
    with ExerciseLock(lab_target.lock_file(), "someone-elses-game-day", "lab"):
        assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(
        "bookstore-resil: error: exercise someone-elses-game-day: target lab is in this exercise"
    ), err
    assert (faults.read_text() if faults.exists() else "") == faults_before, "no fault injected"
    assert not (tmp_path / "reports").exists(), "a refused drill creates no --out folder"


def test_two_drills_at_once_the_second_exits_2_and_the_first_measures_true(lab_target, tmp_path):
    root = str(lab_target.lab.root)
    common = ["--data", str(DATA), "--state", root, "--out", str(tmp_path), "--no-report"]
    common += ["--execute"]
    first = subprocess.Popen(
        [sys.executable, "-m", "bookstore_resil.cli", "drill", "api-failure", *common,
         "--exercise-id", "first"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        log = tmp_path / "first" / "events.jsonl"
        assert wait_until(lambda: log.exists() and "fault_injected" in log.read_text(), 120)
        second = subprocess.run(
            [sys.executable, "-m", "bookstore_resil.cli", "drill", "api-failure", *common,
             "--exercise-id", "second"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode == 2, second.stderr
    assert (
        second.stderr.strip()
        .splitlines()[-1]
        .startswith("bookstore-resil: error: exercise first: target lab is in this exercise")
    )
    assert not (tmp_path / "second").exists()
    assert first.returncode == 0, err
    summary = json.loads((tmp_path / "first" / "summary.json").read_text())
    assert summary["outcome"] == "passed" and summary["rto_met"] is True
    faults = [json.loads(line) for line in lab_target.lab.faults_file.read_text().splitlines()]
    after = [f for f in faults if f["ts"] >= summary["started_at"]]
    assert len(after) == 1, "one fault: the second drill broke nothing"
