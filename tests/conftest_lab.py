"""One real lab per test session (a pytest plugin, listed in tests/conftest.py).

The lab lives in a pytest temp folder (mode 0700, out of the ``postgres`` user's reach, so
the database folder placement is exercised too). Each test gets it healthy: the ``lab``
fixture runs ``up``, which restarts what the previous test stopped and replaces what it
lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import pytest

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import lifecycle, procs
from bookstore_resil.lab.postgres import find_bin_dir
from bookstore_resil.lab.state import Lab
from bookstore_resil.lab.target import LabTarget
from tests.conftest_processes import keep_processes

log = logging.getLogger("bookstore_resil.tests")


@pytest.fixture(scope="session")
def lab_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    try:
        find_bin_dir()
    except TargetError as error:
        pytest.skip(f"no PostgreSQL for the lab: {error}")
    lab = Lab.at(tmp_path_factory.mktemp("lab"))
    keep_processes(lambda: [p.pid for p in procs.tracked(lab) if procs.pid_alive(p.pid, p.started)])
    try:
        lifecycle.up(lab, progress=log.info)
        yield lab
    finally:
        lifecycle.down(lab, purge=True, progress=log.info)


@pytest.fixture
def lab(lab_session: Lab) -> Lab:
    """The session's lab, healthy."""
    status = lifecycle.up(lab_session, progress=log.info)
    assert status.healthy, lifecycle.describe(status)
    return lab_session


@pytest.fixture
def lab_target(lab: Lab) -> LabTarget:
    """The driver of the session's lab, healthy: its faults, actions, probes and canary."""
    return LabTarget(lab.root)


def probe_states(lab: Lab) -> dict[str, bool]:
    return {probe.name: bool(probe.check()) for probe in LabTarget(lab.root).probes()}


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
