"""What a report takes from the system definition an exercise used: the dependency analysis
of the exercised service, and who owns each action the report recommends.

The archive records the folder (``data_dir`` of ``exercise_started``); when it cannot be
found or read, the report says so and leaves these parts out rather than failing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from bookstore_resil.analyse.graph import (
    RPO_UNMET,
    RTO_UNMET,
    SINGLE_POINT_OF_FAILURE,
    ServiceAnalysis,
)
from bookstore_resil.archive.measure import Summary
from bookstore_resil.define.model import System
from bookstore_resil.report.findings import Findings, find

# Recommendations a service's people fix (the architecture), not the playbook's lead.
ARCHITECTURE = frozenset({SINGLE_POINT_OF_FAILURE, RTO_UNMET, RPO_UNMET})


@dataclass(frozen=True)
class SystemContext:
    """The system of an exercise (None when unreadable, with why in ``note``)."""

    system: System | None
    note: str

    def dependency(self, service: str) -> tuple[ServiceAnalysis | None, str]:
        """The dependency analysis of ``service``, or why there is none."""
        from bookstore_resil.analyse.graph import DependencyGraph

        if self.system is None:
            return None, self.note
        analysis = DependencyGraph(self.system).analyse()
        found = next((s for s in analysis.services if s.service == service), None)
        if found is None:
            folder = self.system.path
            return None, f"{service} is not a service of {folder}: dependency analysis left out"
        return found, self.note

    def owner(self, kind: str, scenario: str, service: str) -> str:
        """Who should carry out a recommendation of ``kind``: for the architecture, the
        first contact named for the service itself; for everything else (the playbook, its
        objectives, the notification procedure), the scenario's primary lead, who owns the
        playbook. "" when the system is unknown."""
        if self.system is None:
            return ""
        if kind in ARCHITECTURE:
            named = next((c.name for c in self.system.contacts if service in c.services), None)
            if named:
                return named
        lead = next((s.leads.primary for s in self.system.scenarios if s.id == scenario), None)
        return lead or ""


def recorded_system(data_dir: str | Path | None) -> SystemContext:
    """The system definition at ``data_dir`` (a folder looked up as the notebooks do)."""
    from bookstore_resil.define.loader import load_system, locate_system_folder
    from bookstore_resil.errors import DefinitionError

    if not data_dir:
        return SystemContext(None, "no system definition recorded: dependency analysis left out")
    folder = locate_system_folder(data_dir)
    if not folder.is_dir():
        return SystemContext(
            None, f"system definition {data_dir} not found: dependency analysis left out"
        )
    try:
        system = load_system(folder)
    except DefinitionError as error:
        return SystemContext(
            None, f"system definition {folder} has problems ({error.first}): analysis left out"
        )
    return SystemContext(system, f"from {folder}")


def findings_of(summary: Summary, context: SystemContext) -> Findings:
    """Every finding of an exercise, with the dependency analysis and each recommendation's
    owner taken from its system."""
    dependency, note = context.dependency(summary.service)
    found = find(summary, dependency, note)
    owned = tuple(
        replace(r, owner=context.owner(r.kind, summary.scenario, summary.service))
        for r in found.recommendations
    )
    return replace(found, recommendations=owned)
