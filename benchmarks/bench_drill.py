"""A whole ``drill`` (game day, charts, report notebook, HTML) against papermill's floor.

Starts a lab of its own. Three times, it times papermill running the floor notebook (two
cells: pandas and one chart, see ``floors.py``), then one whole executed ``drill
api-failure`` with its report and the lab's waits. A drill's own machinery is its wall time
less the waits that belong to the measurement: the baseline before the fault, the outage the
probes measured (the longer of the service's and the users'), and the sustain window after
it. A drill runs two notebooks (the game day and its report), so the target is two floors:
the machinery's median ratio at most 2x.

``--full`` also drills every scenario (and the API restart path) with the lab's waits and
with both waits at 0.5 s, printing the downtime the probes measured beside the seed's manual
run ("approximately 30 minutes of downtime"), then whole processes as a user runs them:
``bookstore-resil drill api-failure --execute`` against the ``papermill`` command on the floor
notebook, as installed and with the IRI grammar skipped as bookstore-resil skips it (like for
like), three times each, interpreter start and imports included on both sides.

``--each`` (and ``--full``) prints each round of the figure first.

    .venv/bin/python benchmarks/bench_drill.py [--rounds 3] [--each] [--full]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import figure
from floors import floor_notebook, notebook_floor_s

from bookstore_resil.archive.measure import Summary
from bookstore_resil.define.units import format_duration
from bookstore_resil.exercise.drill import drill
from bookstore_resil.lab import lifecycle
from bookstore_resil.lab.state import Lab
from bookstore_resil.lab.target import LabTarget

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"
SEED_MANUAL_DOWNTIME_S = 30 * 60
TARGET_RATIO = 2.0  # the machinery: two notebooks, two floors
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


def machinery_s(wall_s: float, summary: Summary, lab: Lab, waits: dict) -> float:
    """A drill's wall time less the waits of its measurement: the baseline, the longer of
    the outages the probes measured, the sustain window."""
    baseline_s = waits.get("baseline_s", LabTarget(lab.root).baseline_s)
    sustain_s = waits.get("sustain_s", LabTarget(lab.root).sustain_s)
    outages = (summary.measured_downtime_s, summary.measured_user_downtime_s)
    outage = max((s for s in outages if s is not None), default=0.0)
    return wall_s - baseline_s - outage - sustain_s


def timed_drill(folder: Path, lab: Lab, scenario: str, fault: str | None, waits: dict):
    """One executed drill on ``lab``: its wall time and its summary."""
    lifecycle.up(lab, progress=quiet)
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
    return time.perf_counter() - began, result.summary


def machinery(folder: Path, lab: Lab, rounds: int, each: bool = False) -> None:
    """The figure; with ``each``, first a line per round (a loaded machine's spread)."""
    floors, machineries, ratios = [], [], []
    for round_ in range(1, rounds + 1):
        floor = notebook_floor_s(folder)
        wall, summary = timed_drill(folder, lab, "api-failure", None, {})
        floors.append(floor)
        machineries.append(machinery_s(wall, summary, lab, {}))
        ratios.append(machineries[-1] / floor)
        if each:
            print(
                f"  round {round_}: floor {floor:.2f} s, drill {wall:.2f} s, machinery "
                f"{machineries[-1]:.2f} s = {ratios[-1]:.2f}x",
                flush=True,
            )
    ratio = statistics.median(ratios)
    figure(
        f"drill machinery, median of {rounds}",
        f"{statistics.median(machineries):.2f} s = {ratio:.2f}x",
        f"{statistics.median(floors):.2f} s (papermill, two cells)",
        f"<= {TARGET_RATIO:g}x",
        ratio <= TARGET_RATIO,
    )


def scenarios(folder: Path, lab: Lab) -> None:
    print(
        f"{'scenario':<17} {'fault':<19} {'waits':<11} {'floor':>6} {'drill':>6} "
        f"{'ratio':>6} {'machinery':>9} {'downtime':>9} {'vs seed':>8} outcome"
    )
    for scenario, fault in RUNS:
        for name, waits in WAITS.items():
            floor = notebook_floor_s(folder)
            wall, s = timed_drill(folder, lab, scenario, fault, waits)
            downtime = s.measured_downtime_s or 0.0
            own = machinery_s(wall, s, lab, waits)
            print(
                f"{scenario:<17} {s.fault or '-':<19} {name:<11} {floor:>5.1f}s "
                f"{wall:>5.1f}s {wall / floor:>5.1f}x {own / floor:>8.2f}x "
                f"{format_duration(downtime):>9} "
                f"{SEED_MANUAL_DOWNTIME_S / max(downtime, 0.001):>7.0f}x {s.outcome}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="every scenario, whole processes")
    parser.add_argument("--each", action="store_true", help="a line per round of the figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lab = Lab.at(folder / "lab")
        lifecycle.up(lab, progress=quiet)
        notebook_floor_s(folder)  # warm-up: the kernel's imports and the disk cache
        try:
            machinery(folder, lab, args.rounds, each=args.full or args.each)
            if args.full:
                scenarios(folder, lab)
                processes(folder, lab)
        finally:
            lifecycle.down(lab, purge=True, progress=quiet)


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
