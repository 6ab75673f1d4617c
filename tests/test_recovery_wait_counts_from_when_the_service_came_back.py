"""Finishing waits until the service has stayed up for the sustain window, counted from the
sample that saw it come back (what the summary measures), not from when Finish was asked."""

import threading

from bookstore_resil.clock import ExerciseClock
from bookstore_resil.exercise.watch import Watch
from tests.conftest_lab import wait_until
from tests.memory_target import MemoryTarget

SUSTAIN_S = 1.0


def watching(target: MemoryTarget) -> Watch:
    watch = Watch(target, 0.02, 0.05, lambda *_a, **_k: {}, ExerciseClock.start())
    watch.start(write_canary=False)
    return watch


def test_a_service_up_since_before_finish_has_served_its_window_already(tmp_path):
    watch = watching(MemoryTarget(tmp_path))
    try:
        assert wait_until(lambda: watch.clock.epoch() - watch.up_at.get("api", 1e12) > SUSTAIN_S)
        asked = watch.clock.epoch()
        watch.wait_for_recovery(["api", None], SUSTAIN_S, 10.0, threading.Event())
        # Counted from Finish, the wait would have lasted the whole window.
        assert watch.clock.epoch() - asked < SUSTAIN_S
    finally:
        watch.stop()


def test_a_service_that_comes_back_during_the_wait_is_held_for_the_whole_window(tmp_path):
    target = MemoryTarget(tmp_path)
    target.up["api"] = False
    watch = watching(target)
    try:
        assert wait_until(lambda: watch.endpoint_up.get("api") is False)
        threading.Timer(0.3, target.up.__setitem__, ("api", True)).start()
        watch.wait_for_recovery(["api"], SUSTAIN_S, 10.0, threading.Event())
        returned = watch.clock.epoch()
        assert watch.endpoint_up["api"] is True
        assert returned - watch.up_at["api"] >= SUSTAIN_S
    finally:
        watch.stop()


def test_a_relapse_starts_the_window_again(tmp_path):
    target = MemoryTarget(tmp_path)
    watch = watching(target)
    try:
        assert wait_until(lambda: "api" in watch.up_at)
        target.up["api"] = False
        assert wait_until(lambda: watch.endpoint_up["api"] is False)
        seen_down = watch.clock.epoch()
        target.up["api"] = True
        watch.wait_for_recovery(["api"], SUSTAIN_S, 10.0, threading.Event())
        assert watch.up_at["api"] > seen_down
        assert watch.clock.epoch() - watch.up_at["api"] >= SUSTAIN_S
    finally:
        watch.stop()


def test_a_resumed_exercise_knows_since_when_an_endpoint_was_up(tmp_path):
    watch = Watch(MemoryTarget(tmp_path), 0.02, 0.05, lambda *_a, **_k: {}, ExerciseClock.start())
    assert watch.seen("api", True, 100.0) is True
    assert watch.seen("api", True, 150.0) is False  # still up: since the first sample
    assert watch.up_at["api"] == 100.0
