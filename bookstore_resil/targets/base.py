"""The target-driver interface and the registry of drivers by name (``lab``, ``aws``,
``system``).

A target is what an exercise runs against. The exercise engine only ever talks to a
:class:`Target`: it asks it to check readiness, inject a fault, run a named action, and
list the probes that measure availability and data loss. Drivers register a factory
under a name, as papermill registers its engines.
"""

from __future__ import annotations

import abc
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bookstore_resil.define.units import DAY_S
from bookstore_resil.errors import TargetError, UsageError


@dataclass(frozen=True)
class ActionResult:
    """What one action did: ``ok`` or not, its output, how long it took, and why it failed."""

    ok: bool
    output: str = ""
    duration_s: float = 0.0
    error: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FaultRecord:
    """A fault injected on a target, with when it happened (ISO 8601, UTC)."""

    name: str
    ts: str
    detail: str = ""


# How much of why a probe failed is kept: enough to tell a refused connection from an HTTP
# 503 or a command's last error line, bounded because every outage's first one is logged.
REASON_CAP = 240


@dataclass(frozen=True)
class Checked:
    """A probe's answer: up or not, and when not, why in a few words (the HTTP status and
    the first bytes, the connection error, the command's exit and its last output)."""

    up: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.up

    @classmethod
    def of(cls, answer: bool | Checked) -> Checked:
        """A check's return value as an answer (a bare False says no more than that)."""
        if isinstance(answer, Checked):
            reason = " ".join(answer.reason.split())
            return cls(answer.up, reason if len(reason) <= REASON_CAP else reason[:REASON_CAP])
        return cls(True) if answer else cls(False, "the check said down")

    @classmethod
    def of_result(cls, result: ActionResult, tail: bool = True) -> Checked:
        """An action-like check's result: its error, then the end of its output (a
        command's last words) or, with ``tail`` false, its start (an HTTP answer's)."""
        if result.ok:
            return cls(True)
        said = " ".join(result.output.split())
        cut = REASON_CAP // 2
        part = said[-cut:] if tail else said[:cut]
        return cls.of(cls(False, ": ".join(text for text in (result.error, part) if text)))


@dataclass(frozen=True)
class Probe:
    """One availability check: an endpoint name, its URL or address, and a check function.

    ``check`` returns True (or a :class:`Checked`) when the endpoint answers as it should,
    a :class:`Checked` saying why when it does not (a bare False says nothing); it must
    return within ``timeout_s`` and never raise. ``user_facing`` marks the probe whose
    outage is what users see (the lab's ``/books/``, a team's checkout page).
    """

    name: str
    address: str
    check: Callable[[], bool | Checked]
    user_facing: bool = False


