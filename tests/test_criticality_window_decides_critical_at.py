"""criticality_period: a nightly backup job is critical 02:00-03:00 only; outside its window
it is a non-critical dependency, so its failure degrades rather than takes things down."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bookstore_resil.analyse.graph import DependencyGraph, parse_moment
from bookstore_resil.errors import UsageError
from tests.dependency_builders import service, system

LA = ZoneInfo("America/Los_Angeles")
NIGHT = datetime(2024, 5, 1, 2, 30, tzinfo=LA)
NOON = datetime(2024, 5, 1, 12, 0, tzinfo=LA)


@pytest.fixture
def graph() -> DependencyGraph:
    return DependencyGraph(
        system(
            service("api", "db"),
            service("db", "backup"),
            service("backup", criticality_period="02:00-03:00 America/Los_Angeles"),
        )
    )


def test_backup_is_critical_inside_its_window(graph):
    assert graph.critical_at(NIGHT) == {"api", "db", "backup"}


def test_backup_is_not_critical_outside_its_window(graph):
    assert graph.critical_at(NOON) == {"api", "db"}


def test_without_a_moment_every_window_is_open(graph):
    assert graph.critical_at() == {"api", "db", "backup"}


def test_backup_failing_at_night_takes_the_chain_down(graph):
    blast = graph.blast_radius(["backup"], NIGHT)
    assert (blast.down, blast.degraded) == (("api", "db"), ())


def test_backup_failing_at_noon_only_degrades(graph):
    blast = graph.blast_radius(["backup"], NOON)
    assert (blast.down, blast.degraded) == ((), ("api", "db"))


def test_window_is_judged_in_its_own_time_zone(graph):
    utc_night_in_la = parse_moment("2024-05-01T09:30:00+00:00")  # 02:30 in Los Angeles (PDT)
    assert "backup" in graph.critical_at(utc_night_in_la)
    assert "backup" not in graph.critical_at(parse_moment("2024-05-01T02:30:00"))  # naive = UTC


def test_unreadable_moment_is_a_usage_error():
    with pytest.raises(UsageError, match="ISO time"):
        parse_moment("tonight")
