"""What an exercise runs beside its playbook: the target's probes and canary (each change
recorded into the event log as it is seen) and the worker that runs actions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.clock import ExerciseClock
from bookstore_resil.define.model import Action
from bookstore_resil.define.units import DAY_S, check_interval
from bookstore_resil.errors import EventLogError, ResilError, UsageError
from bookstore_resil.exercise.probes import CanaryWrite, CanaryWriter, Prober, Sample
from bookstore_resil.log import logger
from bookstore_resil.targets.base import ActionResult, FaultRecord, Probe, Target

Record = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Options:
    """How an exercise measures and how long it waits, each in seconds: checked when made,
    so a bad ``--probe-interval`` stops a drill before its fault, not after."""

    probe_interval_s: float = 0.1
    canary_interval_s: float = 0.5
    sustain_s: float = Target.sustain_s
    action_timeout_s: float = 120.0
    recovery_wait_s: float = Target.recovery_wait_s
    baseline_s: float = Target.baseline_s

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, (int, float)) or not 0 < value < DAY_S:
                raise UsageError(f"{name}: seconds above 0 and under a day, not {value!r}")
        try:
            check_interval(self.probe_interval_s)
        except ValueError as error:
            raise UsageError(f"probe_interval_s: {error}") from None

    @classmethod
    def of_target(cls, target: Target, probe_interval_s: float) -> Options:
        """The options of an exercise on ``target``: its baseline and recovery waits."""
        return cls(
            probe_interval_s=probe_interval_s,
            baseline_s=target.baseline_s,
            sustain_s=target.sustain_s,
            recovery_wait_s=target.recovery_wait_s,
        )


class Watch:
    """The probes (one state change, one ``probe`` event) and the canary writer (one
    ``canary`` event a write) of one exercise, timed on the exercise's clock;
    ``endpoint_up`` is what was seen last, ``up_at`` when each endpoint was last seen
    coming up (epoch seconds on the exercise's clock)."""

    def __init__(
        self,
        target: Target,
        probe_interval_s: float,
        canary_interval_s: float,
        record: Record,
        clock: ExerciseClock,
    ):
        self.target = target
        self.probe_interval_s = probe_interval_s
        self.canary_interval_s = canary_interval_s
        self.record = record
        self.clock = clock
        self.endpoint_up: dict[str, bool] = {}
        self.up_at: dict[str, float] = {}
        self.down_reason: dict[str, str] = {}  # why each endpoint was last seen going down
        self._prober: Prober | None = None
        self._canary: CanaryWriter | None = None

    def start(
        self, canary_run: str | None = None, first_seq: int = 1, write_canary: bool = True
    ) -> None:
        """Start probing and writing canaries (a dry run writes none). A resumed exercise
        passes the canary run it recorded and the next sequence number, so its canary keeps
        its identity."""
        probes = self.target.probes()
        canary = self.target.canary(canary_run) if write_canary else None
        self.record(
            ev.PROBES,
            endpoints={p.name: p.address for p in probes},
            canary_run=canary.run_id if canary is not None else None,
        )
        self._prober = Prober(probes, self.probe_interval_s, self._sample, self.clock)
        self._prober.start()
        if canary is not None:
            self._canary = CanaryWriter(
                canary, self.canary_interval_s, self._written, self.clock, first_seq
            )
            self._canary.start()

    @staticmethod
    def endpoints_to_measure(
        probes: list[Probe], service: str, entrypoint: str
    ) -> tuple[str, str | None]:
        """The endpoint whose outage is the scenario's (its service's probe, else the
        entrypoint's) and the user-facing one (the probe marked so, else the entrypoint's)."""
        names = [p.name for p in probes]
        marked = next((p.name for p in probes if p.user_facing), None)
        measured = service if service in names else entrypoint
        return measured, marked or (entrypoint if entrypoint in names else None)

    def wait_for_baseline(self, baseline_s: float, patience_s: float) -> None:
        """Let the probes see every endpoint up for ``baseline_s`` before breaking anything."""
        names = {p.name for p in self.target.probes()}
        deadline = time.monotonic() + baseline_s + patience_s
        time.sleep(baseline_s)
        while time.monotonic() < deadline and not all(self.endpoint_up.get(n) for n in names):
            time.sleep(self.probe_interval_s)

    def wait_for_recovery(
        self,
        endpoints: Sequence[str | None],
        sustain_s: float,
        patience_s: float,
        halt: threading.Event,
    ) -> None:
        """Wait (at most ``patience_s``) until every one of ``endpoints`` (None: no such
        endpoint) has stayed up for ``sustain_s``, counted from the sample that saw it come
        up: the window the summary then measures (an endpoint up since before the playbook
        ended has served part of it already)."""
        deadline = time.monotonic() + patience_s
        watched = [name for name in endpoints if name is not None]
        while time.monotonic() < deadline and not halt.is_set():
            if all(self.endpoint_up.get(name) for name in watched):
                up_since = max((self.up_at.get(name, 0.0) for name in watched), default=0.0)
                if self.clock.epoch() - up_since >= sustain_s:
                    return
            time.sleep(self.probe_interval_s)

    def check_data(self, fault_at: datetime | None) -> None:
        """Stop writing; record which canary writes survived and the system's own recovery
        point (the newest write it still holds from before the fault, see
        :meth:`~bookstore_resil.targets.base.Canary.recovery_point`), clean the canary's
        records up, and ask the system for its newest record from before the fault."""
        if self._canary is not None:
            self._canary.stop()
            canary = self._canary.canary
            surviving = canary.surviving()
            point = canary.recovery_point(fault_at) if fault_at is not None else None
            self.record(
                ev.CANARY_CHECK,
                surviving=sorted(surviving) if surviving is not None else None,
                recovery_point=clock.iso(point) if point is not None else None,
            )
        if self.target.reads_newest_record and fault_at is not None:
            self._newest_record(fault_at)
        if self._canary is not None:  # last: the newest record may be a canary's
            trouble = self._canary.canary.cleanup()
            if trouble:
                self.record(ev.NOTE, text=f"canary cleanup failed: {trouble}")

    def _newest_record(self, before: datetime) -> None:
        """Ask the system for its newest record from before the fault (target.yaml's
        ``newest_record``), once the service is back: the restore point data loss counts
        from."""
        try:
            newest = self.target.newest_record(before)
        except ResilError as error:
            self.record(ev.NEWEST_RECORD, before=clock.iso(before), newest=None, error=str(error))
            return
        found = clock.iso(newest) if newest is not None else None
        self.record(ev.NEWEST_RECORD, before=clock.iso(before), newest=found, error=None)

    def stop(self) -> None:
        """Stop probing and writing (what is read back was read by :meth:`check_data`)."""
        if self._prober is not None:
            self._prober.stop()
        if self._canary is not None:
            self._canary.stop()

    def seen(self, endpoint: str, up: bool, ts: float) -> bool:
        """Take what a probe saw of ``endpoint`` at ``ts`` (also a ``probe`` event read
        back on resume); whether it changed the endpoint's state."""
        if self.endpoint_up.get(endpoint) is up:
            return False
        if up:  # first: whoever reads the endpoint up (another thread) reads since when
            self.up_at[endpoint] = ts
        self.endpoint_up[endpoint] = up
        return True

    def _sample(self, sample: Sample) -> None:
        if self.seen(sample.endpoint, sample.up, sample.ts):
            if not sample.up:
                self.down_reason[sample.endpoint] = sample.reason
            at = clock.iso(datetime.fromtimestamp(sample.ts, timezone.utc))
            why = {} if sample.up else {"reason": sample.reason}
            self._measured(ev.PROBE, endpoint=sample.endpoint, up=sample.up, at=at, **why)

    def _written(self, write: CanaryWrite) -> None:
        at = clock.iso(datetime.fromtimestamp(write.ts, timezone.utc))
        self._measured(ev.CANARY, seq=write.seq, ack=write.acknowledged, at=at)

    def _measured(self, type: str, **fields: Any) -> None:
        # From a probe's thread: a sample that lands after the log closed belongs to no one.
        try:
            self.record(type, **fields)
        except EventLogError:
            logger.debug("%s after the exercise finished: dropped", type)


class ActionRunner:
    """Runs a step's action on the target in a worker thread and never hangs the exercise:
    it gives up ``grace_s`` after the action's own timeout, and at once on halt.

    In a dry run nothing runs: a fault and an action say what they would have run.
    """

    def __init__(self, target: Target, halt: threading.Event, dry_run: bool, grace_s: float = 5.0):
        self.target = target
        self.halt = halt
        self.dry_run = dry_run
        self.grace_s = grace_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="action")

    def inject(self, fault: str) -> FaultRecord:
        if self.dry_run:
            would = self.target.describe_fault(fault)
            return FaultRecord(fault, clock.iso(clock.now()), f"dry run: would run {would}")
        return self.target.inject_fault(fault)

    def run(self, action: Action, default_timeout_s: float) -> ActionResult:
        if self.dry_run:
            would = self.target.describe_action(action.name, action.args)
            return ActionResult(True, f"dry run: would run {would}", data={"dry_run": True})
        timeout_s = self.target.action_timeout(action.name, default_timeout_s)
        began = time.monotonic()
        future = self._pool.submit(self.target.run_action, action.name, action.args, timeout_s)
        while True:
            try:
                return future.result(timeout=0.1)
            except FutureTimeout:
                waited = time.monotonic() - began
                if self.halt.is_set():
                    return ActionResult(False, "", waited, "halted while the action ran")
                if waited > timeout_s + self.grace_s:
                    return ActionResult(False, "", waited, f"no answer within {timeout_s:.0f}s")
            except ResilError as error:
                return ActionResult(False, "", time.monotonic() - began, str(error))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def resumed_canary(events: list[dict[str, Any]]) -> tuple[str | None, int]:
    """The canary run an exercise's log recorded and the sequence number to go on from, so
    a resumed exercise writes and reads back the same canary (not a new one, which would
    count every write of before the restart as lost)."""
    runs = [e.get("canary_run") for e in events if e["type"] == ev.PROBES]
    seqs = [e["seq"] for e in events if e["type"] == ev.CANARY]
    return next((run for run in reversed(runs) if run), None), max(seqs, default=0) + 1
