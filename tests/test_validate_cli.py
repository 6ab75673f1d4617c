"""`bookstore-resil validate`, run as the installed command: help, success, errors, data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PROGRAM = str(Path(sys.executable).parent / "bookstore-resil")
VALID = "data/bookstore: valid: Bookstore, 3 services, 3 contacts, 3 scenarios, 31 steps\n"


def run(*args: str, data_env: str | None = None) -> subprocess.CompletedProcess[str]:
    """The command from the repository root; a wide terminal keeps argparse from wrapping."""
    env = {k: v for k, v in os.environ.items() if k != "BOOKSTORE_RESIL_DATA"}
    env["COLUMNS"] = "1000"
    if data_env is not None:
        env["BOOKSTORE_RESIL_DATA"] = data_env
    return subprocess.run(
        [PROGRAM, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_program_help_lists_validate():
    result = run("--help")
    assert (result.returncode, result.stderr) == (0, "")
    assert "usage: bookstore-resil" in result.stdout
    assert "validate" in result.stdout
    assert "load and cross-check a system definition" in result.stdout


def test_validate_help_explains_its_output_exit_codes_and_data_folder():
    result = run("validate", "--help")
    assert (result.returncode, result.stderr) == (0, "")
    for phrase in (
        "FILE:LINE: field: message",
        "Exit 0 when valid, 2 when not",
        "--data DIR",
        "$BOOKSTORE_RESIL_DATA",
        "data/bookstore",
    ):
        assert phrase in result.stdout, phrase


def test_validate_accepts_the_default_bookstore_in_one_line():
    result = run("validate")
    # Which system a command reads without --data is said on stderr (-q silences it).
    said = f"system folder: {ROOT / 'data' / 'bookstore'}\n"
    assert (result.returncode, result.stdout, result.stderr) == (0, VALID, said)
    quiet = run("validate", "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, VALID, "")


def test_a_missing_data_folder_is_one_line_and_exit_2():
    result = run("validate", "--data", "no/such/folder")
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        "no/such/folder:0: (folder): not a folder\n",
    )


@pytest.mark.parametrize(
    ("args", "data_env", "exit_code", "stdout", "stderr"),
    [
        pytest.param(
            (),
            "tests/broken/unknown-entrypoint",
            2,
            "",
            "tests/broken/unknown-entrypoint/system.yaml:3: entrypoint: unknown service 'web'\n",
            id="the variable names the folder",
        ),
        pytest.param(
            ("--data", "data/bookstore"),
            "tests/broken/unknown-entrypoint",
            0,
            VALID,
            "",
            id="--data wins over the variable",
        ),
    ],
)
def test_the_data_folder_comes_from_bookstore_resil_data(
    args: tuple[str, ...], data_env: str, exit_code: int, stdout: str, stderr: str
):
    result = run("validate", *args, data_env=data_env)
    assert (result.returncode, result.stdout, result.stderr) == (exit_code, stdout, stderr)


def test_validate_checks_the_aws_yaml_beside_the_definition(tmp_path):
    import shutil

    data = tmp_path / "bookstore"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "bookstore", data)
    aws = data / "aws.yaml"
    aws.write_text(aws.read_text().replace("  database:\n", "  databse:\n"))
    result = run("validate", "--data", str(data))
    assert result.returncode == 2
    line = next(n for n, text in enumerate(aws.read_text().splitlines(), 1) if "databse" in text)
    assert result.stderr.startswith(f"{aws}:{line}: databases.databse: unknown service 'databse'")
    assert result.stdout == "" and "Traceback" not in result.stderr
