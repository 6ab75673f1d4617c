"""Data loss, from the event log: the canary's acknowledged writes that did not survive,
and what the system says it holds (target.yaml's ``newest_record``).

The canary only lives from the exercise's start, so by itself it sees at most the loss of
the exercise's own writes: a database restored from a backup taken an hour before the
fault loses an hour, while every canary write is simply gone. Two things tell more: the
system's own newest record from before the fault (``newest_record``, or the lab's snapshot
heartbeat, the canary check's ``recovery_point``), which gives the exact figure; without
one, a canary that lost every write it made before the fault gives a lower bound only
(``at_least``), and an RPO is then judged only when even that bound misses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bookstore_resil import clock
from bookstore_resil.archive import events as ev

EXACT, AT_LEAST = "exact", "at_least"


@dataclass(frozen=True)
class CanaryResult:
    written: int
    acknowledged: int
    lost: list[int]
    surviving_checked: bool
    lost_window: tuple[str, str] | None
    # Every acknowledged write made before the fault is gone: the restore went back further
    # than the canary reaches, unless the system said how far (recovery_point).
    lost_all_before_fault: bool = False

    @property
    def data_loss_s(self) -> float | None:
        """Seconds of acknowledged writes lost; None when survivors could not be read."""
        if not self.surviving_checked:
            return None
        return _seconds(*self.lost_window) if self.lost_window else 0.0


@dataclass(frozen=True)
class DataLoss:
    """The data loss an exercise measured: the larger of the canary's and the system's own
    figure, whether it is exact or a lower bound, and the RPO verdict."""

    seconds: float | None = None
    bound: str | None = None  # exact or at_least; None when nothing was measured
    canary_s: float | None = None
    record_s: float | None = None
    rpo_met: bool | None = None


def _seconds(start: str, end: str) -> float:
    return round((clock.parse_ts(end) - clock.parse_ts(start)).total_seconds(), 3)


def canary_loss(
    writes: list[tuple[int, datetime, bool]],
    surviving: set[int] | None,
    since: datetime,
    fault_at: datetime | None = None,
    recovery_point: datetime | None = None,
) -> CanaryResult:
    """Which acknowledged writes ``(seq, when, acknowledged)`` did not survive, and the span.

    The span runs from the recovery point to the last lost write, or to the fault when the
    writes were lost from before it (what users wrote up to the fault is gone too). The
    recovery point is the newest write that survived from before the first lost one: this
    exercise's, or ``recovery_point``, the system's own (a canary that was writing long
    before the exercise, so a restore from an older snapshot shows all it lost), else
    ``since``.
    """
    acked = {seq: at for seq, at, ack in writes if ack}
    if surviving is None:
        return CanaryResult(len(writes), len(acked), [], False, None)
    lost = sorted(seq for seq in acked if seq not in surviving)
    window = None
    if lost:
        first_lost = acked[lost[0]]
        points = [acked[seq] for seq in acked if seq < lost[0] and seq in surviving]
        if recovery_point is not None and recovery_point < first_lost:
            points.append(recovery_point)
        end = acked[lost[-1]]
        if fault_at is not None and first_lost <= fault_at:
            end = max(end, fault_at)
        window = (clock.iso(max(points, default=since)), clock.iso(end))
    before = [seq for seq, at in acked.items() if fault_at is not None and at <= fault_at]
    lost_all = bool(before) and recovery_point is None and all(s not in surviving for s in before)
    return CanaryResult(len(writes), len(acked), lost, True, window, lost_all)


def canary_of(
    events: list[dict[str, Any]], started_at: str, fault_at: datetime | None
) -> CanaryResult | None:
    writes = [
        (e["seq"], clock.parse_ts(e.get("at", e["ts"])), bool(e.get("ack")))
        for e in events
        if e["type"] == ev.CANARY
    ]
    if not writes:
        return None
    check = next((e for e in reversed(events) if e["type"] == ev.CANARY_CHECK), None)
    surviving = None if check is None or check.get("surviving") is None else set(check["surviving"])
    point = (check or {}).get("recovery_point")
    recovery_point = clock.parse_ts(point) if point else None
    return canary_loss(writes, surviving, clock.parse_ts(started_at), fault_at, recovery_point)


def record_loss(events: list[dict[str, Any]], fault_at: datetime | None) -> float | None:
    """Fault time less the newest record the system held from before it (the last
    ``newest_record`` event that found one), 0 when it holds one from the fault on."""
    found = next(
        (e for e in reversed(events) if e["type"] == ev.NEWEST_RECORD and e.get("newest")), None
    )
    if found is None or fault_at is None:
        return None
    return max(0.0, round((fault_at - clock.parse_ts(found["newest"])).total_seconds(), 3))


def data_loss(canary: CanaryResult | None, record_s: float | None, rpo_s: float) -> DataLoss:
    """The larger figure stands; a canary that lost all it wrote before the fault, with no
    figure from the system, is a lower bound, which misses the RPO or says nothing."""
    canary_s = canary.data_loss_s if canary is not None else None
    figures = [s for s in (canary_s, record_s) if s is not None]
    if not figures:
        return DataLoss(canary_s=canary_s, record_s=record_s)
    seconds = max(figures)
    lower_bound = record_s is None and canary is not None and canary.lost_all_before_fault
    if lower_bound:
        return DataLoss(seconds, AT_LEAST, canary_s, record_s, False if seconds > rpo_s else None)
    return DataLoss(seconds, EXACT, canary_s, record_s, seconds <= rpo_s)
