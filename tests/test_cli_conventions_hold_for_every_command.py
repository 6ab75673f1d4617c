"""Every command follows the same conventions (docs/contract.md §2): ``--help``; ``--json``
where it reports, one JSON document on stdout and nothing else there; ``-v``/``-q`` before or
after the command name; ``--version``; and an unexpected error is one line, never a traceback.

COMMANDS is the table: each command (as the parser knows it) with the fewest arguments it
takes. A new command must be added here, or the first test fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from bookstore_resil import __version__
from bookstore_resil.cli import build_parser, main
from tests.dependency_builders import BOOKSTORE

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOG = FIXTURES / "backstage" / "examples" / "components" / "wayback-search-component.yaml"
EXPERIMENT = FIXTURES / "chaostoolkit" / "getting-started-experiment.json"
COMMANDS = {
    "init": ["{tmp}/workbook"],
    "validate": ["--data", "{data}"],
    "import-backstage": [str(CATALOG), "--out", "{tmp}/imported"],
    "import-chaostoolkit": [str(EXPERIMENT), "--data", "{data}"],
    "schema": ["playbook"],
    "deps": ["--data", "{data}"],
    "blast-radius": ["database", "--data", "{data}"],
    "notify": ["api", "--at", "2026-11-28T22:00-08:00", "--data", "{data}"],
    "signoff": ["Alice", "--scenario", "api-failure", "--data", "{data}"],
    "lab up": ["--state", "{tmp}/lab"],
    "lab down": ["--state", "{tmp}/lab"],
    "lab status": ["--state", "{tmp}/lab"],
    "lab fault": ["api-crash", "--state", "{tmp}/lab"],
    "lab action": ["http_check", "--state", "{tmp}/lab"],
    "drill": ["api-failure", "--data", "{data}", "--out", "{tmp}/reports"],
    "watch": ["{reports}/api-passed"],
    "report": ["{reports}/api-passed"],
    "history": ["--out", "{reports}"],
    "stage": ["--data", "{data}", "--reports", "{reports}"],
    "board": ["--systems", "{data}", "--out", "{reports}"],
}
# Run for real here; the others need a lab or a kernel (drill and report --json are run
# in test_archives_kept_in_s3, lab fault and action --json in test_lab_cli_...).
RUN_WITH_JSON = {
    "init": 0,
    "validate": 0,
    "import-backstage": 0,
    "import-chaostoolkit": 0,
    "deps": 0,
    "blast-radius": 0,
    "notify": 0,
    "signoff": 0,
    "lab status": 1,  # no lab there, said in JSON, and not healthy
    "history": 0,
    "stage": 0,
    "board": 0,
}
PRINTS_JSON_ANYWAY = {"schema"}


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every command the parser knows, as (words, its parser)."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield " ".join(path), parser
    for action in subparsers:
        for name, child in action.choices.items():
            yield from leaves(child, (*path, name))


PARSERS = dict(leaves(build_parser()))


@pytest.fixture
def argv(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(BOOKSTORE, data)
    reports = tmp_path / "archives"
    shutil.copytree(FIXTURES / "archives", reports)

    def fill(command: str) -> list[str]:
        words = [w.format(tmp=tmp_path, data=data, reports=reports) for w in COMMANDS[command]]
        return [*command.split(), *words]

    return fill


def test_the_table_names_every_command():
    assert sorted(PARSERS) == sorted(COMMANDS)
    assert set(RUN_WITH_JSON) <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command.split(), "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: bookstore-resil {command}")


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"bookstore-resil {__version__}\n"


def test_json_on_every_command_that_reports():
    without = {c for c, p in PARSERS.items() if "--json" not in p._option_string_actions}
    assert without == PRINTS_JSON_ANYWAY


@pytest.mark.parametrize("command", sorted(RUN_WITH_JSON))
def test_json_is_one_document_on_stdout(command, argv, capsys):
    assert main([*argv(command), "--json"]) == RUN_WITH_JSON[command]
    document = json.loads(capsys.readouterr().out)
    assert isinstance(document, dict)


def test_validate_json_lists_problems_as_objects(tmp_path, capsys):
    (tmp_path / "system.yaml").write_text("system: X\nentrypoint: a\nservices: []\n")
    assert main(["validate", "--data", str(tmp_path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.err == ""
    assert json.loads(captured.out) == {
        "data": str(tmp_path),
        "valid": False,
        "problems": [
            {
                "file": str(tmp_path / "system.yaml"),
                "line": 2,
                "field": "entrypoint",
                "message": "unknown service 'a'",
            }
        ],
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_loudness_before_or_after_the_command_name(command, argv):
    parser = build_parser()
    words = argv(command)
    at = len(command.split())
    after = parser.parse_args([*words[:at], "-v", *words[at:], "-q"])
    before = parser.parse_args(
        ["-q", *words, "-v"] if at == 1 else ["-q", *words[:1], "-v", *words[1:]]
    )
    plain = parser.parse_args(words)
    assert (after.verbose, after.quiet) == (True, True)
    assert (before.verbose, before.quiet) == (True, True)
    assert (plain.verbose, plain.quiet) == (False, False)


def test_verbose_logs_on_stderr_and_keeps_stdout_json(argv, capsys):
    assert main([*argv("deps"), "-v", "--json"]) == 0
    json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unexpected_error_is_one_line(command, argv, monkeypatch, capsys):
    func = build_parser().parse_args(argv(command)).func
    module = __import__(func.__module__, fromlist=[func.__name__])

    def broken(args):
        raise KeyError("no such thing\nin two lines")

    monkeypatch.setattr(module, func.__name__, broken)
    assert main(argv(command)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "bookstore-resil: error: unexpected KeyError: 'no such thing\\nin two lines' "
        "(rerun with -v for the traceback)\n"
    )
    with pytest.raises(KeyError):
        main([*argv(command), "-v"])


def test_a_missing_extra_names_what_to_install(argv, monkeypatch, capsys):
    def needs_boto3(args):
        raise ModuleNotFoundError("No module named 'boto3'", name="boto3")

    monkeypatch.setattr("bookstore_resil.cli.analyse.cmd_deps", needs_boto3)
    assert main(argv("deps")) == 2
    hint = "boto3 is not installed: pip install 'bookstore-resil[aws]'"
    assert capsys.readouterr().err == f"bookstore-resil: error: {hint}\n"

    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "django" else find_spec(name)
    )
    assert main(argv("lab up")) == 2
    hint = "django is not installed: pip install 'bookstore-resil[lab]'"
    assert capsys.readouterr().err == f"bookstore-resil: error: {hint}\n"
