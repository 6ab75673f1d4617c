"""A plain (non-editable) install of the built wheel carries the workbook: from a folder that
is not the checkout, ``validate`` finds the shipped Bookstore, ``drill`` and ``report``
run the notebooks that ship inside the package, and ``init`` copies them and a system out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.long]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, built_wheel: Path) -> Path:
    """A fresh virtual environment with the wheel installed without ``-e``.

    The project's dependencies are borrowed from the test environment (a ``.pth`` file
    naming its site-packages, which does not run the editable install's finder), so
    nothing is downloaded.
    """
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    purelib = Path(
        subprocess.check_output(
            [venv / "bin/python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            text=True,
        ).strip()
    )
    (purelib / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", venv / "bin/python", "install", "--quiet"]
        + ["--no-deps", built_wheel],
        check=True,
        capture_output=True,
    )
    return venv


def run(venv: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BOOKSTORE_RESIL_DATA")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    # nbconvert's templates are data files of the borrowed environment, not of the venv
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return subprocess.run(
        [venv / "bin/bookstore-resil", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_package_comes_from_the_wheel_not_the_checkout(installed, tmp_path):
    where = subprocess.check_output(
        [installed / "bin/python", "-c", "import bookstore_resil; print(bookstore_resil.__file__)"],
        cwd=tmp_path,
        text=True,
    )
    assert str(installed) in where and str(ROOT) not in where


def test_validate_finds_the_shipped_bookstore_from_any_folder(installed, tmp_path):
    result = run(installed, tmp_path, "validate")
    assert result.returncode == 0, result.stderr
    assert "site-packages" in result.stdout and "valid: Bookstore" in result.stdout


def test_drill_and_report_run_the_shipped_notebooks(installed, tmp_path, lab):
    out = tmp_path / "archives"
    drill = run(
        installed,
        tmp_path,
        "drill",
        "cdn-failure",
        "--target",
        "lab",
        "--state",
        str(lab.root),
        "--out",
        str(out),
        "--exercise-id",
        "from-the-wheel",
        "--execute",
    )
    assert drill.returncode == 0, drill.stderr[-2000:]
    archive = out / "from-the-wheel"
    summary = json.loads((archive / "summary.json").read_text())
    assert summary["outcome"] == "passed", summary["reason"]
    assert (archive / "exercise.ipynb").is_file() and (archive / "report.html").is_file()

    (archive / "report.html").unlink()
    report = run(installed, tmp_path, "report", str(archive))
    assert report.returncode == 0, report.stderr[-2000:]
    assert (archive / "report.html").is_file()


@pytest.mark.parametrize("example", ["bookstore", "blank"])
def test_init_makes_a_workbook_from_the_wheel(installed, tmp_path, example):
    result = run(installed, tmp_path, "init", "wb", "--example", example)
    assert result.returncode == 0, result.stderr
    folders = ["notebooks", "reports", "schemas", "system"]
    assert sorted(p.name for p in (tmp_path / "wb").iterdir()) == folders
    # The schemas came with the wheel: the system's files name one that is there.
    assert (tmp_path / "wb" / "schemas" / "system.schema.json").is_file()
    assert len(list((tmp_path / "wb" / "notebooks").glob("*.ipynb"))) >= 5
    deps = run(installed, tmp_path / "wb", "deps", "--data", "system")
    assert deps.returncode == 0, deps.stderr
    assert ("objective-unset" in deps.stdout) == (example == "blank")
