"""A target held in memory, for engine tests that need no lab: endpoints that are up or
down, a fault that takes them all down, actions that bring them back, and a canary whose
writes live in a store that outlives the target object (as a database outlives a kernel)."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from bookstore_resil import clock
from bookstore_resil.define.loader import load_system
from bookstore_resil.define.model import System
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.watch import Options
from bookstore_resil.targets.base import ActionResult, Canary, FaultRecord, Probe, Target
from tests.conftest_lab import wait_until

SEED = Path(__file__).resolve().parent.parent / "data" / "bookstore"
ENDPOINTS = ("api", "database", "cdn")
# Quick enough for a test of a few seconds, slow enough for two cores.
QUICK = Options(
    probe_interval_s=0.05,
    canary_interval_s=0.05,
    sustain_s=0.3,
    action_timeout_s=5.0,
    recovery_wait_s=3.0,
    baseline_s=0.2,
)


class Store:
    """What the system holds: canary writes by run id, and the heartbeats of before."""

    def __init__(self) -> None:
        self.writes: dict[str, set[int]] = {}
        self.recovery_point: datetime | None = None


class MemoryCanary(Canary):
    def __init__(self, target: MemoryTarget, run_id: str | None):
        self.target = target
        self.run_id = run_id or secrets.token_hex(4)

    def write(self, seq: int) -> bool:
        if not self.target.up["database"]:
            return False
        self.target.store.writes.setdefault(self.run_id, set()).add(seq)
        return True

    def surviving(self) -> set[int] | None:
        return set(self.target.store.writes.get(self.run_id, set()))

    def recovery_point(self, before: datetime) -> datetime | None:
        return self.target.store.recovery_point


class MemoryTarget(Target):
    name = "memory"
    environment = "lab"

    def __init__(self, folder: Path, store: Store | None = None):
        self.folder = Path(folder)
        self.store = store or Store()
        self.up = dict.fromkeys(ENDPOINTS, True)
        self.injected: list[str] = []

    def options(self) -> dict[str, Any]:
        return {"folder": str(self.folder)}

    def check_ready(self) -> None:
        pass

    def inject_fault(self, fault: str) -> FaultRecord:
        self.injected.append(fault)
        for name in self.up:
            self.up[name] = False
        return FaultRecord(fault, clock.iso(clock.now()), "everything down")

    def run_action(self, name: str, args: dict[str, Any], timeout_s: float) -> ActionResult:
        if name == "http_check":
            ok = all(self.up.values())
            return ActionResult(ok, "checked", error=None if ok else "down")
        for endpoint in self.up:
            self.up[endpoint] = True
        return ActionResult(True, f"{name}: everything up")

    def probes(self) -> list[Probe]:
        return [Probe(n, f"memory://{n}", lambda n=n: self.up[n]) for n in ENDPOINTS]

    def canary(self, run_id: str | None = None) -> Canary | None:
        return MemoryCanary(self, run_id)

    def lock_file(self) -> Path:
        return self.folder / "exercise.lock"


def opened_by_hand(
    target: MemoryTarget, scenario: str, exercise_id: str, system: System | None = None
) -> Exercise:
    """``scenario`` opened in interactive mode on ``target`` with the quick timings, executed
    (Start injects the fault); ``system`` is the seed's Bookstore unless given."""
    return Exercise.create(
        system or load_system(SEED),
        scenario,
        target,
        target.folder,
        exercise_id,
        "interactive",
        QUICK,
        execute=True,
    )


def started_by_hand(system: System, target: MemoryTarget, exercise_id: str) -> Exercise:
    """The API exercise opened in interactive mode and started after a baseline, executed,
    its probes seeing everything down: the next ``run()`` is verify-instance, which fails."""
    exercise = opened_by_hand(target, "api-failure", exercise_id, system)
    exercise.watch.wait_for_baseline(QUICK.baseline_s, patience_s=10.0)
    exercise.start()
    assert wait_until(lambda: not any(exercise.watch.endpoint_up.values())), "seen down"
    return exercise


def abandon(exercise: Exercise) -> None:
    """Leave an exercise as a killed kernel leaves it: its threads stop, its log stops
    mid-way, its lock goes with the process."""
    exercise.watch.stop()
    exercise.log.close()
    exercise.lock.release()
