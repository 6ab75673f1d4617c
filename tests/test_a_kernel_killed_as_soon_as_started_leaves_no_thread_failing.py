"""A kernel started ahead and killed at once (a drill refused by the exercise lock right
after its game-day kernel started) leaves no thread failing behind it. The client that
hands the kernel its imports opened every channel; the heartbeat's thread then made its
socket on the kernel's context while the kill destroyed it: ``ZMQError: Too many open
files`` in that thread, in 3 of 15 tries. It now opens the shell channel alone."""

from __future__ import annotations

import threading

import pytest
from jupyter_client.channels import HBChannel

from bookstore_resil.archive.notebooks import import_ahead, notebook_kernel

pytestmark = pytest.mark.slow  # kernels


def test_the_import_ahead_starts_no_heartbeat_thread(tmp_path, monkeypatch):
    failed: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failed.append(args.exc_value))
    for _ in range(3):
        with notebook_kernel(tmp_path) as kernel:
            import_ahead(kernel, ("json",))
            beating = [t for t in threading.enumerate() if isinstance(t, HBChannel)]
            assert beating == [], "no heartbeat thread to race the kill"
    assert failed == []
