"""Issue 26 row 7: a state folder another user wrote, its pid file naming a process of the
lab's owner. ``lab down --state`` on it refuses (exit 2, one line) before trusting any pid
file in it, and kills nothing; the same for a folder of one's own that others may write
(as ssh refuses such a ``~/.ssh``)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.lab import procs
from bookstore_resil.lab.state import Lab
from tests.neighbour import OTHER_USER, needs_a_neighbour

pytestmark = needs_a_neighbour


@pytest.fixture
def planted() -> Iterator[tuple[Lab, procs.TrackedProcess]]:
    """A lab folder whose ``pids/router.json`` names a process of ours (a real pid file, so
    that only the folder's owner and modes can stop ``down``)."""
    parent = Path(tempfile.mkdtemp(prefix="bookstore-planted-"))
    lab = Lab(parent / "lab")
    lab.root.mkdir(mode=0o700)
    process = procs.start(lab, "router", [sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        yield lab, process
    finally:
        if procs.pid_alive(process.pid, process.started):
            os.kill(process.pid, 9)
        subprocess.run(["rm", "-rf", str(parent)], check=True)


def lab_down(lab: Lab, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["lab", "down", "--state", str(lab.root)])
    return code, capsys.readouterr().err


def test_down_refuses_a_folder_another_user_owns_and_kills_nothing(planted, capsys):
    lab, process = planted
    subprocess.run(["chown", "-R", f"{OTHER_USER}:", str(lab.root)], check=True)
    code, said = lab_down(lab, capsys)
    assert code == 2, said
    assert len(said.strip().splitlines()) == 1 and "another user" in said
    for verb in (["status"], ["fault", "db-crash"], ["up"]):
        assert main(["lab", *verb, "--state", str(lab.root)]) == 2, verb
    assert procs.pid_alive(process.pid, process.started)


def test_down_refuses_a_folder_others_may_write(planted, capsys):
    lab, process = planted
    lab.pids_dir.chmod(0o777)
    code, said = lab_down(lab, capsys)
    assert code == 2 and "writable by others" in said, said
    assert procs.pid_alive(process.pid, process.started)
    lab.pids_dir.chmod(0o700)
    assert lab_down(lab, capsys)[0] == 0
    assert not procs.pid_alive(process.pid, process.started)
