"""The dependency graph of a system: criticality, blast radius, effective RTO/RPO, findings.

Nodes are service ids; each ``depends_on`` entry is an edge parent -> child. An edge is
*critical* when the parent cannot work without the child: the parent stops when the child
fails, whatever either one's own criticality to the application (a child declared
``critical: false`` that a parent critically needs still stops that parent). It counts as
critical at a moment when the child is needed then: inside its ``criticality_period``.
Without a moment every window is taken as open: the worst case, which is what the static
analysis and its findings describe.

An objective written ``TODO`` (an incomplete system, :mod:`~bookstore_resil.define.incomplete`)
is None: unknown. It makes every effective objective that depends on it unknown too, and is
a finding; a known objective that already exceeds a parent's is still reported.

Every analysis is one pass over the graph (a traversal or a topological order), never a
search per service, so 10k services analyse in well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import networkx as nx

from bookstore_resil.clock import aware
from bookstore_resil.define.heap import collector_paused
from bookstore_resil.define.model import Service, System
from bookstore_resil.define.units import format_duration
from bookstore_resil.errors import DefinitionError, Problem, UsageError

RTO_UNMET = "rto-unmet-by-dependency"
RPO_UNMET = "rpo-unmet-by-dependency"
SINGLE_POINT_OF_FAILURE = "single-point-of-failure"
ORPHAN = "orphan-service"
CRITICAL_WITHOUT_SCENARIO = "critical-without-scenario"
UNDOCUMENTED_DEGRADATION = "undocumented-degradation"
DECLARED_NON_CRITICAL = "needed-but-declared-non-critical"
OBJECTIVE_UNSET = "objective-unset"
FINDING_KINDS = (
    RTO_UNMET,
    RPO_UNMET,
    SINGLE_POINT_OF_FAILURE,
    ORPHAN,
    CRITICAL_WITHOUT_SCENARIO,
    UNDOCUMENTED_DEGRADATION,
    DECLARED_NON_CRITICAL,
    OBJECTIVE_UNSET,
)

FAILED, DOWN, DEGRADED, UNAFFECTED = "failed", "down", "degraded", "unaffected"


@dataclass(frozen=True)
class BlastRadius:
    """What happens when the ``failed`` services fail together (at ``at``, or always)."""

    failed: tuple[str, ...]
    down: tuple[str, ...]
    degraded: tuple[str, ...]
    at: datetime | None = None

    @cached_property
    def _states(self) -> dict[str, str]:
        pairs = ((FAILED, self.failed), (DOWN, self.down), (DEGRADED, self.degraded))
        return {sid: state for state, members in pairs for sid in members}

    def state(self, service_id: str) -> str:
        """``failed``, ``down``, ``degraded`` or ``unaffected``."""
        return self._states.get(service_id, UNAFFECTED)


@dataclass(frozen=True)
class Finding:
    """Something a team should look at, as a stable ``kind`` and a readable message."""

    service: str
    kind: str
    message: str


@dataclass(frozen=True)
class ServiceAnalysis:
    """One service as seen from the entrypoint; ``*_bound_by`` names whose objective wins
    (or, where the effective objective is None, a service whose objective is unknown)."""

    service: str
    critical: bool
    rto_s: float | None
    rpo_s: float | None
    effective_rto_s: float | None
    effective_rpo_s: float | None
    rto_bound_by: str
    rpo_bound_by: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Analysis:
    """The whole dependency analysis of a system, services in definition order."""

    system: str
    entrypoint: str
    services: tuple[ServiceAnalysis, ...]

    @property
    def findings(self) -> list[Finding]:
        return [finding for service in self.services for finding in service.findings]

    def as_json(self) -> dict:
        """The ``deps --json`` document of docs/contract.md §2."""
        return {
            "services": {
                s.service: {
                    "critical": s.critical,
                    "rto_s": s.rto_s,
                    "rpo_s": s.rpo_s,
                    "effective_rto_s": s.effective_rto_s,
                    "effective_rpo_s": s.effective_rpo_s,
                    "findings": [f.kind for f in s.findings],
                }
                for s in self.services
            },
            "findings": [
                {"service": f.service, "kind": f.kind, "message": f.message} for f in self.findings
            ],
        }


@dataclass(frozen=True)
class _Effective:
    worst: float | None  # the longest known objective, None when none is known
    source: str  # the service it comes from
    unknown: str | None  # a service whose objective is unknown, if any

    @property
    def seconds(self) -> float | None:
        """The effective objective: unknown when any objective along the way is."""
        return None if self.unknown else self.worst

    @property
    def bound_by(self) -> str:
        return self.unknown or self.source


def zones(az: str | None) -> frozenset[str]:
    """The availability zones a service runs in: ``az`` may list several, comma-separated."""
    return frozenset(z.strip() for z in (az or "").split(",") if z.strip() not in ("", "N/A"))


def parse_moment(text: str | None) -> datetime | None:
    """An ISO 8601 time (naive means UTC) -> aware datetime; None stays None (always)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"cannot read {text!r} as an ISO time, e.g. 2024-05-01T02:30-07:00"
        ) from None
    return aware(moment)


