"""``drill`` wall time beside papermill's empty-notebook floor, and measured recovery times.

Starts a lab of its own, then for each scenario (and the API restart path) times one
papermill run of an empty notebook (the floor: kernel start and stop) and one whole
``drill`` (no report: the report has its own benchmark), and prints the ratio. It also
prints the downtime the probes measured for the automated recovery beside the seed's
manual run ("approximately 30 minutes of downtime") and the RTO.

    .venv/bin/python benchmarks/bench_drill.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from bookstore_resil.define.units import format_duration
from bookstore_resil.exercise.drill import drill
from bookstore_resil.lab import lifecycle
from bookstore_resil.lab.state import Lab

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"
SEED_MANUAL_DOWNTIME_S = 30 * 60
RUNS = [
    ("api-failure", None),
    ("api-failure", "api-crash"),
    ("database-failure", None),
    ("cdn-failure", None),
]


def floor_s(folder: Path) -> float:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "python3"}
    path = folder / "empty.ipynb"
    nbformat.write(notebook, path)
    began = time.perf_counter()
    papermill.execute_notebook(
        str(path), str(folder / "empty-out.ipynb"), kernel_name="python3", progress_bar=False
    )
    return time.perf_counter() - began


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lab = Lab.at(folder / "lab")
        began = time.perf_counter()
        lifecycle.up(lab, progress=lambda _: None)
        print(f"lab up (cold): {time.perf_counter() - began:.1f}s")
        try:
            print(
                f"{'scenario':<18} {'fault':<18} {'floor':>7} {'drill':>7} {'ratio':>6} "
                f"{'downtime':>9} {'vs seed 30min':>13} {'RTO':>5} outcome"
            )
            for scenario, fault in RUNS:
                lifecycle.up(lab, progress=lambda _: None)
                floor = floor_s(folder)
                began = time.perf_counter()
                result = drill(
                    scenario,
                    data_dir=DATA,
                    out_dir=folder / "reports",
                    target_options={"state_dir": str(lab.root)},
                    fault=fault,
                    report=False,
                    progress=lambda _: None,
                    execute=True,
                )
                wall = time.perf_counter() - began
                s = result.summary
                downtime = s.measured_downtime_s or 0.0
                print(
                    f"{scenario:<18} {s.fault or '-':<18} {floor:>6.1f}s {wall:>6.1f}s "
                    f"{wall / floor:>5.1f}x {format_duration(downtime):>9} "
                    f"{SEED_MANUAL_DOWNTIME_S / max(downtime, 0.001):>12.0f}x "
                    f"{format_duration(s.rto_s):>5} {s.outcome}"
                )
        finally:
            lifecycle.down(lab, purge=True, progress=lambda _: None)


if __name__ == "__main__":
    main()
