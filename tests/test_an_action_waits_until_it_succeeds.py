"""An action with ``until: DURATION`` is tried again at the probe interval until it
succeeds or the duration has passed: a ``verify`` step right after a restart that puts a
server in the background waits for it instead of failing at once."""

from __future__ import annotations

import threading

import pytest

from bookstore_resil.errors import DefinitionError
from tests.system_target_builders import system_target


def test_an_action_is_tried_again_until_it_succeeds(tmp_path):
    ready = tmp_path / "ready"
    target = system_target(
        tmp_path, interval="50ms", actions={"verify": {"run": f"test -e {ready}", "until": "30s"}}
    )
    tries_before = threading.Event()

    def start_later() -> None:
        tries_before.wait(30)
        ready.write_text("up")

    threading.Thread(target=start_later, daemon=True).start()
    # The file appears only after the first try failed: the action must have tried again.
    threading.Timer(0.3, tries_before.set).start()
    result = target.run_action("verify", {}, timeout_s=5)
    assert result.ok, result
    assert result.data["tries"] > 1
    assert result.output.startswith(f"succeeded after {result.data['tries']} tries")


def test_an_action_that_never_succeeds_fails_once_until_has_passed(tmp_path):
    target = system_target(
        tmp_path,
        interval="50ms",
        actions={"verify": {"run": "echo not yet >&2; false", "until": "300ms"}},
    )
    result = target.run_action("verify", {}, timeout_s=5)
    assert not result.ok
    assert result.data["tries"] > 1  # it kept trying for its 300 ms, every 50 ms
    assert result.error == "exit status 1" and "not yet" in result.output
    assert target.action_timeout("verify", 5.0) == 5.3  # the exercise waits for all the tries


def test_until_belongs_to_actions(tmp_path):
    with pytest.raises(DefinitionError, match=r"probes\[0\]\.until: only an action waits"):
        system_target(tmp_path, probes=[{"name": "app", "run": "true", "until": "1s"}])
