"""A report built on a kernel started ahead (a drill's) has the kernel draw part of the
charts while the building process draws the rest, two processes on two cores: every chart
is there, listed in order, and the notebook run next is numbered from its first cell."""

import json
import shutil
import threading
from pathlib import Path

import pytest

from bookstore_resil.report.build import KERNEL_CHARTS, build_report, report_kernel

FIXTURE = Path(__file__).parent / "fixtures" / "archives" / "database-data-loss"


@pytest.mark.slow
def test_the_kernel_draws_its_charts_before_the_notebook_runs(tmp_path):
    archive = shutil.copytree(FIXTURE, tmp_path / "archive")
    opened = threading.Event()
    opened.set()
    lines: list[str] = []
    with report_kernel(archive, opened) as kernel:
        paths = build_report(archive, progress=lines.append, kernel=kernel)

    names = [Path(p).name for p in paths.charts]
    assert names == ["timeline.png", "objectives.png", "canary.png"]
    assert all((archive / name).stat().st_size > 1000 for name in names)
    assert any(f"{', '.join(KERNEL_CHARTS)} in the kernel" in line for line in lines), lines
    notebook = json.loads((archive / "report.ipynb").read_text())
    counts = [c["execution_count"] for c in notebook["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))
