"""Measuring an exercise while it runs: availability probes and a data-loss canary.

:class:`Prober` checks each endpoint every ``interval_s`` in a background thread and keeps
what outages are measured from: each endpoint's state changes (as the event log records
them), its last sample and its counts, never every sample, so a game day of hours holds no
more than one of minutes. :class:`CanaryWriter` writes numbered records through the system
and, after recovery, reads back which acknowledged ones survived, so data loss is measured
in seconds; it keeps the acknowledged numbers as ranges and each write's time in eight
bytes. Both work with any target's :class:`~bookstore_resil.targets.base.Probe` and
:class:`~bookstore_resil.targets.base.Canary`, and stamp what they see on an
:class:`~bookstore_resil.clock.ExerciseClock` (the exercise's own, or one of their own),
never on the wall clock a step could move.
"""

from __future__ import annotations

import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class Seen:
    """What a prober keeps of one endpoint: its state changes ``(epoch seconds, up)``, the
    first sample included, its last sample, and how many checks it made and found down."""

    changes: list[tuple[float, bool]] = field(default_factory=list)
    last: Sample | None = None
    checks: int = 0
    down: int = 0

    def take(self, sample: Sample) -> None:
        if self.last is None or self.last.up != sample.up:
            self.changes.append((sample.ts, sample.up))
        self.last = sample
        self.checks += 1
        self.down += not sample.up


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
        self._seen = {p.name: Seen() for p in self.probes}
        self._lock = threading.Lock()
        self._tickers = [
            _Ticker(f"probe-{p.name}", interval_s, self._checker(p)) for p in self.probes
        ]

    def _checker(self, probe: Probe) -> Callable[[], None]:
        seen = self._seen[probe.name]

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
                seen.take(sample)
                if self.on_sample is not None:
                    self.on_sample(sample)

        return check

    def start(self) -> Prober:
        for ticker in self._tickers:
            ticker.start()
        return self

    def stop(self) -> None:
        for ticker in self._tickers:
            ticker.stop()

    def __enter__(self) -> Prober:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def cpu_s(self) -> float:
        """CPU seconds the probe threads used (their checks included)."""
        return sum(t.cpu_s for t in self._tickers)

    @property
    def checks(self) -> int:
        """How many checks the probes made, all endpoints together."""
        with self._lock:
            return sum(seen.checks for seen in self._seen.values())

    def seen(self, endpoint: str) -> Seen:
        """A copy of what the prober keeps of ``endpoint``."""
        with self._lock:
            kept = self._seen.get(endpoint, Seen())
            return Seen(list(kept.changes), kept.last, kept.checks, kept.down)

    def series(self, endpoint: str) -> list[tuple[datetime, bool]]:
        """One endpoint's state changes as (time, up), oldest first: what the event log
        records of it and :mod:`.measure` reads."""
        return [
            (datetime.fromtimestamp(ts, timezone.utc), up) for ts, up in self.seen(endpoint).changes
        ]

    def outage(self, endpoint: str, after: float, sustain_s: float = 0.0) -> Outage | None:
        """The first outage of ``endpoint`` after epoch time ``after``, measured as an
        exercise measures it from its event log (:func:`.measure.outage_of`), observed up
        to the last sample."""
        seen = self.seen(endpoint)
        if seen.last is None:
            return None
        changes = [(datetime.fromtimestamp(ts, timezone.utc), up) for ts, up in seen.changes]
        start = datetime.fromtimestamp(after, timezone.utc)
        until = datetime.fromtimestamp(seen.last.ts, timezone.utc)
        return outage_of(endpoint, changes, start, until, sustain_s)


@dataclass(frozen=True)
class CanaryWrite:
    """Canary ``seq``, sent at ``ts`` (epoch seconds), acknowledged by the system or not."""

    seq: int
    ts: float
    acknowledged: bool


class CanaryWriter:
    """Writes canary ``first_seq, first_seq + 1, ...`` every ``interval_s`` in a background
    thread (a resumed exercise goes on numbering where its log stops).

    ``on_write`` is called with each :class:`CanaryWrite`; the writer itself keeps when each
    write went out and the acknowledged numbers as ranges, what :meth:`loss` needs."""

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
        self._sent = array("d")  # epoch seconds each write went out: seq first_seq + index
        self._acked: list[list[int]] = []  # [first, last] runs of acknowledged seqs
        self._lock = threading.Lock()
        self._ticker = _Ticker("canary-writer", interval_s, self._write_next)

    def _write_next(self) -> None:
        seq = self.first_seq + len(self._sent)
        began = self.clock.epoch()
        try:
            acknowledged = bool(self.canary.write(seq))
        except Exception:  # a write that raised was not acknowledged
            acknowledged = False
        with self._lock:
            self._sent.append(began)
            if acknowledged and self._acked and self._acked[-1][1] == seq - 1:
                self._acked[-1][1] = seq
            elif acknowledged:
                self._acked.append([seq, seq])
        if self.on_write is not None:
            self.on_write(CanaryWrite(seq, began, acknowledged))

    def start(self) -> CanaryWriter:
        self._ticker.start()
        return self

    def stop(self) -> None:
        self._ticker.stop()

    def __enter__(self) -> CanaryWriter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def written(self) -> int:
        with self._lock:
            return len(self._sent)

    @property
    def acknowledged(self) -> list[tuple[int, int]]:
        """The acknowledged sequence numbers as ``(first, last)`` runs, oldest first."""
        with self._lock:
            return [(first, last) for first, last in self._acked]

    @property
    def cpu_s(self) -> float:
        return self._ticker.cpu_s

    def loss(self) -> CanaryResult:
        """Read back the surviving canaries (call after recovery) and compare."""
        with self._lock:
            sent = array("d", self._sent)
        acked = {seq for first, last in self.acknowledged for seq in range(first, last + 1)}
        writes = [
            (seq, datetime.fromtimestamp(ts, timezone.utc), seq in acked)
            for seq, ts in enumerate(sent, start=self.first_seq)
        ]
        since = writes[0][1] if writes else self.clock.now()
        return canary_loss(writes, self.canary.surviving(), since)
