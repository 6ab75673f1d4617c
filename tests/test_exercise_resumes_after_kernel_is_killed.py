"""A kernel killed (SIGKILL) mid-exercise loses nothing it recorded; the exercise resumes."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from jupyter_client.manager import KernelManager

from bookstore_resil.archive import events as ev
from bookstore_resil.archive import layout
from bookstore_resil.exercise.gameday import open_exercise
from bookstore_resil.exercise.headless import run_auto

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


def execute(client, code: str, timeout_s: float = 120) -> None:
    reply = client.execute_interactive(code, timeout=timeout_s)
    assert reply["content"]["status"] == "ok", reply["content"]


def test_killed_kernel_keeps_every_event_and_the_exercise_resumes(lab, tmp_path):
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    archive = tmp_path / "kill-me"
    try:
        execute(
            client,
            "from bookstore_resil.exercise.gameday import open_exercise\n"
            f"exercise = open_exercise('api-failure', 'lab', {str(DATA)!r}, 'interactive', "
            f"0.1, {str(tmp_path)!r}, 'kill-me', {{'state_dir': {str(lab.root)!r}}}, "
            "execute=True)\n"
            "exercise.start()\n"
            "for _ in range(3): exercise.run()\n",
        )
        # The fourth step (launch a replacement instance) takes seconds: kill during it,
        # once the new instance's gunicorn is on record (killed before that, the kernel
        # would leave a gunicorn nobody knows of: a process the lab cannot stop).
        pid_files = set(lab.pids_dir.glob("*.json"))
        client.execute("exercise.run()")
        log = archive / layout.EVENTS_FILE
        deadline = time.monotonic() + 60
        while '"step":"launch-replacement"' not in log.read_text():
            assert time.monotonic() < deadline, "launch-replacement never started"
            time.sleep(0.05)
        while not set(lab.pids_dir.glob("*.json")) - pid_files:
            assert time.monotonic() < deadline, "the replacement instance never started"
            time.sleep(0.05)
        before = log.read_text().splitlines()
        os.kill(manager.provisioner.process.pid, signal.SIGKILL)
        manager.provisioner.process.wait(timeout=10)
    finally:
        client.stop_channels()
        manager.cleanup_resources()

    recorded = [line for line in log.read_text().splitlines() if line]
    assert recorded[: len(before)] == before, "every event written before the kill is kept"
    killed_at = ev.read_events(log).events
    assert [e["step"] for e in killed_at if e["type"] == ev.STEP_FINISHED] == [
        "verify-instance",
        "restart-app",
        "restart-instance",
    ]

    exercise = open_exercise(
        "api-failure",
        "lab",
        str(DATA),
        "interactive",
        0.1,
        str(tmp_path),
        "kill-me",
        {"state_dir": str(lab.root)},
    )
    assert exercise.current.id == "launch-replacement", "the interrupted step opens again"
    summary = run_auto(exercise)
    events = ev.read_events(log).events
    assert [line for line in log.read_text().splitlines() if line][: len(before)] == before
    assert any(e["type"] == ev.RESUMED for e in events)
    assert summary.outcome == "passed", summary.reason
    assert [s.id for s in summary.steps][:4] == [
        "verify-instance",
        "restart-app",
        "restart-instance",
        "launch-replacement",
    ]
    assert summary.measured_downtime_s > 0
    # The API failed, not the database: every canary written before the kill is still
    # there, found by the resumed exercise's canary (the same run id).
    assert summary.canary is not None and summary.canary.lost == []
    assert summary.measured_data_loss_s == 0.0