class Target(abc.ABC):
    """A place an exercise runs: the local lab or an AWS account.

    ``environment`` names where it is (``lab``, ``staging``, ``production``...): the stage
    checklist counts only non-production exercises as practice. ``injects_faults`` is false
    where the driver may not break anything (AWS without ``allow_destructive``): the
    exercise then declares the outage instead of injecting one.
    """

    name: str
    environment: str = "production"
    # The driver's own probe interval (target.yaml's `interval`), None for the exercise's.
    probe_interval_s: float | None = None
    # How long an exercise watches before and after, in seconds: every endpoint up for
    # ``baseline_s`` before the fault; at the end, the measured endpoints up ``sustain_s`` in
    # a row (waiting ``recovery_wait_s`` at most) before recovery counts. A driver whose
    # probes settle faster or slower says so; these are the waits every exercise had. Each
    # driver takes them as options too (``drill --baseline``, a benchmark, a test).
    baseline_s: float = 2.0
    sustain_s: float = 1.0
    recovery_wait_s: float = 30.0

    def _take_waits(self, **given: float | None) -> dict[str, float]:
        """Set the waits given (None: keep the driver's own), each checked; the ones set,
        which :meth:`options` passes on so that the kernel's driver waits the same."""
        checked = {name: _seconds(name, value) for name, value in given.items()}
        taken = {name: seconds for name, seconds in checked.items() if seconds is not None}
        for name, seconds in taken.items():
            setattr(self, name, seconds)
        return taken

    @abc.abstractmethod
    def options(self) -> dict[str, Any]:
        """The options that build this same target again in another process (the kernel a
        drill runs its notebook in), every path absolute."""

    @abc.abstractmethod
    def check_ready(self) -> None:
        """Raise :class:`TargetError` unless every component is healthy."""

    @abc.abstractmethod
    def inject_fault(self, fault: str) -> FaultRecord:
        """Break the named thing (``api-crash``, ``db-lost``, ...) and say when."""

    @abc.abstractmethod
    def run_action(self, name: str, args: dict[str, Any], timeout_s: float) -> ActionResult:
        """Run a named playbook action; never raise for an action that fails, never hang."""

    @abc.abstractmethod
    def probes(self) -> list[Probe]:
        """The availability probes of this target, one per endpoint."""

    def halt(self) -> None:  # noqa: B027 - most drivers have nothing in flight to stop
        """Stop whatever the driver is waiting for, at once (the exercise was halted)."""

    def clear_halt(self) -> None:  # noqa: B027 - most drivers have nothing in flight to stop
        """Accept work again after :meth:`halt` (the rollback runs actions of its own)."""

    @property
    def injects_faults(self) -> bool:
        return True

    @property
    def reads_newest_record(self) -> bool:
        """Whether :meth:`newest_record` can tell anything (target.yaml's ``newest_record``)."""
        return False

    def newest_record(self, before: datetime) -> datetime | None:
        """When the newest record the system holds was written, of those written before
        ``before``: how far back a restore really went. None when it holds none; raises
        :class:`TargetError` when the system cannot tell."""
        return None

    def repair(self) -> str:
        """Bring the target back to health after an exercise left it broken (a halt mid
        recovery); what was done, in words. Most systems need a person and the playbook."""
        raise TargetError(
            self.name, "no automatic repair: restore it by the playbook's recovery procedure"
        )

    def canary(self, run_id: str | None = None) -> Canary | None:
        """The data-loss canary writer of this target, if it has one; ``run_id`` is the
        identity a resumed exercise recorded (None: a new one)."""
        return None

    def lock_file(self) -> Path:
        """The file that holds this target to one exercise at a time: by default one per
        driver and options in the user's cache folder; a driver with a state folder of its
        own keeps it there."""
        key = json.dumps({"target": self.name, **self.options()}, sort_keys=True, default=str)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = cache / "bookstore-resil" / "locks"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / f"{self.name}-{digest}.lock"

    def actions(self) -> list[str]:
        """Names of the actions this target can run."""
        return []

    def faults(self) -> list[str]:
        """Names of the faults this target can inject."""
        return []

    def action_timeout(self, name: str, default_s: float) -> float:
        """How long action ``name`` may run: its own timeout where the driver has one."""
        return default_s

    def describe_action(self, name: str, args: dict[str, Any]) -> str:
        """What running action ``name`` would do, in words (a dry run records it)."""
        given = ", ".join(f"{key}={value!r}" for key, value in args.items())
        return f"action {name}({given})"

    def describe_fault(self, fault: str) -> str:
        """What injecting ``fault`` would do, in words (a dry run records it)."""
        return f"fault {fault}"


# The largest canary sequence number written or read back: what JSON readers keep exactly,
# and what the event log's reader accepts (archive/fields.py's whole numbers).
MAX_WHOLE = 2**53


class Canary(abc.ABC):
    """Writes numbered records through the system and later reads back which survived.

    ``run_id`` tells this exercise's records from any other's; a resumed exercise builds
    its canary again with the run id it recorded, so the writes of before the restart are
    found again rather than counted lost.
    """

    run_id: str = ""

    @abc.abstractmethod
    def write(self, seq: int) -> bool:
        """Write canary ``seq``; True when the system acknowledged it."""

    @abc.abstractmethod
    def surviving(self) -> set[int] | None:
        """The sequence numbers still readable, or None when the system cannot be read."""

    def cleanup(self) -> str | None:
        """Remove this exercise's canary records from the system (target.yaml's
        ``canary.cleanup``); what went wrong, or None."""
        return None

    def recovery_point(self, before: datetime) -> datetime | None:
        """When the newest write the system still holds from before ``before`` was made,
        counting writes made outside this exercise (a canary that writes all the time the
        system is up): what a restore really went back to. None where unknown."""
        return None


ENTRY_POINTS = "bookstore_resil.targets"
_REGISTRY: dict[str, Callable[..., Target]] = {}


def register_target(name: str, factory: Callable[..., Target]) -> None:
    _REGISTRY[name] = factory


def _seconds(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 < seconds < DAY_S:
        raise UsageError(f"{name}: seconds above 0 and under a day, not {value!r}")
    return seconds


def _installed() -> dict[str, Any]:
    """The drivers installed as entry points (the built-in ones are declared in
    pyproject.toml; another package can add its own the same way)."""
    from importlib.metadata import entry_points

    return {point.name: point for point in entry_points(group=ENTRY_POINTS)}


def get_target(name: str, **options: Any) -> Target:
    """Build the driver registered under ``name``, loading its entry point on first use."""
    if name not in _REGISTRY:
        point = _installed().get(name)
        if point is not None:
            register_target(name, point.load())
    if name not in _REGISTRY:
        known = ", ".join(sorted({*_REGISTRY, *_installed()})) or "none"
        raise TargetError(name, f"unknown target (known: {known})")
    return _REGISTRY[name](**options)
