"""Measuring an exercise while it runs: availability probes and a data-loss canary.

:class:`Prober` checks each endpoint every ``interval_s`` in a background thread and keeps
``(ts, endpoint, up)`` samples, from which outages are measured. :class:`CanaryWriter`
writes numbered records through the system and, after recovery, reads back which
acknowledged ones survived, so data loss is measured in seconds. Both work with any
target's :class:`~bookstore_resil.targets.base.Probe` and
:class:`~bookstore_resil.targets.base.Canary`, and stamp what they see on an
:class:`~bookstore_resil.clock.ExerciseClock` (the exercise's own, or one of their own),
never on the wall clock a step could move.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from bookstore_resil.archive.dataloss import CanaryResult, canary_loss
from bookstore_resil.archive.measure import Outage, outage_of
from bookstore_resil.clock import ExerciseClock
from bookstore_resil.targets.base import Canary, Checked, Probe


@dataclass(frozen=True)
class Sample:
    """One check of ``endpoint``: its answer, and when the answer came (epoch seconds).

    Stamped at the answer, not at the question: a request that waits in a booting
    server's queue and then succeeds proves the service up only when it returns.
    """

    ts: float
    endpoint: str
    up: bool
    latency_s: float = 0.0
    reason: str = ""  # why it was down, in a few words


class _Ticker:
    """Runs ``tick`` every ``interval_s`` in a daemon thread (skipping beats it overran)
    and counts the thread's own CPU time."""

    def __init__(self, name: str, interval_s: float, tick: Callable[[], None]):
        self.interval_s = interval_s
        self.cpu_s = 0.0
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        cpu_start = time.thread_time()
        next_at = time.monotonic()
        while not self._stop.is_set():
            self._tick()
            self.cpu_s = time.thread_time() - cpu_start
            next_at += self.interval_s
            now = time.monotonic()
            if next_at < now:
                next_at = now
            self._stop.wait(next_at - now)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)


class Prober:
    """Checks every probe every ``interval_s`` (one thread per probe, so a slow endpoint
    does not delay the others) until :meth:`stop`.

    ``on_sample`` is called with each :class:`Sample`, from the probe threads, one call at
    a time.
    """

    def __init__(
        self,
        probes: list[Probe],
        interval_s: float = 0.1,
        on_sample: Callable[[Sample], None] | None = None,
        clock: ExerciseClock | None = None,
    ):
        self.probes = list(probes)
        self.interval_s = interval_s
        self.on_sample = on_sample
        self.clock = clock or ExerciseClock.start()
        self._samples: list[Sample] = []
        self._lock = threading.Lock()
        self._tickers = [
            _Ticker(f"probe-{p.name}", interval_s, self._checker(p)) for p in self.probes
        ]

    def _checker(self, probe: Probe) -> Callable[[], None]:
        def check() -> None:
            asked = time.monotonic()
            try:
                answer = Checked.of(probe.check())
            except Exception as error:  # a probe must not raise; if it does, it saw no service
                answer = Checked.of(Checked(False, f"{type(error).__name__}: {error}"))
            answered = time.monotonic()
            at = self.clock.at(answered).timestamp()
            sample = Sample(at, probe.name, answer.up, answered - asked, answer.reason)
            with self._lock:
                self._samples.append(sample)
                if self.on_sample is not None:
                    self.on_sample(sample)

        return check

    def start(self) -> Prober:
        for ticker in self._tickers:
            ticker.start()
        return self

    def stop(self) -> list[Sample]:
        for ticker in self._tickers:
            ticker.stop()
        return self.samples

    def __enter__(self) -> Prober:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def samples(self) -> list[Sample]:
        with self._lock:
            return list(self._samples)

    @property
    def cpu_s(self) -> float:
        """CPU seconds the probe threads used (their checks included)."""
        return sum(t.cpu_s for t in self._tickers)

    def series(self, endpoint: str) -> list[tuple[datetime, bool]]:
        """One endpoint's samples as (time, up), oldest first, as :mod:`.measure` reads them."""
        return [
            (datetime.fromtimestamp(s.ts, timezone.utc), s.up)
            for s in sorted(self.samples, key=lambda s: s.ts)
            if s.endpoint == endpoint
        ]

    def outage(self, endpoint: str, after: float, sustain_s: float = 0.0) -> Outage | None:
        """The first outage of ``endpoint`` after epoch time ``after``, measured as an
        exercise measures it (:func:`.measure.outage_of`)."""
        series = self.series(endpoint)
        if not series:
            return None
        start = datetime.fromtimestamp(after, timezone.utc)
        return outage_of(endpoint, series, start, series[-1][0], sustain_s)


@dataclass(frozen=True)
class CanaryWrite:
    """Canary ``seq``, sent at ``ts`` (epoch seconds), acknowledged by the system or not."""

    seq: int
    ts: float
    acknowledged: bool


class CanaryWriter:
    """Writes canary ``first_seq, first_seq + 1, ...`` every ``interval_s`` in a background
    thread (a resumed exercise goes on numbering where its log stops)."""

    def __init__(
        self,
        canary: Canary,
        interval_s: float = 0.5,
        on_write: Callable[[CanaryWrite], None] | None = None,
        clock: ExerciseClock | None = None,
        first_seq: int = 1,
    ):
        self.canary = canary
        self.interval_s = interval_s
        self.on_write = on_write
        self.clock = clock or ExerciseClock.start()
        self.first_seq = first_seq
        self._writes: list[CanaryWrite] = []
        self._lock = threading.Lock()
        self._ticker = _Ticker("canary-writer", interval_s, self._write_next)

    def _write_next(self) -> None:
        seq = self.first_seq + len(self._writes)
        began = self.clock.epoch()
        try:
            acknowledged = bool(self.canary.write(seq))
        except Exception:  # a write that raised was not acknowledged
            acknowledged = False
        write = CanaryWrite(seq, began, acknowledged)
        with self._lock:
            self._writes.append(write)
        if self.on_write is not None:
            self.on_write(write)

    def start(self) -> CanaryWriter:
        self._ticker.start()
        return self

    def stop(self) -> list[CanaryWrite]:
        self._ticker.stop()
        return self.writes

    def __enter__(self) -> CanaryWriter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def writes(self) -> list[CanaryWrite]:
        with self._lock:
            return list(self._writes)

    @property
    def cpu_s(self) -> float:
        return self._ticker.cpu_s

    def loss(self) -> CanaryResult:
        """Read back the surviving canaries (call after recovery) and compare."""
        writes = [
            (w.seq, datetime.fromtimestamp(w.ts, timezone.utc), w.acknowledged) for w in self.writes
        ]
        since = writes[0][1] if writes else self.clock.now()
        return canary_loss(writes, self.canary.surviving(), since)
