"""`deps --json` as a whole process, against the parse floor measured in the same run.

Each synthetic system is a DAG with a realistic fan-out (every service but the entrypoint
has one to three parents among the 200 services before it, so the graph is connected and
deep), the edges to services declared non-critical and a fifth of the others non-critical,
a few criticality windows, and one zone or several per service. Two services in five are
declared critical, each with its playbook scenario (the loader requires one): 10,000
services are about 150,000 lines of YAML in 4,000 files.

The floor is a process that reads the same files and has libyaml compose each with node
marks (``yaml.compose`` with ``CSafeLoader``): what any loader that reports ``FILE:LINE``
must at least do. The two run alternately, in fresh processes, so a busy machine slows both;
printed are the medians and the median of the per-round ratios (target: within 1.6x of the
floor), one line a size. ``--full`` runs 10,000 and 20,000 services and prints the 20k/10k
growth (2.0 is linear) and, for the record, the in-process phases of one run: load, graph,
analyse, dump.

    .venv/bin/python benchmarks/bench_deps.py [--sizes 10000] [--rounds 3] [--full]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from figures import figure

from bookstore_resil.analyse.graph import DependencyGraph
from bookstore_resil.cli.common import print_json
from bookstore_resil.define.loader import load_system

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
TARGET_RATIO = 1.6
ZONES = ["us-west-2a", "us-west-2b", "us-west-2c"]
FLOOR = """
import sys, yaml
from pathlib import Path
folder = Path(sys.argv[1])
for path in [folder / "system.yaml", folder / "contacts.yaml",
             *sorted((folder / "playbooks").glob("*.yaml"))]:
    yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
