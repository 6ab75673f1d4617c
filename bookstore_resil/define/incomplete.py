"""A system folder still being filled in, loaded for analysis with warnings, not refused.

A team maps its dependencies before it has agreed every objective or written every
playbook; ``deps``, ``blast-radius`` and ``notify`` should help it get there, not refuse it
(docs/contract.md §2). What such a system lacks is kept as a warning: the ``FILE:LINE: field:
message`` line ``validate`` prints, then what the analysis assumed. An objective written
``TODO`` is None (unknown, never guessed); a lead written ``TODO`` is nobody to call; a
critical service may lack its playbook scenario; an entrypoint that names no service is
replaced by the service nothing depends on. Anything else (a broken file, an unknown
dependency, a cycle) is refused as ``validate`` refuses it, which stays strict.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_resil.define.loader import SYSTEM_FILE, Collector, load_collecting
from bookstore_resil.define.model import Scenario, Service, System
from bookstore_resil.define.units import TODO, unreadable_duration
from bookstore_resil.errors import Problem


@dataclass(frozen=True)
class IncompleteSystem:
    """The system as far as it is written, and what it still lacks."""

    system: System
    warnings: list[Problem]


def load_incomplete(folder: str | Path) -> IncompleteSystem:
    """Load ``folder`` tolerating TODO objectives, missing playbooks and an unknown entrypoint;
    raise DefinitionError for anything else."""
    found = Collector(Path(folder), incomplete=True)
    system = load_collecting(found)
    system_file = str(found.folder / SYSTEM_FILE)
    owners: list[tuple[str, tuple[str | int, ...], Service | Scenario]]
    owners = [(system_file, ("services", i), s) for i, s in enumerate(system.services)]
    owners += [(s.source, (), s) for s in system.scenarios]
    for file, path, owner in owners:
        for name in ("rto", "rpo"):
            if getattr(owner, f"{name}_s") is None:
                message = f"{unreadable_duration(TODO)}; analysed as unknown"
                found.add(file, (*path, name), message, missing=True)
    warnings = found.warnings
    stand_in = None
    if system.entrypoint not in {s.id for s in system.services}:
        stand_in = stand_in_entrypoint(system.services)
    if stand_in is not None:
        entrypoint, how = stand_in
        system = system.model_copy(update={"entrypoint": entrypoint})
        warnings = [
            Problem(w.file, w.line, w.field, f"{w.message}; {how}")
            if (w.file, w.field) == (system_file, "entrypoint")
            else w
            for w in warnings
        ]
    return IncompleteSystem(system, sorted(warnings, key=_order))


def stand_in_entrypoint(services: list[Service]) -> tuple[str, str] | None:
    """The service to analyse from when the entrypoint is unknown, and how it was chosen:
    the one service nothing depends on, else the first listed of them (ambiguous)."""
    depended = {edge.service for service in services for edge in service.depends_on}
    roots = [service.id for service in services if service.id not in depended]
    if not roots:
        return None
    if len(roots) == 1:
        return roots[0], f"analysing from {roots[0]!r}, the only service nothing depends on"
    return roots[0], (
        f"ambiguous: nothing depends on {', '.join(map(repr, roots))}; "
        f"analysing from {roots[0]!r}, the first listed"
    )


def _order(problem: Problem) -> tuple[str, int, str, str]:
    return (problem.file, problem.line, problem.field, problem.message)
