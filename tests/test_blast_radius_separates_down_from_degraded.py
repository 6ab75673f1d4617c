"""Blast radius: who reaches the failure through critical edges only goes down; who reaches
it only through some non-critical edge degrades. Also for a whole availability zone."""

from __future__ import annotations

import pytest

from bookstore_resil.analyse.graph import BlastRadius, DependencyGraph
from bookstore_resil.define.loader import load_system
from bookstore_resil.errors import UsageError
from tests.dependency_builders import BOOKSTORE, service, soft, system


@pytest.fixture(scope="module")
def bookstore() -> DependencyGraph:
    return DependencyGraph(load_system(BOOKSTORE))


def shop() -> DependencyGraph:
    #  web --> api --> db
    #   :       :
    #   :..> search --> index        (dotted: non-critical)
    #           api ..> mailer --> smtp
    return DependencyGraph(
        system(
            service("web", "api", soft("search")),
            service("api", "db", soft("mailer")),
            service("search", "index"),
            service("index"),
            service("db", az="zone-a"),
            service("mailer", "smtp", az="zone-a"),
            service("smtp", az="zone-a, zone-b"),
        )
    )


def test_bookstore_database_takes_the_api_down(bookstore):
    assert bookstore.blast_radius(["database"]) == BlastRadius(("database",), ("api",), ())


def test_bookstore_api_failing_hits_nobody_else(bookstore):
    assert bookstore.blast_radius(["api"]) == BlastRadius(("api",), (), ())


def test_critical_chain_goes_down_to_the_entrypoint():
    blast = shop().blast_radius(["db"])
    assert blast.down == ("api", "web")
    assert blast.degraded == ()


def test_a_non_critical_edge_on_the_way_only_degrades():
    blast = shop().blast_radius(["index"])
    assert blast.down == ("search",)
    assert blast.degraded == ("web",)


def test_a_critical_edge_above_a_degraded_service_degrades_too():
    blast = shop().blast_radius(["smtp"])
    assert blast.down == ("mailer",)
    assert blast.degraded == ("api", "web")


def test_down_wins_over_degraded_when_both_paths_exist():
    graph = DependencyGraph(
        system(service("web", "db", soft("cache")), service("cache", "db"), service("db"))
    )
    blast = graph.blast_radius(["db"])
    assert blast.down == ("cache", "web")
    assert blast.degraded == ()


def test_a_critical_edge_stops_its_parent_even_when_the_child_is_declared_non_critical():
    # index is not needed by the application (web reaches search softly), but search is
    # nothing without it: search stops, web degrades.
    graph = DependencyGraph(
        system(
            service("web", soft("search")),
            service("search", "index", critical=False),
            service("index", critical=False),
        )
    )
    blast = graph.blast_radius(["index"])
    assert (blast.down, blast.degraded) == (("search",), ("web",))


def test_states_name_every_service():
    blast = shop().blast_radius(["index"])
    assert [blast.state(s) for s in ("index", "search", "web", "db")] == [
        "failed",
        "down",
        "degraded",
        "unaffected",
    ]


def test_availability_zone_fails_the_services_running_only_there():
    graph = shop()
    assert graph.zone_services("zone-a") == ("db", "mailer")
    blast = graph.blast_radius(graph.zone_services("zone-a"))
    assert blast.failed == ("db", "mailer")
    assert blast.down == ("api", "web")
    assert "smtp" not in blast.down + blast.degraded + blast.failed


def test_bookstore_zone_us_west_2a_takes_api_and_database(bookstore):
    blast = bookstore.blast_radius(bookstore.zone_services("us-west-2a"))
    assert blast == BlastRadius(("api", "database"), (), ())


def test_unknown_service_and_zone_are_usage_errors(bookstore):
    with pytest.raises(UsageError, match="unknown service 'nope'"):
        bookstore.blast_radius(["nope"])
    with pytest.raises(UsageError, match="us-east-1a"):
        bookstore.zone_services("us-east-1a")