"""
DEPS = "import sys; from bookstore_resil.cli import main; sys.exit(main(sys.argv[1:]))"


def synthetic_system(size: int, seed: int = 0) -> tuple[dict, list[dict]]:
    """The system.yaml document and the playbooks of a random DAG of ``size`` services."""
    rng = random.Random(seed)
    ids = [f"svc-{i:05d}" for i in range(size)]
    critical = [i == 0 or rng.random() < 0.4 for i in range(size)]
    children: list[list[dict | str]] = [[] for _ in range(size)]
    for child in range(1, size):
        parents = rng.sample(range(max(0, child - 200), child), min(child, rng.randint(1, 3)))
        anchor = None
        if critical[child]:  # hang it under a critical parent by a critical edge: reachable
            earlier = (p for p in [*parents, *range(child - 1, -1, -1)] if critical[p])
            anchor = next(earlier)
            parents = [anchor, *(p for p in parents if p != anchor)]
        for parent in parents:
            # A service declared non-critical is one its parents can do without (a critical
            # edge to it would stop them, whatever its declaration); a fifth of the others too.
            if not critical[child] or (rng.random() < 0.2 and parent != anchor):
                edge: dict | str = {"service": ids[child], "critical": False}
                if rng.random() < 0.8:
                    edge["degraded"] = "works without it, slower"
                children[parent].append(edge)
            else:
                children[parent].append(ids[child])
    services = []
    for i, sid in enumerate(ids):
        service = {
            "id": sid,
            "name": f"Service {i}",
            "purpose": "synthetic",
            "critical": critical[i],
            "rto": rng.choice(["1h", "4h", "12h", "24h"]),
            "rpo": rng.choice(["15min", "1h", "24h"]),
            "az": ",".join(rng.sample(ZONES, 1 if rng.random() < 0.7 else 2)),
        }
        if rng.random() < 0.02:
            service["criticality_period"] = "02:00-03:00 America/Los_Angeles"
        if children[i]:
            service["depends_on"] = children[i]
        services.append(service)
    playbooks = [
        {
            "id": f"{sid}-failure",
            "title": f"{sid} failure",
            "playbook": "critical-dependency",
            "service": sid,
            "leads": {"primary": "Alice"},
            "rto": "12h",
            "rpo": "24h",
            "recovery_procedure": [{"id": "restore", "title": f"Restore {sid}"}],
        }
        for sid, is_critical in zip(ids, critical, strict=True)
        if is_critical
    ]
    document = {"system": f"Synthetic {size}", "entrypoint": ids[0], "services": services}
    return document, playbooks


def write_folder(folder: Path, document: dict, playbooks: list[dict]) -> None:
    (folder / "playbooks").mkdir(parents=True)
    (folder / "system.yaml").write_text(yaml.dump(document, Dumper=DUMPER, sort_keys=False))
    contacts = {"contacts": [{"name": "Alice", "services": ["ALL"]}]}
    (folder / "contacts.yaml").write_text(yaml.dump(contacts, Dumper=DUMPER))
    for playbook in playbooks:
        path = folder / "playbooks" / f"{playbook['id']}.yaml"
        path.write_text(yaml.dump(playbook, Dumper=DUMPER, sort_keys=False))


def seconds(command: list[str], cwd: Path) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - began


def whole_process(folder: Path, rounds: int) -> dict[str, float]:
    """Median seconds of the floor and of ``deps --json``, and the median of their ratios."""
    floor_cmd = [sys.executable, "-c", FLOOR, str(folder)]
    deps_cmd = [sys.executable, "-c", DEPS, "deps", "--json", "--data", str(folder)]
    # From the system's folder: `python -c` puts the working directory first on the path.
    seconds(floor_cmd, folder)  # warm-up: the disk cache and the bytecode
    floors, deps = [], []
    for _ in range(rounds):
        floors.append(seconds(floor_cmd, folder))
        deps.append(seconds(deps_cmd, folder))
    ratios = [d / f for d, f in zip(deps, floors, strict=True)]
    return {
        "floor": statistics.median(floors),
        "deps": statistics.median(deps),
        "ratio": statistics.median(ratios),
    }


def phases(folder: Path) -> dict[str, float]:
    """One in-process run, phase by phase, as ``deps --json`` runs them."""
    gc.collect()
    began = time.perf_counter()
    system = load_system(folder)
    loaded = time.perf_counter()
    graph = DependencyGraph(system)
    built = time.perf_counter()
    document = graph.analyse().as_json()
    analysed = time.perf_counter()
    with open("/dev/null", "w") as sink:
        stdout, sys.stdout = sys.stdout, sink
        try:
            print_json(document)
        finally:
            sys.stdout = stdout
    dumped = time.perf_counter()
    return {
        "load": loaded - began,
        "graph": built - loaded,
        "analyse": analysed - built,
        "dump": dumped - analysed,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="10k and 20k, growth, phases")
    args = parser.parse_args(argv)
    sizes = sorted({*args.sizes, 10_000, 20_000}) if args.full else args.sizes
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-deps-") as workdir:
        for size in sizes:
            folder = Path(workdir) / f"system-{size}"
            write_folder(folder, *synthetic_system(size))
            lines = sum(
                len(p.read_text().splitlines()) for p in folder.rglob("*.yaml") if p.is_file()
            )
            row = {"lines": lines, **whole_process(folder, args.rounds)}
            rows[size] = {**row, **phases(folder)} if args.full else row
            figure(
                f"deps --json {size:,} services, median of {args.rounds}",
                f"{row['deps']:.2f} s = {row['ratio']:.2f}x",
                f"{row['floor']:.2f} s (libyaml composing the files)",
                f"<= {TARGET_RATIO:g}x",
                row["ratio"] <= TARGET_RATIO,
            )
    if args.full:
        print(
            f"{'services':>9} {'lines':>8} {'load s':>7} {'graph s':>7} {'analyse s':>9} "
            f"{'dump s':>6}"
        )
        for size, r in rows.items():
            print(
                f"{size:>9} {r['lines']:>8} {r['load']:>7.2f} {r['graph']:>7.2f} "
                f"{r['analyse']:>9.2f} {r['dump']:>6.2f}"
            )
        growth = rows[20_000]["deps"] / rows[10_000]["deps"]
        print(f"20k/10k deps: {growth:.2f} (2.00 is linear)")


if __name__ == "__main__":
    main()
