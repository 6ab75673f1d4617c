"""A ``{name}`` is filled shell-quoted, which keeps its argument one word only where the
shell reads a bare word. Inside quotes (``"{msg}"``, ``'{msg}'``, ``$'{msg}'``), backticks,
a here-document, ``sh -c '...'``, an expansion, a comment or after a backslash, the quoting
becomes text and ``msg: "$(touch PWN)"`` runs ``touch``: there ``validate`` refuses the
placeholder on its line and the command is never filled. Bare, every argument stays one word."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bookstore_resil.errors import TargetError
from bookstore_resil.targets.commands import fill, run_command

GUESTBOOK = Path(__file__).parents[1] / "data" / "guestbook"
HOSTILE = "$(touch PWN)"

QUOTED = {
    "double quotes": 'echo "{msg}"',
    "single quotes": "echo '{msg}'",
    "$'...' quotes": "echo $'{msg}'",
    "backticks": "echo `echo {msg}`",
    "double-quoted backticks": 'echo "`echo {msg}`"',
    "a here-document": "cat <<EOF\n{msg}\nEOF",
    "a tab-stripped here-document": "cat <<-END\n\t{msg}\n\tEND",
    "sh -c with single quotes": "sh -c 'echo {msg}'",
    "sh -c with double quotes": 'sh -c "echo {msg}"',
    "a default value": "echo ${UNSET:-{msg}}",
    "double quotes in a command substitution": 'echo "$(echo "{msg}")"',
    "a backslash": "echo \\{msg} '",
    "a comment": "true # {msg}\necho 'x'",
    "arithmetic": "echo $(( {msg} ))",
}
WHERE = {
    "double quotes": "double quotes",
    "single quotes": "single quotes",
    "$'...' quotes": "$'...' quotes",
    "backticks": "backticks",
    "double-quoted backticks": "backticks",
    "a here-document": "a here-document",
    "a tab-stripped here-document": "a here-document",
    "sh -c with single quotes": "single quotes",
    "sh -c with double quotes": "double quotes",
    "a default value": "a ${...} expansion",
    "double quotes in a command substitution": "double quotes",
    "a backslash": "a backslash escape",
    "a comment": "a comment",
    "arithmetic": "an arithmetic expansion",
}

BARE = {
    "a word": ("printf '%s|' {msg}", "{}|"),
    "part of a word": ("printf '%s|' pre-{msg}-post", "pre-{}-post|"),
    "a command substitution": ("printf '%s|' \"$(printf '%s' {msg})\"", "{}|"),
    "a subshell": ("(printf '%s|' {msg})", "{}|"),
    "after a here-document": ("cat <<EOF\nit's\nEOF\nprintf '%s|' {msg}", "it's\n{}|"),
}
ARGUMENTS = [HOSTILE, "'; touch PWN; '", '"; touch PWN; "', "`touch PWN`", "a\ntouch PWN", "\\"]


@pytest.mark.parametrize("command", QUOTED.values(), ids=list(QUOTED))
def test_a_quoted_placeholder_is_never_filled_so_its_argument_never_runs(
    tmp_path: Path, command: str
):
    with pytest.raises(TargetError, match=r"\{msg\} is inside .*: write it bare"):
        run_command(fill(command, {"msg": HOSTILE}), 5, cwd=tmp_path)
    assert not (tmp_path / "PWN").exists()


@pytest.mark.parametrize(("command", "output"), BARE.values(), ids=list(BARE))
@pytest.mark.parametrize("argument", ARGUMENTS)
def test_a_bare_placeholder_keeps_any_argument_one_word(
    tmp_path: Path, command: str, output: str, argument: str
):
    result = run_command(fill(command, {"msg": argument}), 5, cwd=tmp_path)
    assert (result.ok, result.output) == (True, output.format(argument))
    assert not (tmp_path / "PWN").exists()


def test_validate_refuses_a_quoted_placeholder_on_its_line(tmp_path: Path):
    folder = tmp_path / "guestbook"
    shutil.copytree(GUESTBOOK, folder, ignore=shutil.ignore_patterns("run"))
    target = yaml.safe_load((folder / "target.yaml").read_text(encoding="utf-8"))
    names = [f"say-{index}" for index in range(len(QUOTED))]
    target["actions"].update(zip(names, QUOTED.values(), strict=True))
    target["canary"]["write"] = "curl -X POST --data 'canary-{run}-{seq}' http://127.0.0.1:1/"
    (folder / "target.yaml").write_text(yaml.safe_dump(target), encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", "validate", "--data", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    problems = [line.split(": ", 2) for line in result.stderr.splitlines()]
    lines = (folder / "target.yaml").read_text(encoding="utf-8").splitlines()
    expected = [
        [f"target.yaml:{_line_of(lines, f'  {name}:')}", f"actions.{name}", message]
        for name, case in zip(names, QUOTED, strict=True)
        for message in [
            f"{{msg}} is inside {WHERE[case]}: write it bare (it is filled shell-quoted, one word)"
        ]
    ]
    expected.append(
        [
            f"target.yaml:{_line_of(lines, '  write:')}",
            "canary.write",
            "{run} is inside single quotes: write it bare (it is filled shell-quoted, one word)",
        ]
    )
    expected.append([*expected[-1][:2], expected[-1][2].replace("{run}", "{seq}")])
    assert sorted(problems) == sorted(expected)
    assert not (folder / "PWN").exists()


def _line_of(lines: list[str], start: str) -> int:
    return next(number for number, line in enumerate(lines, 1) if line.startswith(start))
