"""A whole ``drill`` (game day, charts, report notebook, HTML) against papermill's floor,
and the recovery times the probes measured.

Starts a lab of its own. For each scenario (and the API restart path) it times papermill
running the floor notebook (two cells: pandas and one chart, see ``floors.py``), then one
whole executed drill with its report, and prints drill / floor. Every drill is run twice:
with the lab's own waits (every endpoint up 2 s before the fault, recovery held 1 s), and
with both waits at 0.5 s, which shows what the drill's own machinery costs beside the
fixed waits a target asks for. Target: within 3x of the floor. It also prints the downtime
the probes measured beside the seed's manual run ("approximately 30 minutes of downtime").

Last, whole processes as a user runs them: ``bookstore-resil drill api-failure --execute``
(the lab's waits) against the ``papermill`` command on the floor notebook, as installed and
with the IRI grammar skipped as bookstore-resil skips it (like for like), three times each,
interpreter start and imports included on both sides.

    .venv/bin/python benchmarks/bench_drill.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from floors import floor_notebook, notebook_floor_s

from bookstore_resil.define.units import format_duration
from bookstore_resil.exercise.drill import drill
from bookstore_resil.lab import lifecycle
from bookstore_resil.lab.state import Lab

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"
SEED_MANUAL_DOWNTIME_S = 30 * 60
TARGET_RATIO = 3.0
RUNS = [
    ("api-failure", None),
    ("api-failure", "api-crash"),
    ("database-failure", None),
    ("cdn-failure", None),
]
WAITS = {
    "lab's waits": {},
    "waits 0.5s": {"baseline_s": 0.5, "sustain_s": 0.5},
}


def quiet(_line: str) -> None:
    pass


def main() -> None:
    ratios: dict[str, list[float]] = {name: [] for name in WAITS}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lab = Lab.at(folder / "lab")
        lifecycle.up(lab, progress=quiet)
        notebook_floor_s(folder)  # warm-up: the kernel's imports and the disk cache
        try:
            print(
                f"{'scenario':<17} {'fault':<19} {'waits':<11} {'floor':>6} {'drill':>6} "
                f"{'ratio':>6} {'downtime':>9} {'vs seed':>8} outcome"
            )
            for scenario, fault in RUNS:
                for name, waits in WAITS.items():
                    lifecycle.up(lab, progress=quiet)
                    floor = notebook_floor_s(folder)
                    began = time.perf_counter()
                    result = drill(
                        scenario,
                        data_dir=DATA,
                        out_dir=folder / "reports",
                        target_options={"state_dir": str(lab.root), **waits},
                        fault=fault,
                        progress=quiet,
                        execute=True,
                    )
                    wall = time.perf_counter() - began
                    ratios[name].append(wall / floor)
                    s = result.summary
                    downtime = s.measured_downtime_s or 0.0
                    print(
                        f"{scenario:<17} {s.fault or '-':<19} {name:<11} {floor:>5.1f}s "
                        f"{wall:>5.1f}s {wall / floor:>5.1f}x {format_duration(downtime):>9} "
                        f"{SEED_MANUAL_DOWNTIME_S / max(downtime, 0.001):>7.0f}x {s.outcome}"
                    )
            processes(folder, lab)
        finally:
            lifecycle.down(lab, purge=True, progress=quiet)
    for name, values in ratios.items():
        ratio = statistics.median(values)
        verdict = "within" if ratio <= TARGET_RATIO else "over"
        print(
            f"drill / floor, {name}: median {ratio:.2f}x ({verdict} the {TARGET_RATIO:.0f}x target)"
        )


def timed_s(argv: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - began


# The papermill command with jsonschema's IRI grammar skipped, as bookstore-resil skips it
# (bookstore_resil/__init__.py): like for like with the drill's own process.
PAPERMILL_LIKE_DRILL = (
    "import sys; sys.modules['rfc3987_syntax'] = None; "
    "from papermill.__main__ import papermill; papermill()"
)


def processes(folder: Path, lab: Lab) -> None:
    """The CLI drill against the papermill command, each a whole process."""
    bin_dir = Path(sys.executable).parent
    notebook = floor_notebook(folder)
    run = [str(notebook), str(folder / "floor-cli.ipynb"), "--no-progress-bar"]
    floors = {
        "papermill as installed": [str(bin_dir / "papermill"), *run],
        "papermill, IRI grammar skipped": [sys.executable, "-c", PAPERMILL_LIKE_DRILL, *run],
    }
    drill_cli = [str(bin_dir / "bookstore-resil"), "-q", "drill", "api-failure", "--execute"]
    drill_cli += ["--data", str(DATA), "--out", str(folder / "cli"), "--state", str(lab.root)]
    ratios: dict[str, list[float]] = {name: [] for name in floors}
    for _ in range(3):
        lifecycle.up(lab, progress=quiet)
        times = {name: timed_s(argv) for name, argv in floors.items()}
        whole = timed_s(drill_cli)
        for name, floor in times.items():
            ratios[name].append(whole / floor)
        shown = ", ".join(f"{name} {floor:.1f}s" for name, floor in times.items())
        print(f"whole processes: drill {whole:.1f}s; {shown}")
    for name, values in ratios.items():
        print(f"whole drill process / {name}: median {statistics.median(values):.2f}x")


if __name__ == "__main__":
    main()
