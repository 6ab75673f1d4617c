"""`deps --json` and `blast-radius --json` print exactly the shapes of docs/contract.md §2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bookstore_resil.cli import main
from tests.dependency_builders import BOOKSTORE

SERVICE_KEYS = {"critical", "rto_s", "rpo_s", "effective_rto_s", "effective_rpo_s", "findings"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--data", str(BOOKSTORE)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_deps_json_has_the_contract_shape_and_the_bookstore_numbers(capsys):
    code, out, err = run(capsys, "deps", "--json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert set(document) == {"services", "findings"}
    assert list(document["services"]) == ["api", "database", "cdn"]
    for entry in document["services"].values():
        assert set(entry) == SERVICE_KEYS
        assert isinstance(entry["critical"], bool)
        assert all(isinstance(kind, str) for kind in entry["findings"])
    assert document["services"]["api"] == {
        "critical": True,
        "rto_s": 43200,
        "rpo_s": 86400,
        "effective_rto_s": 86400,
        "effective_rpo_s": 86400,
        "findings": ["rto-unmet-by-dependency", "single-point-of-failure"],
    }
    for finding in document["findings"]:
        assert set(finding) == {"service", "kind", "message"}
    assert {"service": "api", "kind": "rto-unmet-by-dependency"}.items() <= document["findings"][
        0
    ].items()


def test_blast_radius_json_is_service_down_degraded(capsys):
    code, out, err = run(capsys, "blast-radius", "database", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"service": "database", "down": ["api"], "degraded": []}


def test_blast_radius_of_a_zone_lists_what_failed(capsys):
    code, out, _ = run(capsys, "blast-radius", "--az", "us-west-2a", "--json")
    assert code == 0
    assert json.loads(out) == {
        "az": "us-west-2a",
        "failed": ["api", "database"],
        "down": [],
        "degraded": [],
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["blast-radius", "nope"],
            "bookstore-resil: error: unknown service 'nope' (known: api, cdn, database)",
        ),
        (
            ["blast-radius", "cdn", "--json", "--at", "soon"],
            "bookstore-resil: error: cannot read 'soon'",
        ),
        (["blast-radius"], "bookstore-resil: error: blast-radius needs a SERVICE or --az ZONE"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(message)


def test_human_output_is_aligned_tables(capsys):
    code, out, _ = run(capsys, "deps")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Bookstore: entrypoint api, 3 services, 3 critical"
    header = next(line for line in lines if line.startswith("Service "))
    api = next(line for line in lines if line.startswith("api "))
    assert api.index("12h") == header.index("RTO")
    code, out, _ = run(capsys, "blast-radius", "cdn")
    assert out.splitlines()[0] == "When cdn fails: 1 down, 0 degraded"


def test_the_command_prints_json_alone_on_stdout():
    result = subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", "deps", "--json", "--data", str(BOOKSTORE)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout)["services"]["cdn"]["effective_rto_s"] == 86400
    assert result.stderr == ""