def _upstream(graph: nx.DiGraph, sources: Iterable[str]) -> set[str]:
    """Every node that reaches one of ``sources`` (sources excluded): one traversal."""
    sources = set(sources)
    seen, stack = set(sources), list(sources)
    while stack:
        for parent in graph.pred[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen - sources


class DependencyGraph:
    """A system's services and ``depends_on`` edges as a networkx DiGraph."""

    @collector_paused()  # a large graph: see bookstore_resil.define.heap
    def __init__(self, system: System):
        self.system = system
        self.services = {s.id: s for s in system.services}
        self.graph: nx.DiGraph[str] = nx.DiGraph()
        self.graph.add_nodes_from(self.services)
        problems = []
        for service in system.services:
            for edge in service.depends_on:
                if edge.service not in self.services:
                    problems.append(f"{service.id}: unknown dependency {edge.service!r}")
                self.graph.add_edge(
                    service.id, edge.service, critical=edge.critical, degraded=edge.degraded
                )
        if system.entrypoint not in self.services:
            problems.append(f"unknown entrypoint {system.entrypoint!r}")
        if not problems and not nx.is_directed_acyclic_graph(self.graph):
            cycle = [u for u, _ in nx.find_cycle(self.graph)]
            problems.append("dependency cycle: " + " -> ".join([*cycle, cycle[0]]))
        if problems:
            source = system.path or system.system
            raise DefinitionError([Problem(source, 0, "services", p) for p in problems])
        self._static_critical = self._critical_edges(None)

    @property
    def entrypoint(self) -> str:
        return self.system.entrypoint

    def _critical_edges(self, at: datetime | None) -> nx.DiGraph:
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(self.graph)
        services = self.services
        graph.add_edges_from(
            (u, v)
            for u, v, edge in self.graph.edges(data=True)
            if edge["critical"] and (at is None or services[v].criticality_period.contains(at))
        )
        return graph

    def critical_graph(self, at: datetime | None = None) -> nx.DiGraph:
        """Every service, with only the edges that are critical at ``at`` (None: always)."""
        return self._static_critical if at is None else self._critical_edges(at)

    def critical_at(self, at: datetime | None = None) -> frozenset[str]:
        """The services the entrypoint cannot work without at ``at`` (None: every window open).

        The entrypoint itself, and every service it reaches through critical edges.
        """
        graph = self.critical_graph(at)
        return frozenset({self.entrypoint, *nx.descendants(graph, self.entrypoint)})

    def zone_services(self, az: str) -> tuple[str, ...]:
        """The services that fail with availability zone ``az``: those running only there."""
        failed = tuple(sorted(sid for sid, s in self.services.items() if zones(s.az) == {az}))
        if not failed:
            known = sorted(set().union(*(zones(s.az) for s in self.services.values())))
            raise UsageError(
                f"no service runs only in availability zone {az!r} "
                f"(zones: {', '.join(known) or 'none declared'})"
            )
        return failed

    def blast_radius(self, failed: Iterable[str], at: datetime | None = None) -> BlastRadius:
        """Who goes down (reaches a failed service through critical edges only) and who
        degrades (reaches one, but only through some non-critical edge)."""
        failed = set(failed)
        unknown = sorted(failed - self.services.keys())
        if unknown:
            known = (
                f" (known: {', '.join(sorted(self.services))})" if len(self.services) <= 20 else ""
            )
            raise UsageError(f"unknown service {unknown[0]!r}{known}")
        down = _upstream(self.critical_graph(at), failed) - failed
        degraded = _upstream(self.graph, failed) - down - failed
        return BlastRadius(tuple(sorted(failed)), tuple(sorted(down)), tuple(sorted(degraded)), at)

    def layers(self) -> dict[str, int]:
        """Each service's depth: the longest path to it from the entrypoint (or its own root)."""
        depth: dict[str, int] = {}
        for node in nx.topological_sort(self.graph):
            depth[node] = max((depth[p] + 1 for p in self.graph.pred[node]), default=0)
        return depth

    def _effective(self, objective: str, order: list[str]) -> dict[str, _Effective]:
        """Per service: the longest known ``objective`` along its critical dependencies, itself
        included, where it comes from, and a service among them whose objective is unknown.
        One pass over ``order``, children first."""
        best: dict[str, _Effective] = {}
        graph = self._static_critical
        for node in order:
            own = getattr(self.services[node], objective)
            worst, source = (own, node) if own is not None else (None, "")
            unknown = node if own is None else None
            for child in graph.succ[node]:
                known = best[child]
                if known.worst is not None and (worst is None or known.worst > worst):
                    worst, source = known.worst, known.source
                unknown = unknown or known.unknown
            best[node] = _Effective(worst, source, unknown)
        return best

    @collector_paused()
    def analyse(self) -> Analysis:
        """Criticality, effective RTO/RPO and findings of every service (every window open)."""
        critical = self.critical_at()
        children_first = list(reversed(list(nx.topological_sort(self._static_critical))))
        rto = self._effective("rto_s", children_first)
        rpo = self._effective("rpo_s", children_first)
        covered = {scenario.service for scenario in self.system.scenarios}
        return Analysis(
            self.system.system,
            self.entrypoint,
            tuple(
                ServiceAnalysis(
                    service=s.id,
                    critical=s.id in critical,
                    rto_s=s.rto_s,
                    rpo_s=s.rpo_s,
                    effective_rto_s=rto[s.id].seconds,
                    effective_rpo_s=rpo[s.id].seconds,
                    rto_bound_by=rto[s.id].bound_by,
                    rpo_bound_by=rpo[s.id].bound_by,
                    findings=tuple(
                        self._findings(s, critical, s.id in covered, rto[s.id], rpo[s.id])
                    ),
                )
                for s in self.system.services
            ),
        )

    def _findings(
        self,
        service: Service,
        critical_services: frozenset[str],
        covered: bool,
        rto: _Effective,
        rpo: _Effective,
    ) -> Iterator[Finding]:
        sid, entry = service.id, self.entrypoint
        critical = sid in critical_services
        for kind, label, own, effective in (
            (RTO_UNMET, "RTO", service.rto_s, rto),
            (RPO_UNMET, "RPO", service.rpo_s, rpo),
        ):
            if own is not None and effective.worst is not None and effective.worst > own:
                yield Finding(
                    sid,
                    kind,
                    f"{sid}: {label} {format_duration(own)} cannot be met: it critically needs "
                    f"{effective.source}, whose {label} is {format_duration(effective.worst)}",
                )
        unset = [
            label for label, own in (("RTO", service.rto_s), ("RPO", service.rpo_s)) if own is None
        ]
        if unset:
            yield Finding(
                sid,
                OBJECTIVE_UNSET,
                f"{sid}: {' and '.join(unset)} not decided yet (TODO); every effective "
                "objective that depends on it is unknown",
            )
        if critical and len(zones(service.az)) < 2:
            role = "the entrypoint" if sid == entry else f"{entry} cannot work without it and it"
            where = f"only in {service.az}" if service.az else "in no declared zone"
            yield Finding(
                sid, SINGLE_POINT_OF_FAILURE, f"{sid}: {role} runs {where} (no redundancy)"
            )
        if sid != entry and not self.graph.pred[sid]:
            yield Finding(
                sid, ORPHAN, f"{sid}: no service depends on it and it is not the entrypoint"
            )
        if critical and not service.critical and sid != entry:
            parents = sorted(set(self._static_critical.pred[sid]) & critical_services)
            yield Finding(
                sid,
                DECLARED_NON_CRITICAL,
                f"{sid}: declared critical: false, but {entry} cannot work without it "
                f"(critically needed by {', '.join(parents)})",
            )
        if critical and not covered:
            yield Finding(
                sid,
                CRITICAL_WITHOUT_SCENARIO,
                f"{sid}: critical for {entry} but no playbook scenario covers it",
            )
        for child, data in self.graph.succ[sid].items():
            if not data["degraded"] and not self._static_critical.has_edge(sid, child):
                yield Finding(
                    sid,
                    UNDOCUMENTED_DEGRADATION,
                    f"{sid}: non-critical dependency {child} has no documented degraded behaviour",
                )
