"""The lab: a real, local Bookstore (Django API behind a router, PostgreSQL, an S3 CDN)
to practise failover on, with named faults, playbook actions and probes.

Everything takes a state folder (default ``.lab/``, or ``$BOOKSTORE_RESIL_LAB_DIR``). This
package is light to import: Django, boto3 and psycopg load only when used.
"""

from __future__ import annotations

import os
from typing import Any

from bookstore_resil.lab import actions, faults, lifecycle
from bookstore_resil.lab.canary import LabCanary
from bookstore_resil.lab.checks import lab_probes
from bookstore_resil.lab.lifecycle import LabStatus, Progress, describe, to_stderr
from bookstore_resil.lab.state import Lab, resolve_state_dir
from bookstore_resil.targets.base import ActionResult, FaultRecord, Probe

StateDir = str | os.PathLike[str] | None

FAULT_NAMES = list(faults.FAULTS)
ACTION_NAMES = list(actions.ACTIONS)


def up(
    state_dir: StateDir = None,
    *,
    snapshot_interval_s: float | None = None,
    progress: Progress = to_stderr,
) -> LabStatus:
    """Start the lab, or whatever part of it is down or lost; idempotent."""
    lab = Lab.at(state_dir)
    return lifecycle.up(lab, snapshot_interval_s=snapshot_interval_s, progress=progress)


def down(
    state_dir: StateDir = None, *, purge: bool = False, progress: Progress = to_stderr
) -> list[str]:
    """Stop every process of the lab by its pid; ``purge`` also deletes the state folder."""
    return lifecycle.down(Lab.at(state_dir), purge=purge, progress=progress)


def status(state_dir: StateDir = None) -> LabStatus:
    """Each component's health and endpoints."""
    return lifecycle.status(Lab.at(state_dir))


def inject_fault(name: str, state_dir: StateDir = None) -> FaultRecord:
    """Inject the named fault (see ``FAULT_NAMES``), recorded in ``STATE/faults.jsonl``."""
    return faults.inject(Lab.at(state_dir), name)


def run_action(
    name: str,
    args: dict[str, Any] | None = None,
    timeout_s: float = 60.0,
    state_dir: StateDir = None,
) -> ActionResult:
    """Run the named playbook action (see ``ACTION_NAMES``); never raises, never hangs."""
    return actions.run(Lab.at(state_dir), name, args, timeout_s)


def probes(state_dir: StateDir = None) -> list[Probe]:
    """The API, database and CDN probes."""
    return lab_probes(Lab.at(state_dir))


def canary(state_dir: StateDir = None, run_id: str | None = None) -> LabCanary:
    return LabCanary(Lab.at(state_dir), run_id)


__all__ = [
    "ACTION_NAMES",
    "FAULT_NAMES",
    "Lab",
    "LabCanary",
    "LabStatus",
    "canary",
    "describe",
    "down",
    "inject_fault",
    "probes",
    "resolve_state_dir",
    "run_action",
    "status",
    "up",
]
