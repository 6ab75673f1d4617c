"""Every finding kind, on the Bookstore and on synthetic systems built to show one each."""

from __future__ import annotations

from bookstore_resil.analyse.graph import FINDING_KINDS, DependencyGraph, Finding
from bookstore_resil.define.loader import load_system
from tests.dependency_builders import BOOKSTORE, HOUR, service, soft, system


def findings(graph: DependencyGraph) -> set[tuple[str, str]]:
    return {(f.service, f.kind) for f in graph.analyse().findings}


def test_bookstore_api_cannot_meet_its_rto_because_of_the_cdn():
    analysis = DependencyGraph(load_system(BOOKSTORE)).analyse()
    unmet = [f for f in analysis.findings if f.kind == "rto-unmet-by-dependency"]
    assert unmet == [
        Finding(
            "api",
            "rto-unmet-by-dependency",
            "api: RTO 12h cannot be met: it critically needs cdn, whose RTO is 1d",
        )
    ]


def test_bookstore_findings_are_exactly_these():
    assert findings(DependencyGraph(load_system(BOOKSTORE))) == {
        ("api", "rto-unmet-by-dependency"),
        ("api", "single-point-of-failure"),
        ("database", "single-point-of-failure"),
        ("cdn", "single-point-of-failure"),
    }


def test_rpo_unmet_by_a_transitive_critical_dependency():
    graph = DependencyGraph(
        system(
            service("web", "db", rpo=HOUR, az="a,b"),
            service("db", "wal", rpo=HOUR, az="a,b"),
            service("wal", rpo=6 * HOUR, az="a,b"),
        )
    )
    assert findings(graph) == {
        ("web", "rpo-unmet-by-dependency"),
        ("db", "rpo-unmet-by-dependency"),
    }


def test_single_point_of_failure_is_a_critical_service_in_one_zone_or_none():
    graph = DependencyGraph(
        system(
            service("web", "db", soft("search"), az="a, b"),
            service("db", az="a"),
            service("search", az="a"),
            service("queue", az="a"),
        )
    )
    spof = {s for s, kind in findings(graph) if kind == "single-point-of-failure"}
    # web and db are multi-zone / single-zone critical; search is non-critical; queue is an orphan
    assert spof == {"db"}


def test_orphan_service_is_one_nobody_depends_on_except_the_entrypoint():
    graph = DependencyGraph(system(service("web", az="a,b"), service("cron", "web", az="a,b")))
    assert findings(graph) == {("cron", "orphan-service")}


def test_critical_without_scenario_counts_criticality_from_the_entrypoint():
    graph = DependencyGraph(
        system(
            service("web", "db", soft("search"), az="a,b"),
            service("db", az="a,b"),
            service("search", az="a,b"),
            covered=False,
        )
    )
    assert findings(graph) == {
        ("web", "critical-without-scenario"),
        ("db", "critical-without-scenario"),
    }


def test_undocumented_degradation_is_a_non_critical_edge_without_degraded():
    graph = DependencyGraph(
        system(
            service("web", soft("search", degraded=None), soft("ads"), az="a,b"),
            service("search", az="a,b"),
            service("ads", az="a,b"),
        )
    )
    assert findings(graph) == {("web", "undocumented-degradation")}
    assert "search" in graph.analyse().findings[0].message


def test_a_service_declared_non_critical_that_the_entrypoint_needs_is_a_finding():
    graph = DependencyGraph(
        system(
            service("web", "api", az="a,b"),
            service("api", "reports", az="a,b"),
            service("reports", critical=False, az="a,b"),
        )
    )
    assert findings(graph) == {("reports", "needed-but-declared-non-critical")}
    assert graph.analyse().findings[0].message == (
        "reports: declared critical: false, but web cannot work without it "
        "(critically needed by api)"
    )


def test_a_service_declared_non_critical_behind_a_soft_edge_is_no_finding():
    graph = DependencyGraph(
        system(
            service("web", soft("search"), az="a,b"),
            service("search", "index", az="a,b"),
            service("index", critical=False, az="a,b"),
        )
    )
    assert findings(graph) == set()


def test_an_objective_not_decided_yet_is_a_finding():
    graph = DependencyGraph(
        system(service("web", "db", az="a,b"), service("db", rto="TODO", rpo="TODO", az="a,b"))
    )
    assert findings(graph) == {("db", "objective-unset")}
    assert graph.analyse().findings[0].message.startswith("db: RTO and RPO not decided yet")


def test_finding_kinds_are_the_eight_documented_ones():
    assert set(FINDING_KINDS) == {
        "rto-unmet-by-dependency",
        "rpo-unmet-by-dependency",
        "single-point-of-failure",
        "orphan-service",
        "critical-without-scenario",
        "undocumented-degradation",
        "needed-but-declared-non-critical",
        "objective-unset",
    }


def test_findings_are_listed_per_service_by_kind():
    analysis = DependencyGraph(load_system(BOOKSTORE)).analyse()
    per_service = {s.service: [f.kind for f in s.findings] for s in analysis.services}
    assert per_service["api"] == ["rto-unmet-by-dependency", "single-point-of-failure"]
