"""The system target runs a team's commands without trusting them: a hanging action is
killed at its timeout together with every child it started, a 100 MB output costs a few
kilobytes, arguments are shell-quoted into placeholders, and a daemon an action starts
neither blocks the step nor is killed by it."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from bookstore_resil.targets.commands import OUTPUT_CAP
from tests.conftest_lab import wait_until
from tests.system_target_builders import alive, kill_quietly, pids_in, system_target

HANGS_WITH_CHILDREN = (
    "sleep 300 & echo $! >> pids; "
    "sh -c 'sleep 300 & echo $! >> pids; wait' & echo $! >> pids; "
    "sleep 300"
)


@pytest.mark.waits
def test_a_hanging_action_is_killed_at_its_timeout_with_its_children(tmp_path: Path):
    target = system_target(
        tmp_path, actions={"hang": {"run": HANGS_WITH_CHILDREN, "timeout": "1s"}}
    )
    began = time.monotonic()
    result = target.run_action("hang", {}, timeout_s=120)
    took = time.monotonic() - began

    assert not result.ok
    assert "timed out" in result.error and "process group was killed" in result.error
    assert 1.0 <= took < 60  # its own timeout, not the step's 120 s (60: a generous bound)
    children = pids_in(tmp_path / "pids")
    assert len(children) == 3  # a child, a shell child, and that shell's own child
    assert wait_until(lambda: not any(alive(pid) for pid in children))


def test_an_action_without_a_timeout_of_its_own_gets_the_steps(tmp_path: Path):
    target = system_target(tmp_path, actions={"hang": "sleep 300"})
    assert target.action_timeout("hang", 0.5) == 0.5
    result = target.run_action("hang", {}, timeout_s=0.5)
    assert not result.ok and result.duration_s < 60  # not the 300 s (a generous bound)


def test_a_100_mb_output_is_capped_and_never_held_in_memory(tmp_path: Path):
    big = "head -c 100000000 /dev/zero | tr '\\0' x; echo; echo the end"
    target = system_target(tmp_path, actions={"big": big})
    tracemalloc.start()
    try:
        result = target.run_action("big", {}, timeout_s=60)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.ok
    assert result.data["output_bytes"] == 100_000_009
    assert result.data["truncated"] is True
    assert len(result.output) < OUTPUT_CAP + 200
    assert result.output.startswith("xxxx") and result.output.endswith("the end\n")
    assert "bytes of output not kept, of 100000009" in result.output
    assert peak < 2 * 1024 * 1024, f"{peak} bytes allocated while reading 100 MB"


def test_arguments_fill_placeholders_shell_quoted(tmp_path: Path):
    target = system_target(tmp_path, actions={"say": "printf '%s|' {text} {n}"})
    hostile = "$(touch pwned); `touch pwned2`; echo 'it'\"s\" > pwned3"
    result = target.run_action("say", {"text": hostile, "n": 3}, timeout_s=5)
    assert result.ok
    assert result.output == f"{hostile}|3|"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target.yaml"]


def test_a_placeholder_without_an_argument_fails_the_step_without_running(tmp_path: Path):
    target = system_target(tmp_path, actions={"touch": "touch done-{name}"})
    result = target.run_action("touch", {}, timeout_s=5)
    assert not result.ok
    assert result.error == "system: no argument for {name} in 'touch done-{name}'"
    assert not list(tmp_path.glob("done-*"))


def test_a_daemon_the_action_starts_keeps_running_and_does_not_hold_the_step(tmp_path: Path):
    start = "sleep 300 & echo $! > daemon.pid; echo started"
    target = system_target(tmp_path, actions={"start": start})
    result = target.run_action("start", {}, timeout_s=10)
    daemon = pids_in(tmp_path / "daemon.pid")[0]
    try:
        assert result.ok and result.duration_s < 60  # not the daemon's 300 s (generous)
        assert result.output.startswith("started\n")
        assert "output still held open" in result.output
        assert alive(daemon)
    finally:
        kill_quietly(daemon)
