"""``restart_app`` reloads gunicorn with SIGHUP, or starts it when it is down. Found running
and gone by the time the signal is sent (its master exited a moment after it served, once in
a dozen full runs), the step failed with ``[Errno 3] No such process``: it now starts it."""

from bookstore_resil.lab import api, procs

from .conftest_lab import probe_states
from .test_lab_actions_restore_service import ALL_UP, act


def test_a_gunicorn_gone_between_the_check_and_the_signal_is_started(lab, lab_target, monkeypatch):
    instance = api.current(lab)
    found_running = procs.running(lab, instance.id)
    assert found_running is not None
    procs.kill(lab, instance.id)  # gone, and reaped
    assert not procs.pid_alive(found_running.pid)
    real_running, asked = procs.running, []

    def running_once_more(*args):  # the reload's check sees it as it was found, once
        asked.append(args)
        return found_running if len(asked) == 1 else real_running(*args)

    monkeypatch.setattr(procs, "running", running_once_more)
    result = act(lab_target, "restart_app")
    monkeypatch.undo()

    assert result.ok, result.error
    assert procs.running(lab, instance.id).pid != found_running.pid
    assert probe_states(lab) == ALL_UP
