"""No test leaves a process behind (a pytest plugin, listed in tests/conftest.py).

After each test's teardown, every process below the pytest process that was not there
before its setup must be gone within a grace period: one that is left fails the test's
teardown, named with its pid and command line, and is killed, so the next test is judged
on its own. Processes that are meant to outlive a test are not leaks: a session or module
fixture's own (started while it was set up: moto's server) and those a fixture declares
with :func:`keep_processes` (the session lab's, by its pid files: the ``lab`` fixture
restarts what a test stopped, a restore step starts a new gunicorn), with everything below
them.

On Linux the pytest process is made the subreaper of its descendants, so a process whose
parent went away (a gunicorn left by a ``lab up`` run as a command) is re-parented to it
and still found.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import time
from collections.abc import Callable, Iterable

import psutil
import pytest

PR_SET_CHILD_SUBREAPER = 36
# How long a process stopped by a test or a fixture may take to go (a kernel shutting down,
# a server finishing its requests) before it counts as leaked.
EXIT_GRACE_S = float(os.environ.get("TEST_EXIT_GRACE_S", "10"))

_BEFORE = pytest.StashKey[set[psutil.Process]]()
_fixtures_own: set[psutil.Process] = set()
_keepers: list[Callable[[], Iterable[int]]] = []


def keep_processes(pids: Callable[[], Iterable[int]]) -> None:
    """Declare the processes ``pids()`` returns, and everything below them, as meant to
    outlive the tests (a session fixture's processes that a test may restart)."""
    _keepers.append(pids)


def _below() -> set[psutil.Process]:
    """Every process below this one (zombies too: :func:`_leaked` leaves them out)."""
    return set(psutil.Process().children(recursive=True))


def _roots() -> set[psutil.Process]:
    """The processes meant to outlive a test (what is below them too: :func:`_leaked`)."""
    _fixtures_own.intersection_update(p for p in _fixtures_own if p.is_running())
    roots = set(_fixtures_own)
    for pids in _keepers:
        for pid in pids():
            with contextlib.suppress(psutil.Error):
                roots.add(psutil.Process(pid))
    return roots


def _leaked(process: psutil.Process, roots: set[psutil.Process]) -> bool:
    """Alive, and neither kept nor below a kept process (its ancestors are read one by one:
    a new process is rare, a scan of the whole machine per kept process was not)."""
    try:
        if process.status() == psutil.STATUS_ZOMBIE:  # only waits to be reaped
            return False
        return process not in roots and roots.isdisjoint(process.parents())
    except psutil.Error:  # gone
        return False


def _left_after(before: set[psutil.Process]) -> set[psutil.Process]:
    """What is below this process and not in ``before`` nor kept, after the grace period."""
    deadline = time.monotonic() + EXIT_GRACE_S
    while new := _below() - before:
        roots = _roots()
        if not (left := {p for p in new if _leaked(p, roots)}) or time.monotonic() > deadline:
            return left
        time.sleep(0.1)
    return set()


def _describe(process: psutil.Process) -> str:
    try:
        command = " ".join(process.cmdline()) or process.name()
    except psutil.Error:
        command = "?"
    return f"pid {process.pid}: {command[:200]}"


def _kill(processes: set[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


def pytest_configure(config: pytest.Config) -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
    if fixturedef.scope == "function":
        return (yield)
    before = _below()
    try:
        return (yield)
    finally:
        _fixtures_own.update(_below() - before)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    item.stash[_BEFORE] = _below()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    try:
        result = yield
    except BaseException:
        _kill(_left_after(item.stash.get(_BEFORE, set())))
        raise
    if left := _left_after(item.stash.get(_BEFORE, set())):
        names = "; ".join(sorted(_describe(p) for p in left))
        _kill(left)
        pytest.fail(f"{item.nodeid} left processes running: {names}", pytrace=False)
    return result
