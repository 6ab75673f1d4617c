"""Report build time beside papermill's floor, as a ratio (target: within 2x).

The floor is papermill running a two-cell notebook (pandas and one chart, ``floors.py``)
with the same kernel and options in the same run. Each round times the floor, then
``build_report`` on a fresh copy of the database fixture (the largest: 142 events,
canaries, three charts); the two alternate so that a busy machine slows both, and the
median of the per-round ratios is printed (``--phases``: and each phase's median time).

    .venv/bin/python benchmarks/bench_report.py [--rounds 3] [--fixture database-data-loss]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from figures import figure
from floors import notebook_floor_s

from bookstore_resil.report.build import build_report

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "archives"
TARGET_RATIO = 2.0


def report_s(fixture: Path, folder: Path, phases: dict[str, list[float]]) -> float:
    archive = shutil.copytree(fixture, folder / f"archive-{time.monotonic_ns()}")
    lines: list[str] = []
    began = time.perf_counter()
    build_report(archive, progress=lines.append)
    elapsed = time.perf_counter() - began
    for line in lines:
        phase, seconds = line.split(": ")[1], float(re.search(r"\(([\d.]+)s\)$", line)[1])
        phases.setdefault(phase, []).append(seconds)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phases", action="store_true", help="each phase's median too")
    parser.add_argument("--fixture", default="database-data-loss")
    args = parser.parse_args()
    fixture = FIXTURES / args.fixture
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        folder = Path(tmp)
        notebook_floor_s(folder)  # warm-up: kernel, imports and the disk cache
        report_s(fixture, folder, {})
        floors, reports, phases = [], [], {}
        for _ in range(args.rounds):
            floors.append(notebook_floor_s(folder))
            reports.append(report_s(fixture, folder, phases))
    floor, report = statistics.median(floors), statistics.median(reports)
    ratio = statistics.median(r / f for r, f in zip(reports, floors, strict=True))
    figure(
        f"report build, median of {args.rounds}",
        f"{report:.2f} s = {ratio:.2f}x",
        f"{floor:.2f} s (papermill, two cells)",
        f"<= {TARGET_RATIO:g}x",
        ratio <= TARGET_RATIO,
    )
    if args.phases:
        for phase, seconds in phases.items():
            print(f"  {phase:<30} {statistics.median(seconds):6.2f}s")


if __name__ == "__main__":
    main()
