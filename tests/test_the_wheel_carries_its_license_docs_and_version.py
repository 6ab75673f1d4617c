"""The built wheel says what a package index shows (license, classifiers, the README as its
long description), ships its license and every docs/ page its help names, and carries the
one version the source writes, which ``--version`` shows and CHANGELOG.md heads."""

from __future__ import annotations

import email.parser
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bookstore_resil import __version__
from tests.test_cli_conventions_hold_for_every_command import PARSERS

ROOT = Path(__file__).parents[1]
DOCS = "bookstore_resil/workbook/docs/"
pytestmark = [pytest.mark.slow, pytest.mark.long]


@pytest.fixture(scope="module")
def wheel(built_wheel: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(built_wheel)


def metadata(wheel: zipfile.ZipFile) -> email.message.Message:
    [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.parser.Parser().parsestr(wheel.read(name).decode())


def test_the_wheel_says_its_license_classifiers_and_long_description(wheel):
    meta = metadata(wheel)
    assert meta["License-Expression"] == "Apache-2.0"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel.namelist())
    assert {"Framework :: Jupyter", "Topic :: System :: Recovery Tools"} <= set(
        meta.get_all("Classifier")
    )
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().strip().startswith("# bookstore-resil")


def test_one_version_from_the_source_to_the_wheel_the_cli_and_the_changelog(wheel):
    assert metadata(wheel)["Version"] == __version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## (\S+)", changelog, re.MULTILINE).group(1) == __version__
    shown = subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown == f"bookstore-resil {__version__}\n"


def test_every_docs_page_the_help_names_ships_in_the_wheel(wheel):
    texts = [
        text or ""
        for parser in PARSERS.values()
        for text in (parser.description, parser.epilog, *(a.help for a in parser._actions))
    ]
    named = {page for text in texts for page in re.findall(r"docs/([\w.-]+\.md)", text)}
    shipped = {n.removeprefix(DOCS) for n in wheel.namelist() if n.startswith(DOCS)}
    assert named and named <= shipped
    assert {"contract.md", "format.md"} <= shipped
