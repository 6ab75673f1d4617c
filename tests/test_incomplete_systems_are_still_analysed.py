"""An incomplete system (TODO objectives, a critical service without a playbook, an unknown or
ambiguous entrypoint) is analysed by deps, blast-radius and notify, each gap a warning on
stderr; validate stays strict. Anything else broken is refused by the analyses too.

The corpus is tests/broken/: the folders named in INCOMPLETE hold only gaps an analysis
tolerates, and their expected.txt is what validate refuses them for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.define.incomplete import load_incomplete
from bookstore_resil.errors import DefinitionError

BROKEN = Path(__file__).parent / "broken"
INCOMPLETE = (
    "ambiguous-entrypoint",
    "critical-service-without-playbook",
    "todo-durations",
    "unknown-entrypoint",
)
REFUSED = sorted(p.name for p in BROKEN.iterdir() if p.is_dir() and p.name not in INCOMPLETE)


def expected(name: str) -> list[str]:
    return (BROKEN / name / "expected.txt").read_text(encoding="utf-8").splitlines()


def relative(name: str, warning) -> str:
    return str(warning).removeprefix(f"{BROKEN / name}/")


@pytest.mark.parametrize("name", INCOMPLETE)
def test_each_gap_validate_refuses_is_a_warning_saying_what_was_assumed(name):
    warnings = [relative(name, w) for w in load_incomplete(BROKEN / name).warnings]
    assert [w.split("; ", 1)[0] for w in warnings] == expected(name)


@pytest.mark.parametrize("name", INCOMPLETE)
@pytest.mark.parametrize(
    "command", [["deps"], ["deps", "--json"], ["blast-radius", "database"], ["notify", "api"]]
)
def test_the_analyses_exit_0_with_the_warnings_on_stderr(name, command, capsys, monkeypatch):
    monkeypatch.chdir(BROKEN / name)
    assert main([*command, "--data", "."]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == len(expected(name))
    assert all(line.startswith("bookstore-resil: warning: ") for line in lines)
    if "--json" in command:
        json.loads(captured.out)


def test_todo_objectives_are_null_and_findings_in_deps_json(capsys):
    assert main(["deps", "--json", "--data", str(BROKEN / "todo-durations")]) == 0
    document = json.loads(capsys.readouterr().out)
    api, database = document["services"]["api"], document["services"]["database"]
    assert (api["rto_s"], api["rpo_s"], api["effective_rto_s"]) == (43200, None, None)
    assert (database["rto_s"], database["effective_rpo_s"]) == (None, None)
    assert "objective-unset" in database["findings"]


def test_an_unknown_entrypoint_becomes_the_one_service_nothing_depends_on():
    loaded = load_incomplete(BROKEN / "unknown-entrypoint")
    assert loaded.system.entrypoint == "api"
    assert loaded.warnings[-1].message == (
        "unknown service 'web'; analysing from 'api', the only service nothing depends on"
    )


def test_an_ambiguous_entrypoint_is_the_first_listed_and_says_so():
    loaded = load_incomplete(BROKEN / "ambiguous-entrypoint")
    assert loaded.system.entrypoint == "api"
    assert "ambiguous: nothing depends on 'api', 'reports'" in loaded.warnings[0].message


def test_validate_stays_strict_on_an_incomplete_system(capsys):
    assert main(["validate", "--data", str(BROKEN / "todo-durations")]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 4


@pytest.mark.parametrize("name", REFUSED)
def test_anything_else_broken_is_still_refused(name):
    with pytest.raises(DefinitionError):
        load_incomplete(BROKEN / name)
