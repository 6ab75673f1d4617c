"""A dependency cycle is refused: by `validate` (with the cycle's line) and by the graph."""

from __future__ import annotations

import pytest

from bookstore_resil.analyse.graph import DependencyGraph
from bookstore_resil.cli import main
from bookstore_resil.errors import DefinitionError
from tests.dependency_builders import service, system

CYCLIC = """\
system: Loop
entrypoint: api
services:
  - id: api
    name: API
    rto: 1h
    rpo: 1h
    critical: false
    depends_on: [db]
  - id: db
    name: Database
    rto: 1h
    rpo: 1h
    critical: false
    depends_on:
      - {service: api, critical: false, degraded: none}
"""


def test_validate_reports_the_cycle_on_its_line(tmp_path, capsys):
    (tmp_path / "system.yaml").write_text(CYCLIC)
    assert main(["validate", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{tmp_path}/system.yaml:9: services[0].depends_on[0]: dependency cycle: api -> db -> api"
    ]


def test_deps_refuses_a_cyclic_folder_too(tmp_path, capsys):
    (tmp_path / "system.yaml").write_text(CYCLIC)
    assert main(["deps", "--data", str(tmp_path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "dependency cycle" in captured.err


def test_graph_refuses_a_cyclic_system_built_in_code():
    cyclic = system(service("a", "b"), service("b", "c"), service("c", "a"))
    with pytest.raises(DefinitionError, match="dependency cycle: a -> b -> c -> a"):
        DependencyGraph(cyclic)


def test_graph_refuses_an_unknown_dependency_built_in_code():
    with pytest.raises(DefinitionError, match="unknown dependency 'ghost'"):
        DependencyGraph(system(service("a", "ghost")))
