"""The lab knows its processes by pid and start, and a step of the wall clock (NTP, a VM
syncing its clock) moves neither: psutil's creation time is the start plus the boot time as
the clock puts it now, so matched exactly, a clock step made a live process look gone,
``lab down`` forgot it and it outlived the lab. A pid given to another process is still not
taken for ours."""

from __future__ import annotations

import sys
from dataclasses import asdict, replace

import psutil
import pytest

from bookstore_resil.lab import procs
from bookstore_resil.lab.state import Lab, write_json

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def sleeper(tmp_path):
    lab = Lab.at(tmp_path / "lab")
    lab.prepare()
    tracked = procs.start(lab, "sleeper", SLEEPER)
    try:
        yield lab, tracked
    finally:
        procs.kill(lab, "sleeper")


@pytest.mark.parametrize("step_s", [1.0, -1.0, 3600.0], ids=["forward-1s", "back-1s", "an-hour"])
def test_a_clock_step_loses_no_process(sleeper, monkeypatch, step_s):
    lab, tracked = sleeper
    boot_time = psutil._psplatform.boot_time
    monkeypatch.setattr(psutil._psplatform, "boot_time", lambda: boot_time() + step_s)
    assert psutil.Process(tracked.pid).create_time() != tracked.create_time  # the clock moved
    assert procs.running(lab, "sleeper") == tracked
    assert procs.stop(lab, "sleeper", timeout_s=5.0)
    assert not psutil.pid_exists(tracked.pid) or psutil.Process(tracked.pid).status() == "zombie"


def test_a_boot_time_read_a_second_apart_loses_no_process(sleeper, monkeypatch):
    # psutil's create_time() adds the boot time as psutil read it before; boot_time() reads
    # it anew: a clock slewed across a second in between made the two disagree by one.
    lab, tracked = sleeper
    boot_time = psutil.boot_time()
    monkeypatch.setattr(psutil, "boot_time", lambda: boot_time + 1.0)
    assert procs.running(lab, "sleeper") == tracked
    assert procs.stop(lab, "sleeper", timeout_s=5.0)


def test_a_pid_that_started_at_another_time_is_not_ours(sleeper):
    lab, tracked = sleeper
    other = replace(tracked, create_time=tracked.create_time - 5.0)
    write_json(lab.pids_dir / "sleeper.json", asdict(other))
    assert procs.running(lab, "sleeper") is None
    assert not procs.stop(lab, "sleeper")  # never signalled
    assert psutil.Process(tracked.pid).is_running()
    write_json(lab.pids_dir / "sleeper.json", asdict(tracked))


def test_a_pid_file_of_before_the_change_is_still_read(sleeper):
    lab, tracked = sleeper
    older = {k: v for k, v in asdict(tracked).items() if k != "boot_time"}
    write_json(lab.pids_dir / "sleeper.json", older)
    assert procs.running(lab, "sleeper") is not None
