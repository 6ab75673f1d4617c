"""The recorded exercises of tests/fixtures/archives/, each built into a whole report once
per test run (a pytest plugin, listed in tests/conftest.py).

A build runs the report notebook in a kernel and converts it to HTML (seconds each); the
tests then only read what it wrote. Each archive is copied and built on first use, so a
run that needs one builds only that one. Tests read the built folders and never change them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from bookstore_resil.report.build import ReportPaths, build_report

FIXTURES = Path(__file__).parent / "fixtures" / "archives"


@dataclass(frozen=True)
class BuiltArchive:
    """A fixture archive built by ``build_report``: its folder, paths and progress lines."""

    folder: Path
    paths: ReportPaths
    progress: list[str]


class BuiltArchives:
    """The fixture archives by name, each built on first use."""

    def __init__(self, root: Path):
        self.root = root
        self.built: dict[str, BuiltArchive] = {}

    def __getitem__(self, name: str) -> BuiltArchive:
        if name not in self.built:
            folder = shutil.copytree(FIXTURES / name, self.root / name)
            lines: list[str] = []
            paths = build_report(folder, progress=lines.append)
            self.built[name] = BuiltArchive(folder, paths, lines)
        return self.built[name]


@pytest.fixture(scope="session")
def built_archives(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchives:
    return BuiltArchives(tmp_path_factory.mktemp("built-archives"))
