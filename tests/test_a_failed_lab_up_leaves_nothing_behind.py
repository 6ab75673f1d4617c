"""A ``lab up`` that fails part way (``initdb`` fails, or Ctrl-C, after the router, the CDN
and an API instance have started beside it) stops what it started and removes the state
folder it made: before, the three kept running and the folder stayed, a half lab that
``status`` called NOT healthy and that only ``lab down`` cleared."""

from __future__ import annotations

import time

import pytest

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import lifecycle, procs
from bookstore_resil.lab.state import Lab

pytestmark = pytest.mark.slow  # starts the lab's processes


@pytest.mark.parametrize(
    "failure",
    [TargetError("lab", "initdb failed: cannot create the cluster"), KeyboardInterrupt()],
    ids=["initdb-fails", "ctrl-c"],
)
def test_a_lab_up_that_fails_stops_what_it_started_and_removes_its_folder(
    tmp_path, monkeypatch, failure
):
    started: list[procs.TrackedProcess] = []
    real_start = procs.start

    def start(*args, **kwargs):
        started.append(real_start(*args, **kwargs))
        return started[-1]

    def cluster_fails(lab, *_args):
        while procs.running(lab, "router") is None:  # the side thread has started things
            time.sleep(0.02)
        raise failure

    monkeypatch.setattr(procs, "start", start)
    monkeypatch.setattr(lifecycle, "_ensure_cluster", cluster_fails)
    said: list[str] = []
    lab = Lab.at(tmp_path / "state")

    with pytest.raises(type(failure)):
        lifecycle.up(lab, progress=said.append)

    assert {"cdn", "router"} <= {p.name for p in started}
    assert [p.name for p in started if procs.pid_alive(p.pid, p.started)] == []
    assert not lab.root.exists()
    assert said[-1] == f"{lab.root}: removed, lab up failed"
