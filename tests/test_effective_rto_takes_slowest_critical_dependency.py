"""Effective RTO/RPO: the longest along a service's critical dependencies, itself included."""

from __future__ import annotations

from bookstore_resil.analyse.graph import DependencyGraph
from bookstore_resil.define.loader import load_system
from tests.dependency_builders import BOOKSTORE, HOUR, service, soft, system


def effective(graph: DependencyGraph) -> dict[str, tuple[float, float, str]]:
    return {
        s.service: (s.effective_rto_s, s.effective_rpo_s, s.rto_bound_by)
        for s in graph.analyse().services
    }


def test_bookstore_api_is_bound_by_the_cdn():
    api = effective(DependencyGraph(load_system(BOOKSTORE)))["api"]
    assert api == (24 * HOUR, 24 * HOUR, "cdn")


def test_slowest_transitive_critical_dependency_wins():
    graph = DependencyGraph(
        system(
            service("web", "api", rto=1 * HOUR, rpo=1 * HOUR),
            service("api", "db", "cache", rto=2 * HOUR, rpo=1 * HOUR),
            service("cache", rto=3 * HOUR, rpo=1 * HOUR),
            service("db", "backup", rto=1 * HOUR, rpo=1 * HOUR),
            service("backup", rto=5 * HOUR, rpo=6 * HOUR),
        )
    )
    result = effective(graph)
    assert result["web"] == (5 * HOUR, 6 * HOUR, "backup")
    assert result["api"] == (5 * HOUR, 6 * HOUR, "backup")
    assert result["cache"] == (3 * HOUR, 1 * HOUR, "cache")


def test_own_objective_counts_when_it_is_the_longest():
    graph = DependencyGraph(system(service("web", "db", rto=9 * HOUR), service("db", rto=HOUR)))
    assert effective(graph)["web"] == (9 * HOUR, HOUR, "web")


def test_non_critical_dependencies_do_not_bind():
    graph = DependencyGraph(
        system(service("web", soft("search"), rto=HOUR), service("search", rto=48 * HOUR))
    )
    assert effective(graph)["web"] == (HOUR, HOUR, "web")


def test_a_critical_edge_binds_even_a_child_declared_non_critical():
    # The parent stops when the child fails, whatever the child's criticality to the
    # application: it cannot come back before the child does.
    graph = DependencyGraph(
        system(
            service("web", soft("search"), rto=HOUR),
            service("search", "index", rto=HOUR),
            service("index", rto=48 * HOUR, critical=False),
        )
    )
    result = effective(graph)
    assert result["search"][::2] == (48 * HOUR, "index")
    assert result["web"][0] == HOUR


def test_an_unknown_objective_makes_the_effective_one_unknown():
    graph = DependencyGraph(
        system(
            service("web", "db", rto=HOUR),
            service("db", "disk", rto="TODO"),
            service("disk", rto=9 * HOUR),
            service("cdn", rto=HOUR),
        )
    )
    result = effective(graph)
    assert result["db"][::2] == (None, "db")
    assert result["web"][::2] == (None, "db")
    assert result["disk"][::2] == (9 * HOUR, "disk")
    # what is known already exceeds web's RTO: still reported
    kinds = {(f.service, f.kind) for f in graph.analyse().findings}
    assert ("web", "rto-unmet-by-dependency") in kinds


def test_diamond_is_counted_once_and_right():
    graph = DependencyGraph(
        system(
            service("web", "left", "right"),
            service("left", "base", rto=2 * HOUR),
            service("right", "base", rto=3 * HOUR),
            service("base", rto=HOUR, rpo=4 * HOUR),
        )
    )
    result = effective(graph)
    assert result["web"][:2] == (3 * HOUR, 4 * HOUR)
