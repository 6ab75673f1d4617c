"""A kernel killed mid-drill ends ``drill`` with one line (no traceback) and an archive
whose summary says ``error``: what was recorded up to the kill is kept and measured."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.conftest_lab import wait_until

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


def kernel_of(drill: subprocess.Popen) -> psutil.Process | None:
    children = psutil.Process(drill.pid).children(recursive=True)
    return next((p for p in children if "ipykernel" in " ".join(p.cmdline())), None)


@pytest.mark.waits
def test_a_killed_kernel_ends_the_drill_in_one_line_and_an_error_summary(lab, tmp_path):
    drill = subprocess.Popen(
        [sys.executable, "-m", "bookstore_resil.cli", "drill", "api-failure", "--data",
         str(DATA), "--state", str(lab.root), "--out", str(tmp_path), "--exercise-id", "killed",
         "--no-report", "--execute"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        log = tmp_path / "killed" / "events.jsonl"
        assert wait_until(lambda: log.exists() and '"step_started"' in log.read_text(), 120)
        kernel = kernel_of(drill)
        assert kernel is not None, "the drill runs its notebook in a kernel"
        os.kill(kernel.pid, signal.SIGKILL)
        out, err = drill.communicate(timeout=180)
    finally:
        if drill.poll() is None:
            drill.kill()

    assert drill.returncode == 1
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("bookstore-resil: error: exercise killed: the game-day notebook failed")
    summary = json.loads((tmp_path / "killed" / "summary.json").read_text())
    assert summary["outcome"] == "error"
    assert summary["fault_at"] is not None, "what happened before the kill is kept"
