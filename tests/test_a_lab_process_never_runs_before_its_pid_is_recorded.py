"""A caller killed while the lab starts a process (a kernel killed mid-``lab up``, a Ctrl-C)
must not leave it running unrecorded: ``lab down`` finds processes by their pid files alone,
and an API instance's gunicorn once outlived its lab that way. The program starts only after
its pid file is written, and not at all if the caller dies first."""

from __future__ import annotations

import sys
import time

import psutil
import pytest

from bookstore_resil.lab import procs
from bookstore_resil.lab.state import Lab

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


class Killed(BaseException):
    """What a kernel killed at that moment amounts to for the caller."""


def _gone_within(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not procs.pid_alive(pid):
            return True
        time.sleep(0.02)
    return False


def test_a_caller_killed_before_the_record_starts_nothing(tmp_path, monkeypatch):
    lab = Lab.at(tmp_path / "lab")
    lab.prepare()
    started: list[int] = []
    real_popen = procs.subprocess.Popen

    def popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        started.append(process.pid)
        return process

    def killed(*_args, **_kwargs):
        raise Killed

    monkeypatch.setattr(procs.subprocess, "Popen", popen)
    monkeypatch.setattr(procs, "write_json", killed)
    with pytest.raises(Killed):
        procs.start(lab, "sleeper", SLEEPER)
    [pid] = started
    assert _gone_within(pid, 10.0), "the program ran although its pid was never recorded"
    assert procs.tracked(lab) == []


def test_the_recorded_pid_is_the_program_itself(tmp_path):
    lab = Lab.at(tmp_path / "lab")
    lab.prepare()
    tracked = procs.start(lab, "sleeper", SLEEPER)
    try:
        process = psutil.Process(tracked.pid)
        deadline = time.monotonic() + 10.0
        while process.cmdline() != SLEEPER and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.cmdline() == SLEEPER
        assert procs.running(lab, "sleeper") == tracked  # same pid, same start after exec
    finally:
        assert procs.stop(lab, "sleeper", timeout_s=5.0)
    assert _gone_within(tracked.pid, 5.0)
