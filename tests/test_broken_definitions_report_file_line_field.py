"""Every broken system folder under tests/broken/ reports exactly its expected problems.

Each folder is a small, complete system definition named for the mistake it holds (the
``several-*`` folders hold several, to prove every problem is reported at once), with an
``expected.txt``: the problem lines, ``FILE:LINE: field: message``, files relative to the folder.
The loader must raise exactly those problems, and ``bookstore-resil validate`` must print
exactly those lines on stderr (so no traceback), nothing on stdout, and exit 2. The command
runs in this process, through the CLI's own entry point (:func:`bookstore_resil.cli.main`)
with stdout and stderr captured; one folder also runs it as a real process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.define.loader import load_system
from bookstore_resil.errors import DefinitionError, Problem

BROKEN = Path(__file__).parent / "broken"
FOLDERS = sorted(path for path in BROKEN.iterdir() if path.is_dir())


def parse_problem(line: str) -> Problem:
    file, number, rest = line.split(":", 2)
    field, message = rest.removeprefix(" ").split(": ", 1)
    return Problem(file, int(number), field, message)


def assert_reported(folder: Path, expected: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_system(folder)
    # Files are reported as the folder joined with their name; a message may name another
    # file of the folder the same way (a duplicate scenario id).
    prefix = f"{folder}/"
    reported = {
        Problem(
            str(Path(p.file).relative_to(folder)),
            p.line,
            p.field,
            p.message.replace(prefix, ""),
        )
        for p in caught.value.problems
    }
    assert reported == {parse_problem(line) for line in expected}

    # From inside the folder `--data .` names every file exactly as expected.txt does.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        code = main(["validate", "--data", "."])
    out, err = capsys.readouterr()
    assert (code, out, err.splitlines()) == (2, "", expected)


def test_the_corpus_covers_many_mistakes():
    assert len(FOLDERS) >= 25


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda path: path.name)
def test_a_broken_folder_reports_exactly_its_problems(folder: Path, capsys):
    assert_reported(folder, expected_lines(folder), capsys)


def test_an_empty_folder_says_so(tmp_path: Path, capsys):
    # Git cannot hold an empty folder, so this one is made here.
    assert_reported(tmp_path, ["system.yaml:0: (file): folder is empty"], capsys)


def test_the_real_command_prints_the_same_lines_and_no_traceback():
    folder = BROKEN / "several-problems-in-several-files"
    result = subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", "validate", "--data", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (
        2,
        "",
        expected_lines(folder),
    )


def expected_lines(folder: Path) -> list[str]:
    return (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
