"""Issue 25 item 3: the lab's database probe keeps one connection (a SCRAM login for every
check cost most of the probes' CPU), re-opens it after a failure, and bounds each check
on the client side, so a server that hangs reads as down within the probe's timeout
rather than the check hanging on its kept connection; the heartbeat's likewise."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from bookstore_resil.lab import pgclient, postgres, procs
from bookstore_resil.lab.canary import Heartbeat
from bookstore_resil.lab.checks import db_probe
from bookstore_resil.lab.state import Lab
from bookstore_resil.lab.target import LabTarget

# Far above the probe's own 1 s: only a check that hangs goes over it.
HANG_S = 10.0


def probe_backends(lab: Lab) -> list[int]:
    """The server's sessions whose last query was the probe's (closed ones are gone)."""
    host, port = lab.records().address("db")
    with pgclient.connect(lab, host, port) as conn:
        query = "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT 1' AND pid <> %s"
        return [pid for (pid,) in conn.execute(query, (conn.info.backend_pid,)).fetchall()]


def checked_in_time(check) -> object:
    """The check's answer, or "hung" when it had none after HANG_S."""
    answers: list[object] = []
    worker = threading.Thread(target=lambda: answers.append(check()), daemon=True)
    worker.start()
    worker.join(HANG_S)
    return answers[0] if answers else "hung"


def test_the_probe_keeps_one_connection_and_opens_another_when_it_fails(lab: Lab):
    # Other probes of the worker's shared lab (earlier tests') may hold connections too:
    # this probe's is the one that appears when it first checks.
    others = set(probe_backends(lab))
    check = db_probe(lab).check
    assert check()
    first = set(probe_backends(lab)) - others
    assert len(first) == 1
    assert check() and check() and set(probe_backends(lab)) - others == first
    target = LabTarget(lab.root)
    target.inject_fault("db-crash")
    answer = check()
    assert not answer and answer.reason
    assert target.run_action("db_restart", {}, 60).ok
    assert check()
    again = probe_backends(lab)  # the restart closed every older session
    assert len(again) == 1 and set(again) != first
    # A restart between two checks drops the kept connection: the next check connects
    # anew rather than reading a server that is up as down.
    assert target.run_action("db_restart", {}, 60).ok
    assert check()


@pytest.mark.waits
def test_a_hung_server_reads_as_down_on_the_kept_connection(lab: Lab):
    check = db_probe(lab).check
    heartbeat = Heartbeat(lab)
    assert check() and heartbeat.beat()
    cluster = postgres.current(lab)
    server = procs.running(lab, cluster.process_name)
    stopped = [server.pid, *(pid for pid, _ in procs.descendants(server.pid))]
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)
    try:
        hung = checked_in_time(check)
        assert hung != "hung" and not hung
        assert "no answer within" in hung.reason
        assert not checked_in_time(check)  # connecting anew is bounded too
        assert checked_in_time(heartbeat.beat) is False  # the heartbeat's kept one too
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
    assert check()
    assert heartbeat.beat()
