"""The wheel of the checkout, built once per test run (a pytest plugin, listed in
tests/conftest.py). The tests that read or install it share one worker
(tests/conftest_xdist.py): two builds in one checkout at once would share its ``build/``
folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def build_wheel(source: Path, folder: Path) -> Path:
    """The wheel of the checkout at ``source``, built into ``folder``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", folder, source],
        check=True,
        capture_output=True,
    )
    [wheel] = folder.glob("bookstore_resil-*.whl")
    return wheel


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(ROOT, tmp_path_factory.mktemp("wheel"))
