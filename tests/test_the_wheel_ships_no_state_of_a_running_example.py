"""The wheel ships the examples as written, never what running one left in its folder:
docs/system-target.md starts the Guestbook in data/guestbook, whose ``run/`` then holds its
database and pid file. Before: a wheel built from such a checkout carried both, and the
shipped example's probe (``test -s run/guestbook.db``) read a stale database."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest_wheel import build_wheel

ROOT = Path(__file__).parents[1]
pytestmark = pytest.mark.slow
# What the wheel is built from: the package and the folders it links in (workbook/).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "bookstore_resil", "data", "docs", "notebooks")
LEFT_OVER = shutil.ignore_patterns("__pycache__", "*.pyc", "run", ".lab", ".ipynb_checkpoints")


def test_a_wheel_built_beside_a_running_guestbook_leaves_its_run_folder_out(tmp_path):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, symlinks=True, ignore=LEFT_OVER)
        else:
            shutil.copy2(source, checkout / name)
    run = checkout / "data" / "guestbook" / "run"
    run.mkdir()
    (run / "guestbook.db").write_bytes(b"SQLite format 3\0")
    (run / "guestbook.pid").write_text("4242\n")

    names = zipfile.ZipFile(build_wheel(checkout, tmp_path)).namelist()
    examples = "bookstore_resil/workbook/examples/"
    assert f"{examples}guestbook/target.yaml" in names
    assert f"{examples}guestbook/guestbook.py" in names
    assert [name for name in names if "/run/" in name] == []
