"""Every notebook runs under nbval, in a pytest subprocess, on its own parameter defaults.

``pytest --nbval-lax`` runs each cell and fails on any error; it compares outputs only for
cells marked ``# NBVAL_CHECK_OUTPUT`` (the notebooks are committed without outputs), after
the sanitizers of ``notebooks/nbval_sanitize.cfg``. nbval runs the kernel in the
notebook's folder and cannot pass parameters, so:

- 00, 01, 04 and 05 run in place, in ``notebooks/``, in one nbval run (one pytest start):
  their defaults only read the repository (``data/bookstore``, ``reports``, found from
  ``notebooks/`` through its parent).
- 03's default ``archive_dir = "."`` is the notebook's own folder, which is how the report
  runs (inside the archive): a copy of the notebook runs inside a copy of a fixture archive.
- 02's defaults would open an exercise in the repository's ``reports/`` against the lab in
  ``.lab``: a copy of the notebook runs in a temporary folder laid out like the repository
  (``data`` linked to the real one, so ``data/bookstore`` resolves as from the root), with
  ``$BOOKSTORE_RESIL_LAB_DIR`` naming the test lab. Its archive lands in that folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import get_sanitize_patterns

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SANITIZE = NOTEBOOKS / "nbval_sanitize.cfg"
ARCHIVE = REPO / "tests" / "fixtures" / "archives" / "api-passed"
CELL_TIMEOUT_S = 120


def nbval(notebooks: list[Path], cwd: Path, env: dict[str, str] | None = None) -> None:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-current-env",
        f"--nbval-sanitize-with={SANITIZE}",
        f"--nbval-cell-timeout={CELL_TIMEOUT_S}",
        "-p",
        "no:cacheprovider",
        "-q",
        *map(str, notebooks),
    ]
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    cells = [c for n in notebooks for c in nbformat.read(n, as_version=4).cells]
    code_cells = [c for c in cells if c.cell_type == "code"]
    passed = rf"^{len(code_cells)} passed\b"  # one item per code cell, every one passed
    assert re.search(passed, result.stdout, re.MULTILINE), result.stdout[-2000:]


@pytest.mark.slow  # kernels
def test_the_notebooks_that_only_read_run_in_place_under_nbval():
    names = ["00_readiness", "01_dependency_mapping", "04_history", "05_board"]
    nbval([NOTEBOOKS / f"{name}.ipynb" for name in names], cwd=REPO)


@pytest.mark.slow  # a kernel
def test_the_report_notebook_runs_under_nbval_inside_an_archive(tmp_path):
    archive = Path(shutil.copytree(ARCHIVE, tmp_path / "api-passed"))
    notebook = Path(shutil.copy(NOTEBOOKS / "03_report.ipynb", archive))
    nbval([notebook], cwd=tmp_path)
    assert sorted(p.name for p in archive.glob("*.png"))  # the chart cells drew into "."


def test_the_game_day_notebook_runs_under_nbval_on_its_defaults(lab, tmp_path):
    (tmp_path / "data").symlink_to(REPO / "data", target_is_directory=True)
    notebook = Path(shutil.copy(NOTEBOOKS / "02_game_day.ipynb", tmp_path))
    nbval([notebook], cwd=tmp_path, env={"BOOKSTORE_RESIL_LAB_DIR": str(lab.root)})
    [log] = (tmp_path / "reports").glob("*/events.jsonl")
    kinds = [json.loads(line)["type"] for line in log.read_text().splitlines()]
    assert kinds[:2] == ["exercise_started", "probes_started"]
    assert "fault_injected" not in kinds  # interactive: nothing breaks until Start


SAMPLES = {
    "exercise 20261126T212021Z-api-failure-6bc796: Bookstore API Failure, archive "
    "/tmp/pytest-of-ci/pytest-3/reports/20261126T212021Z-api-failure-6bc796": (
        "exercise EXERCISE-ID: Bookstore API Failure, archive TMP-PATH"
    ),
    "Bookstore: 1 archived exercises; as of 2024-05-06T16:30+00:00": (
        "Bookstore: 1 archived exercises; as of ISO-TIME"
    ),
    "started 2026-11-26T21:18:07.878123Z, ended 2026-11-26 21:19:00": (
        "started ISO-TIME, ended ISO-TIME"
    ),
    "GET http://127.0.0.1:54519/books/: HTTP 200": "GET http://HOST:PORT/books/: HTTP 200",
    "api instance i-dc51b61b (running) pid 26907, cluster db-fe2a775a": (
        "api instance i-LAB-ID (running) pid PID, cluster db-LAB-ID"
    ),
    "folder /home/ci/src/bookstore-resil/data/bookstore": "folder REPO/data/bookstore",
    "kernel 0d30963b-7c93-414f-8f13-8033f10f9f9d, commit 36c65c3a9f0e2b1d": (
        "kernel UUID, commit HEX-ID"
    ),
    "Clock: 9.9s of RTO 12h (0.02% used); step took 120 ms": (
        "Clock: DURATION of RTO 12h (PERCENT used); step took DURATION"
    ),
    "account 532151327118 in us-west-2a, RPO 1d": "account 532151327118 in us-west-2a, RPO 1d",
}


@pytest.mark.parametrize("raw", SAMPLES)
def test_the_sanitizers_blank_what_changes_between_runs(raw):
    patterns = get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))  # as nbval reads it
    assert len(patterns) == SANITIZE.read_text(encoding="utf-8").count("\nregex: ")
    text = raw
    for regex, replace in patterns:
        text = re.sub(regex, replace, text)
    assert text == SAMPLES[raw]
