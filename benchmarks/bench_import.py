"""How long the workbook takes to start, against the interpreter's own start in the same run.

Each command runs in fresh processes; the median of the runs is printed beside the floor,
`python -c pass`, as a ratio, so numbers from different machines compare. The targets keep
`import bookstore_resil` light (heavy libraries load where they are used): the import and
`--help` within 3x and 4x of the interpreter's start (issue 2 measured 1.7x and 2.6x).
`validate` loads pydantic and reads the Bookstore: printed for the record with ``--all``.

    python benchmarks/bench_import.py [--runs N] [--all]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from figures import figure

BOOKSTORE = Path(__file__).parents[1] / "data" / "bookstore"
PROGRAM = str(Path(sys.executable).parent / "bookstore-resil")
FLOOR = [sys.executable, "-c", "pass"]
TARGETS = {"import bookstore_resil, .cli": 3.0, "bookstore-resil --help": 4.0}
COMMANDS = {
    "import bookstore_resil, .cli": [
        sys.executable,
        "-c",
        "import bookstore_resil, bookstore_resil.cli",
    ],
    "bookstore-resil --help": [PROGRAM, "--help"],
    "bookstore-resil validate": [PROGRAM, "validate", "--data", str(BOOKSTORE)],
}


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per command")
    parser.add_argument("--all", action="store_true", help="validate too, for the record")
    args = parser.parse_args()
    floor = median_seconds(FLOOR, args.runs)
    for name, command in COMMANDS.items():
        if name not in TARGETS and not args.all:
            continue
        seconds = median_seconds(command, args.runs)
        target = TARGETS.get(name)
        figure(
            f"{name}, median of {args.runs}",
            f"{seconds * 1000:.0f} ms = {seconds / floor:.1f}x",
            f"{floor * 1000:.0f} ms (python -c pass)",
            f"<= {target:g}x" if target else "none",
            None if target is None else seconds / floor <= target,
        )


if __name__ == "__main__":
    main()
