"""The seed's tables and the dependency analysis as pandas DataFrames.

The notebooks display them; the CLI prints them with ``to_string``. pandas is imported
inside each builder so that importing this module stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookstore_resil.define.model import System
from bookstore_resil.define.units import format_duration

if TYPE_CHECKING:
    import pandas as pd

    from bookstore_resil.analyse.graph import Analysis, BlastRadius, DependencyGraph

NA = "N/A"


def _frame(rows: list, columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def architecture_table(system: System) -> pd.DataFrame:
    """Prerequisite 0, the architecture table: every column of the seed's."""
    columns = [
        "Service",
        "Purpose",
        "Supports",
        "Platform",
        "Technologies",
        "Identifier",
        "AZ",
        "VPC",
        "Subnet",
        "Endpoint",
    ]
    rows = [
        [
            s.name,
            s.purpose,
            s.supports or NA,
            s.platform,
            ", ".join(s.technologies) or NA,
            s.identifier or NA,
            s.az or NA,
            s.vpc or NA,
            s.subnet or NA,
            s.endpoint or NA,
        ]
        for s in system.services
    ]
    return _frame(rows, columns)


def dependency_table(system: System) -> pd.DataFrame:
    """Prerequisite 1, the dependency table, with the declared criticality added."""
    names = {s.id: s.name for s in system.services}

    def child(edge) -> str:
        return names[edge.service] + ("" if edge.critical else " (non-critical)")

    columns = [
        "Dependency",
        "Critical",
        "Criticality Period",
        "Manual Workaround",
        "RTO",
        "RPO",
        "Child Dependencies",
    ]
    rows = [
        {
            "Dependency": s.name,
            "Critical": s.critical,
            "Criticality Period": "Always"
            if s.criticality_period.always
            else s.criticality_period.text,
            "Manual Workaround": s.manual_workaround or NA,
            "RTO": _objective(s.rto_s),
            "RPO": _objective(s.rpo_s),
            "Child Dependencies": ", ".join(child(e) for e in s.depends_on) or NA,
        }
        for s in system.services
    ]
    return _frame(rows, columns)


def edge_table(graph: DependencyGraph) -> pd.DataFrame:
    """Every dependency edge, whether it is critical (every window open) and what degrades."""
    critical = graph.critical_graph()
    rows = [
        {
            "Service": parent,
            "Depends on": child,
            "Critical": critical.has_edge(parent, child),
            "Degraded behaviour": data["degraded"] or "",
        }
        for parent, child, data in graph.graph.edges(data=True)
    ]
    return _frame(rows, ["Service", "Depends on", "Critical", "Degraded behaviour"])


def analysis_table(analysis: Analysis) -> pd.DataFrame:
    """Criticality from the entrypoint and effective RTO/RPO, one row per service."""
    columns = ["Service", "Critical", "RTO", "Effective RTO", "RPO", "Effective RPO", "Findings"]
    rows = [
        {
            "Service": s.service,
            "Critical": s.critical,
            "RTO": _objective(s.rto_s),
            "Effective RTO": _bound(s.effective_rto_s, s.rto_bound_by, s.service),
            "RPO": _objective(s.rpo_s),
            "Effective RPO": _bound(s.effective_rpo_s, s.rpo_bound_by, s.service),
            "Findings": len(s.findings),
        }
        for s in analysis.services
    ]
    return _frame(rows, columns)


def _objective(seconds: float | None) -> str:
    # None: written TODO in an incomplete system, not decided yet.
    return "TODO" if seconds is None else format_duration(seconds)


def _bound(seconds: float | None, source: str, service: str) -> str:
    if seconds is None:
        return "unknown" if source == service else f"unknown (TODO in {source})"
    text = format_duration(seconds)
    return text if source == service else f"{text} (from {source})"


def findings_table(analysis: Analysis) -> pd.DataFrame:
    rows = [{"Service": f.service, "Kind": f.kind, "Message": f.message} for f in analysis.findings]
    return _frame(rows, ["Service", "Kind", "Message"])


def blast_radius_table(graph: DependencyGraph, blast: BlastRadius) -> pd.DataFrame:
    """The affected services when ``blast.failed`` fail: failed, then down, then degraded."""
    rows = [
        [sid, graph.services[sid].name, state]
        for state, members in (
            ("failed", blast.failed),
            ("down", blast.down),
            ("degraded", blast.degraded),
        )
        for sid in members
    ]
    return _frame(rows, ["Service", "Name", "State"])


def to_text(frame: pd.DataFrame) -> str:
    """A DataFrame as left-aligned plain-text columns, for a terminal."""
    rows = [list(frame.columns), *(list(row) for row in frame.itertuples(index=False))]
    cells = [[str(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(frame.columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
