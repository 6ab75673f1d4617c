"""Ctrl-C (or SIGTERM) during ``drill --execute`` rolls the system back, as Chaos Toolkit
always runs an experiment's rollbacks: the running action's process group is stopped, the
scenario's ``rollback_procedure`` runs and is logged as steps, and the archive is whole
(summary, report) with the outcome ``aborted``. A second signal stops the rollback at once
and the drill says what is left broken. Never a traceback, never an orphaned process.

Before: ``interrupted``, then a DeadKernelError traceback; the running ``sleep`` orphaned;
the Guestbook left down; only ``events.jsonl`` archived."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil.archive import events as ev
from bookstore_resil.archive import layout
from tests.guestbook import Guestbook, running_guestbook
from tests.system_target_builders import alive, pids_in

pytestmark = pytest.mark.slow  # a real service, a real drill with its kernel

# The web process is killed; recovery waits a long time (its pid written first, so the test
# can tell whether it outlived the drill); the rollback starts the service again.
SLOW_RECOVERY = """\
id: slow-recovery
title: Guestbook web crash with a slow recovery
playbook: disaster-recovery
service: web
leads: {primary: Eli, secondary: Dana}
fault: web-killed
rto: 5min
rpo: 5s
recovery_procedure:
  - id: wait-for-the-vendor
    title: Wait for the vendor's fix
    action: {name: slow-fix}
rollback_procedure:
  - id: start-web-again
    title: Start the web process again
    action: {name: restart-web}
"""


@pytest.fixture
def guestbook(tmp_path: Path) -> Iterator[Guestbook]:
    yield from running_guestbook(tmp_path)


def with_slow_recovery(book: Guestbook) -> None:
    (book.folder / "playbooks" / "slow-recovery.yaml").write_text(SLOW_RECOVERY)
    target = book.folder / "target.yaml"
    slow = '  slow-fix: {run: "echo $$ > run/slow-fix.pid; exec sleep 60", timeout: 2min}\n'
    target.write_text(target.read_text().replace("actions:\n", "actions:\n" + slow, 1))


def start_drill(book: Guestbook, out: Path, report: bool = False) -> subprocess.Popen[str]:
    """The drill, without its report unless the test reads it (a report kernel and charts)."""
    command = ["bookstore-resil", "drill", "slow-recovery", "--execute", "--data"]
    command += [str(book.folder), "--out", str(out), "--baseline", "0.5", "--sustain", "0.5"]
    command += [] if report else ["--no-report"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, drill: subprocess.Popen[str], timeout_s: float = 120.0) -> int:
    """The pid the slow action wrote, once it runs (generous: a loaded machine boots the
    kernel slowly)."""
    deadline = time.monotonic() + timeout_s
    while not pids_in(path):
        if drill.poll() is not None or time.monotonic() > deadline:
            out, err = drill.communicate(timeout=60)
            pytest.fail(f"the slow action never ran:\n{out}\n{err}")
        time.sleep(0.1)
    return pids_in(path)[0]


def the_archive(out: Path) -> Path:
    [archive] = [p for p in out.iterdir() if p.is_dir()]
    return archive


def test_ctrl_c_stops_the_action_rolls_back_and_archives_aborted(guestbook, tmp_path):
    with_slow_recovery(guestbook)
    out = tmp_path / "reports"
    drill = start_drill(guestbook, out, report=True)
    sleeper = wait_for(guestbook.run / "slow-fix.pid", drill)
    drill.send_signal(signal.SIGINT)
    stdout, stderr = drill.communicate(timeout=180)

    assert drill.returncode == 128 + signal.SIGINT, stdout + stderr
    assert "Traceback" not in stderr and "DeadKernelError" not in stderr
    assert not alive(sleeper), "the running action outlived the drill"
    assert "rollback   halted: interrupted by SIGINT: every endpoint up again" in stdout

    archive = the_archive(out)
    summary = json.loads(layout.summary_path(archive).read_text())
    assert summary["outcome"] == "aborted"
    assert summary["rollback"]["recovered"] is True
    rolled = [s for s in summary["steps"] if s["procedure"] == "rollback_procedure"]
    assert [(s["id"], s["status"]) for s in rolled] == [("start-web-again", "ok")]
    assert (archive / "report.html").is_file()
    # The service really is back: the rollback started it again.
    assert guestbook.command("start").returncode == 0
    assert alive(guestbook.pid())
    events = [json.loads(line) for line in layout.events_path(archive).read_text().splitlines()]
    types = [e["type"] for e in events]
    assert types.index(ev.HALTED) < types.index(ev.ROLLBACK) < types.index(ev.ROLLED_BACK)


def test_a_second_ctrl_c_stops_the_rollback_and_says_what_is_left_broken(guestbook, tmp_path):
    with_slow_recovery(guestbook)
    target = guestbook.folder / "target.yaml"
    # The store goes too, so nothing but the rollback could bring the system back (a web
    # process answering on the port by chance would leave nothing to roll back).
    text = target.read_text()
    target.write_text(
        text.replace("  web-killed: ", "  web-killed: mv run/guestbook.db run/lost.db; ", 1)
    )
    # A rollback that takes long, so the second signal lands while it runs.
    slow_start = "echo $$ > run/rollback.pid; sleep 60; python3 guestbook.py start"
    text = target.read_text()
    target.write_text(
        text.replace(
            "restart-web: {run: python3 guestbook.py start", f"restart-web: {{run: {slow_start}"
        )
    )
    out = tmp_path / "reports"
    drill = start_drill(guestbook, out)
    wait_for(guestbook.run / "slow-fix.pid", drill)
    drill.send_signal(signal.SIGINT)
    rollback = wait_for(guestbook.run / "rollback.pid", drill)
    drill.send_signal(signal.SIGINT)
    stdout, stderr = drill.communicate(timeout=180)

    assert drill.returncode == 128 + signal.SIGINT, stdout + stderr
    assert "Traceback" not in stderr
    assert not alive(rollback), "the rollback's action outlived the drill"
    assert "rollback   halted: interrupted by SIGINT: LEFT BROKEN: start-web-again" in stdout
    assert "web and store and users still down" in stdout or "still down" in stdout
    summary = json.loads(layout.summary_path(the_archive(out)).read_text())
    assert summary["outcome"] == "aborted" and summary["rollback"]["recovered"] is False


def test_sigterm_is_a_ctrl_c_too(guestbook, tmp_path):
    with_slow_recovery(guestbook)
    out = tmp_path / "reports"
    drill = start_drill(guestbook, out)
    sleeper = wait_for(guestbook.run / "slow-fix.pid", drill)
    os.kill(drill.pid, signal.SIGTERM)
    stdout, stderr = drill.communicate(timeout=180)
    assert drill.returncode == 128 + signal.SIGTERM, stdout + stderr
    assert not alive(sleeper)
    summary = json.loads(layout.summary_path(the_archive(out)).read_text())
    assert summary["outcome"] == "aborted"
    assert summary["halted"]["reason"] == "interrupted by SIGTERM"
