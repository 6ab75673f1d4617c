"""Finishing waits until the service has stayed up for the sustain window, counted from the
sample that saw it come back (what the summary measures), not from when Finish was asked."""

import threading
import time

from bookstore_resil.clock import ExerciseClock
from bookstore_resil.exercise.watch import Watch
from tests.memory_target import MemoryTarget

SUSTAIN_S = 1.0


def watching(target: MemoryTarget) -> Watch:
    watch = Watch(target, 0.02, 0.05, lambda *_a, **_k: {}, ExerciseClock.start())
    watch.start(write_canary=False)
    return watch


def test_a_service_up_since_before_finish_has_served_its_window_already(tmp_path):
    watch = watching(MemoryTarget(tmp_path))
    try:
        time.sleep(SUSTAIN_S + 0.3)
        asked = time.monotonic()
        watch.wait_for_recovery(["api", None], SUSTAIN_S, 10.0, threading.Event())
        assert time.monotonic() - asked < SUSTAIN_S / 2
    finally:
        watch.stop()


def test_a_service_that_comes_back_during_the_wait_is_held_for_the_whole_window(tmp_path):
    target = MemoryTarget(tmp_path)
    target.up["api"] = False
    watch = watching(target)
    try:
        time.sleep(0.2)
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
        time.sleep(0.2)
        first_up = watch.up_at["api"]
        target.up["api"] = False
        time.sleep(0.2)
        target.up["api"] = True
        watch.wait_for_recovery(["api"], SUSTAIN_S, 10.0, threading.Event())
        assert watch.up_at["api"] > first_up + 0.2
        assert watch.clock.epoch() - watch.up_at["api"] >= SUSTAIN_S
    finally:
        watch.stop()


def test_a_resumed_exercise_knows_since_when_an_endpoint_was_up(tmp_path):
    watch = Watch(MemoryTarget(tmp_path), 0.02, 0.05, lambda *_a, **_k: {}, ExerciseClock.start())
    assert watch.seen("api", True, 100.0) is True
    assert watch.seen("api", True, 150.0) is False  # still up: since the first sample
    assert watch.up_at["api"] == 100.0
