"""The suite's process check (tests/conftest_processes.py): a test that leaves a process
running, its own or one orphaned by a command it ran, fails its teardown with its name and
the process's command line, and the process is killed; a module fixture's server that lives
until the module ends is not a leak."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.system_target_builders import alive

ROOT = Path(__file__).resolve().parents[1]

TESTS = """
import subprocess

import pytest


@pytest.fixture(scope="module")
def server():
    process = subprocess.Popen(["sleep", "301"])
    yield process
    process.kill()
    process.wait()


def test_uses_the_module_server(server):
    assert server.poll() is None


def test_stops_what_it_starts():
    subprocess.Popen(["sleep", "302"]).kill()


def test_leaves_its_child():
    subprocess.Popen(["sleep", "303"])


def test_leaves_an_orphan():
    subprocess.run(["sh", "-c", "sleep 304 & echo started"], check=True)


def test_still_uses_the_module_server(server):
    assert server.poll() is None
"""


@pytest.mark.slow
def test_the_test_that_leaves_a_process_is_named_and_the_process_killed(tmp_path):
    (tmp_path / "test_inner.py").write_text(TESTS)
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest_processes", "-p", "no:cacheprovider"]
        + ["-q", "-rE", "test_inner.py"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TEST_EXIT_GRACE_S": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = ran.stdout
    assert "5 passed, 2 errors" in out, out
    assert "test_inner.py::test_leaves_its_child left processes running: pid " in out, out
    assert "sleep 303" in out and "sleep 304" in out, out
    assert "sleep 301" not in out and "sleep 302" not in out, out
    assert "test_inner.py::test_leaves_an_orphan left processes running: pid " in out, out
    leaked = [int(pid) for pid in re.findall(r"pid (\d+): sleep 30[34]", out)]
    assert len(leaked) == 2 and not any(alive(pid) for pid in leaked), out
