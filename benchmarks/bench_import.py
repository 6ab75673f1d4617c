"""How long the workbook takes to start, against the interpreter's own start in the same run.

Each command runs in fresh processes; the median of the runs is printed beside the floor,
`python -c pass`, as a ratio, so numbers from different machines compare:

    python benchmarks/bench_import.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BOOKSTORE = Path(__file__).parents[1] / "data" / "bookstore"
PROGRAM = str(Path(sys.executable).parent / "bookstore-resil")
COMMANDS = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
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
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per command")
    runs = parser.parse_args().runs
    medians = {name: median_seconds(command, runs) for name, command in COMMANDS.items()}
    floor = medians["python -c pass (floor)"]
    print(f"median of {runs} fresh processes, Python {sys.version.split()[0]}")
    print(f"{'command':<30} {'median':>9} {'x floor':>8}")
    for name, seconds in medians.items():
        print(f"{name:<30} {seconds * 1000:>7.1f}ms {seconds / floor:>8.1f}")


if __name__ == "__main__":
    main()
