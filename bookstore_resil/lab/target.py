"""The ``lab`` target: exercises against the local Bookstore of :mod:`bookstore_resil.lab`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import actions, faults, lifecycle
from bookstore_resil.lab.canary import LabCanary
from bookstore_resil.lab.checks import lab_probes
from bookstore_resil.lab.state import ENV_STATE_DIR, Lab
from bookstore_resil.targets.base import (
    ActionResult,
    Canary,
    FaultRecord,
    Probe,
    Target,
)


class LabTarget(Target):
    """Drives the lab in ``state_dir`` (default: ``$BOOKSTORE_RESIL_LAB_DIR`` or ``.lab``)."""

    name = "lab"
    environment = "lab"

    def __init__(
        self,
        state_dir: str | os.PathLike[str] | None = None,
        baseline_s: float | None = None,
        sustain_s: float | None = None,
        recovery_wait_s: float | None = None,
    ):
        self.lab = Lab.at(state_dir)
        self._waits = self._take_waits(
            baseline_s=baseline_s, sustain_s=sustain_s, recovery_wait_s=recovery_wait_s
        )

    def options(self) -> dict[str, Any]:
        return {"state_dir": str(self.lab.root), **self._waits}

    def check_ready(self) -> None:
        status = lifecycle.status(self.lab)
        if not status.exists:
            raise TargetError(
                "lab",
                f"no lab in {self.lab.root} (run 'bookstore-resil lab up' in the workbook "
                f"folder, or set ${ENV_STATE_DIR} to the lab's folder)",
            )
        down = [c.name for c in status.components if not c.healthy]
        if down:
            hint = "run 'bookstore-resil lab up'"
            raise TargetError("lab", f"not healthy: {', '.join(down)} ({hint})")

    def inject_fault(self, fault: str) -> FaultRecord:
        return faults.inject(self.lab, fault)

    def run_action(self, name: str, args: dict[str, Any], timeout_s: float) -> ActionResult:
        return actions.run(self.lab, name, args, timeout_s)

    def probes(self) -> list[Probe]:
        return lab_probes(self.lab)

    def repair(self) -> str:
        """What ``lab up`` does: start what stopped, replace what was lost."""
        status = lifecycle.up(self.lab, progress=lambda _line: None)
        broken = [c.name for c in status.components if not c.healthy]
        if broken:
            raise TargetError("lab", f"still not healthy after repair: {', '.join(broken)}")
        return f"lab healthy again: {', '.join(c.name for c in status.components)} up"

    def canary(self, run_id: str | None = None) -> Canary | None:
        return LabCanary(self.lab, run_id)

    def lock_file(self) -> Path:
        """Inside the lab's state folder: whoever drives this lab sees the lock."""
        if not self.lab.exists():
            raise TargetError("lab", f"no lab in {self.lab.root} (run 'bookstore-resil lab up')")
        return self.lab.root / "exercise.lock"

    def actions(self) -> list[str]:
        return list(actions.ACTIONS)

    def faults(self) -> list[str]:
        return list(faults.FAULTS)
