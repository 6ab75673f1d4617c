"""Measuring an exercise while it runs: availability probes and a data-loss canary.

:class:`Prober` checks each endpoint every ``interval_s`` in a background thread and keeps
``(ts, endpoint, up)`` samples, from which outages are measured. :class:`CanaryWriter`
writes numbered records through the system and, after recovery, reads back which
acknowledged ones survived, so data loss is measured in seconds. Both work with any
target's :class:`~bookstore_resil.targets.base.Probe` and
:class:`~bookstore_resil.targets.base.Canary`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .targets.base import Canary, Probe


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


@dataclass(frozen=True)
class Outage:
    """A run of failed checks: from the first failed one to the first good one after it
    (``end`` is None when the endpoint was still down at the last check)."""

    endpoint: str
    start: float
    end: float | None

    @property
    def duration_s(self) -> float | None:
        return None if self.end is None else self.end - self.start


def outages(samples: list[Sample], endpoint: str) -> list[Outage]:
    """The outages of ``endpoint`` seen in ``samples``, oldest first."""
    found: list[Outage] = []
    down_since: float | None = None
    for sample in sorted((s for s in samples if s.endpoint == endpoint), key=lambda s: s.ts):
        if not sample.up and down_since is None:
            down_since = sample.ts
        elif sample.up and down_since is not None:
            found.append(Outage(endpoint, down_since, sample.ts))
            down_since = None
    if down_since is not None:
        found.append(Outage(endpoint, down_since, None))
    return found


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
    ):
        self.probes = list(probes)
        self.interval_s = interval_s
        self.on_sample = on_sample
        self._samples: list[Sample] = []
        self._lock = threading.Lock()
        self._tickers = [
            _Ticker(f"probe-{p.name}", interval_s, self._checker(p)) for p in self.probes
        ]
        self.started_at: float | None = None
        self.stopped_at: float | None = None

    def _checker(self, probe: Probe) -> Callable[[], None]:
        def check() -> None:
            clock = time.monotonic()
            try:
                up = bool(probe.check())
            except Exception:  # a probe must not raise; if it does, it saw no service
                up = False
            sample = Sample(time.time(), probe.name, up, time.monotonic() - clock)
            with self._lock:
                self._samples.append(sample)
                if self.on_sample is not None:
                    self.on_sample(sample)

        return check

    def start(self) -> Prober:
        self.started_at = time.time()
        for ticker in self._tickers:
            ticker.start()
        return self

    def stop(self) -> list[Sample]:
        for ticker in self._tickers:
            ticker.stop()
        self.stopped_at = time.time()
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

    def outages(self, endpoint: str) -> list[Outage]:
        return outages(self.samples, endpoint)

    def downtime_s(self, endpoint: str) -> float:
        """Total measured downtime of ``endpoint`` (an open outage counts up to the last
        sample)."""
        samples = self.samples
        last = max((s.ts for s in samples if s.endpoint == endpoint), default=0.0)
        return sum((o.end or last) - o.start for o in outages(samples, endpoint))


@dataclass(frozen=True)
class CanaryWrite:
    """Canary ``seq``, sent at ``ts`` (epoch seconds), acknowledged by the system or not."""

    seq: int
    ts: float
    acknowledged: bool


@dataclass(frozen=True)
class CanaryReport:
    """Which acknowledged canaries were lost, and how much time of writes that was.

    ``data_loss_s`` runs from the recovery point (the last acknowledged write that survived
    before the first lost one, else the first write) to the last lost write: 0 when
    nothing acknowledged was lost, None when the system could not be read back.
    """

    written: int
    acknowledged: int
    surviving: int | None
    lost: list[int]
    recovery_point_ts: float | None
    last_lost_ts: float | None
    data_loss_s: float | None


class CanaryWriter:
    """Writes canary ``1, 2, 3, ...`` every ``interval_s`` in a background thread."""

    def __init__(
        self,
        canary: Canary,
        interval_s: float = 0.5,
        on_write: Callable[[CanaryWrite], None] | None = None,
    ):
        self.canary = canary
        self.interval_s = interval_s
        self.on_write = on_write
        self._writes: list[CanaryWrite] = []
        self._lock = threading.Lock()
        self._ticker = _Ticker("canary-writer", interval_s, self._write_next)

    def _write_next(self) -> None:
        seq = len(self._writes) + 1
        began = time.time()
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

    def report(self) -> CanaryReport:
        """Read back the surviving canaries (call after recovery) and compare."""
        return canary_report(self.writes, self.canary.surviving())


def canary_report(writes: list[CanaryWrite], surviving: set[int] | None) -> CanaryReport:
    acked = sorted((w for w in writes if w.acknowledged), key=lambda w: w.seq)
    if surviving is None:
        return CanaryReport(len(writes), len(acked), None, [], None, None, None)
    lost = [w for w in acked if w.seq not in surviving]
    kept = sum(1 for w in acked if w.seq in surviving)
    if not lost:
        return CanaryReport(len(writes), len(acked), kept, [], None, None, 0.0)
    before = [w for w in acked if w.seq < lost[0].seq and w.seq in surviving]
    recovery_point = before[-1].ts if before else min(w.ts for w in writes)
    last_lost = lost[-1].ts
    return CanaryReport(
        written=len(writes),
        acknowledged=len(acked),
        surviving=kept,
        lost=[w.seq for w in lost],
        recovery_point_ts=recovery_point,
        last_lost_ts=last_lost,
        data_loss_s=last_lost - recovery_point,
    )
