"""Every command exits with a code of docs/contract.md §5 and means by it what the table
says: 2 for usage or bad input (one line on stderr, nothing on stdout), 1 for a sound
command whose run did not succeed or an unexpected error, 0 when done.

BAD_INPUT gives every command the parser knows an input it must refuse with 2; a new
command must be added here, or the first test fails. The other codes are held by the
conventions test (0 for each command run there, 1 for an unexpected error) and by the
tests of each command."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from tests.contract import EXIT_CODES
from tests.dependency_builders import BOOKSTORE
from tests.test_cli_conventions_hold_for_every_command import PARSERS, RUN_WITH_JSON

MISSING = "{tmp}/missing"
BAD_INPUT = {
    "init": ["init", "{data}"],  # a folder that is not empty
    "validate": ["validate", "--data", MISSING],
    "import-backstage": ["import-backstage", MISSING, "--out", "{tmp}/imported"],
    "import-chaostoolkit": ["import-chaostoolkit", MISSING, "--data", "{data}"],
    "schema": ["schema", "no-such-kind"],
    "deps": ["deps", "--data", MISSING],
    "blast-radius": ["blast-radius", "no-such-service", "--data", "{data}"],
    "notify": ["notify", "api", "--at", "yesterday", "--data", "{data}"],
    "signoff": ["signoff", "Nobody", "--scenario", "api-failure", "--data", "{data}"],
    "lab up": ["lab", "up", "--state", "{tmp}/lab", "--snapshot-interval", "-1"],
    "lab down": ["lab", "down", "--state", "{tmp}/lab", "--purge", "--no-such-option"],
    "lab status": ["lab", "status", "--state", "{tmp}/lab", "--no-such-option"],
    "lab fault": ["lab", "fault", "no-such-fault", "--state", "{tmp}/lab"],
    "lab action": ["lab", "action", "no-such-action", "--state", "{tmp}/lab"],
    "drill": ["drill", "no-such-scenario", "--data", "{data}", "--out", "{tmp}/reports"],
    "watch": ["watch", MISSING],
    "report": ["report", MISSING],
    "history": ["history", "--out", "s3://"],
    "stage": ["stage", "--data", MISSING],
    "board": ["board", "--systems", MISSING, "--out", "{tmp}/reports"],
}
FILE_LINE = re.compile(r"^\S+:\d+: \S+: .+$")


@pytest.fixture
def fill(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(BOOKSTORE, data)
    return lambda words: [w.format(tmp=tmp_path, data=data) for w in words]


def test_the_table_names_every_command_and_the_contract_every_code():
    assert sorted(BAD_INPUT) == sorted(PARSERS)
    assert EXIT_CODES == {0, 1, 2, 130, 143}
    assert set(RUN_WITH_JSON.values()) <= EXIT_CODES


@pytest.mark.parametrize("command", sorted(BAD_INPUT))
def test_bad_input_exits_2_with_one_line(command, fill, tmp_path, capsys):
    argv = fill([*BAD_INPUT[command], "-q"])
    try:
        code = main(argv)
    except SystemExit as exited:  # the parser's own refusal: its usage, then the error
        code = exited.code
        captured = capsys.readouterr()
        assert re.match(r"bookstore-resil( [a-z -]+)?: error: ", captured.err.splitlines()[-1])
    else:
        captured = capsys.readouterr()
        [line] = captured.err.splitlines()
        assert line.startswith("bookstore-resil: error: ") or FILE_LINE.match(line), line
    assert (code, captured.out) == (2, "")
    assert not (tmp_path / "lab").exists()
    assert not (tmp_path / "reports").exists()
    assert not (tmp_path / "imported").exists()


# Where an optional package bites, the command names the extra and exits 2 like any other
# missing prerequisite (the base install beside a running lab used to call its database
# down; an S3 address without boto3 used its own wording).
EXTRA_BITES = {
    "lab status": (["lab", "status", "--state", "{tmp}/lab"], "psycopg", "lab"),
    "lab fault": (["lab", "fault", "db-crash", "--state", "{tmp}/lab"], "psycopg", "lab"),
    "lab action": (["lab", "action", "db_check", "--state", "{tmp}/lab"], "psycopg", "lab"),
    "history": (["history", "--out", "s3://gameday-archives/x"], "boto3", "aws"),
    "report": (["report", "s3://gameday-archives/x/some-exercise"], "boto3", "aws"),
    "drill": (
        ["drill", "api-failure", "--data", "{data}", "--out", "s3://gameday-archives/x"],
        "boto3",
        "aws",
    ),
}


@pytest.mark.parametrize("command", sorted(EXTRA_BITES))
def test_a_missing_extra_exits_2_naming_it(command, fill, monkeypatch, capsys):
    words, module, extra = EXTRA_BITES[command]
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    assert main(fill([*words, "-q"])) == 2
    captured = capsys.readouterr()
    hint = f"{module} is not installed: pip install 'bookstore-resil[{extra}]'"
    assert captured.err == f"bookstore-resil: error: {hint}\n"
    assert captured.out == ""


def test_a_missing_extra_deep_in_a_targets_driver_exits_2_naming_it(fill, monkeypatch, capsys):
    [data] = fill(["{data}"])
    (Path(data) / "target.yaml").write_text(
        "environment: staging\nprobes:\n  - name: api\n    chaostoolkit:\n"
        "      {type: probe, name: api-up, provider: {type: process, path: 'true'}}\n"
    )
    monkeypatch.setitem(sys.modules, "chaoslib", None)  # as if not installed
    argv = fill(["drill", "api-failure", "--data", "{data}", "--out", "{tmp}/reports", "-q"])
    assert main(argv) == 2
    hint = "chaoslib is not installed: pip install 'bookstore-resil[chaostoolkit]'"
    assert capsys.readouterr().err == f"bookstore-resil: error: {hint}\n"


def test_every_code_the_cli_and_the_errors_can_exit_with_is_in_the_table():
    """Read from the code: each ``return N`` of a command module, each error's
    ``exit_code``; a signal's 128 + N stands for SIGINT's 130 and SIGTERM's 143."""
    import ast

    import bookstore_resil

    package = Path(bookstore_resil.__file__).parent
    codes = set()
    for path in [*sorted((package / "cli").glob("*.py")), package / "errors.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = None
            if isinstance(node, ast.Return):
                value = node.value
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "exit_code" for t in node.targets
            ):
                value = node.value
            branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
            for branch in branches:
                if isinstance(branch, ast.Constant) and type(branch.value) is int:
                    codes.add(branch.value)
                elif isinstance(branch, ast.BinOp) and getattr(branch.left, "value", None) == 128:
                    codes |= {128 + 2, 128 + 15}
    assert codes and codes <= EXIT_CODES, sorted(codes - EXIT_CODES)
