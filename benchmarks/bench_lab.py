"""Benchmarks of the lab and of the prober: ``python benchmarks/bench_lab.py``.

1. ``lab up`` from nothing (cold), three times, against its floor measured in the same run:
   the database's chain alone (initdb, start, create, migrate, first snapshot), which
   ``lab up`` runs while the other components start beside it. Then ``lab up`` on a
   running lab (warm). Target: cold under 2.5 s.
2. Accuracy: the API is killed (at a random phase of the probe beat), and restarted by
   the benchmark exactly N seconds later (N = 2 and 5; 10 too with ``--full``). The true
   outage runs from the kill to the first answer of a reference poller (every 5 ms, started
   at the restart); the Prober (every 0.1 s) measures it too. Target: |error| <= 0.25 s;
   the floor is one probe interval, the sampler's own resolution.
3. Cost: the Prober's lab probes (api, database, cdn, users) every 0.1 s for 5 s, as CPU %
   of one core (the probe threads' own CPU time), against its floor: the same number of
   checks made back to back in one thread. Target: under 5 %.

One line a figure, with its floor and its target. ``--full`` also runs a 10 s outage and
prints each outage, a warm ``lab up`` and the canary writer's cost. Asserts nothing. Starts
its own lab in a temp folder and removes it.

    .venv/bin/python benchmarks/bench_lab.py [--outages 2,5] [--interval 0.1] [--full]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from figures import figure

from bookstore_resil.archive.measure import DEFAULT_SUSTAIN_S as SUSTAIN_S
from bookstore_resil.exercise.probes import CanaryWriter, Prober
from bookstore_resil.lab import api, lifecycle, postgres, snapshots
from bookstore_resil.lab.checks import api_root_ok
from bookstore_resil.lab.http import http_get
from bookstore_resil.lab.state import Lab
from bookstore_resil.lab.target import LabTarget


def quiet(line: str) -> None:
    pass


def database_chain_s(root: Path) -> float:
    """The floor of a cold ``lab up``: its database chain alone, in a lab of its own."""
    lab = Lab.at(root)
    with lab.locked():
        lab.prepare()
        bin_dir = postgres.find_bin_dir()
        api.build_release(lab)
        started = time.perf_counter()
        cluster = postgres.create(lab, bin_dir)
        postgres.start(lab, cluster, bin_dir)
        lab.set_record("db", cluster.address)
        postgres.create_database(lab, cluster)
        api.manage(lab, "migrate", "--noinput")
        snapshots.take(lab, bin_dir)
        elapsed = time.perf_counter() - started
    lifecycle.down(lab, purge=True, progress=quiet)
    return elapsed


def bench_up(lab: Lab, full: bool, rounds: int = 3) -> None:
    floors, colds = [], []
    for round_ in range(rounds):
        floors.append(database_chain_s(lab.root.parent / f"floor-{round_}"))
        cold = Lab.at(lab.root.parent / f"cold-{round_}")
        started = time.perf_counter()
        lifecycle.up(cold, progress=quiet)
        colds.append(time.perf_counter() - started)
        lifecycle.down(cold, purge=True, progress=quiet)
    lifecycle.up(lab, progress=quiet)
    started = time.perf_counter()
    lifecycle.up(lab, progress=quiet)
    warm = time.perf_counter() - started
    cold, floor = statistics.median(colds), statistics.median(floors)
    ratio = statistics.median(c / f for c, f in zip(colds, floors, strict=True))
    figure(
        f"lab up cold, median of {rounds}",
        f"{cold:.2f} s = {ratio:.2f}x",
        f"{floor:.2f} s (the database chain alone)",
        "< 2.5 s",
        cold < 2.5,
    )
    if full:
        print(f"lab up warm (already up): {warm:.2f} s")


def reference_recovery(url: str, stop: threading.Event) -> float:
    """Epoch time of the first good answer, polling every 5 ms."""
    while not stop.is_set():
        if api_root_ok(http_get(url)):
            return time.time()
        time.sleep(0.005)
    return float("nan")


def bench_outage(lab: Lab, seconds: float, interval_s: float, full: bool) -> float:
    target = LabTarget(lab.root)
    url = lifecycle.status(lab).components[0].endpoint
    prober = Prober(target.probes(), interval_s=interval_s).start()
    # At a random phase of the probes' beat, as a real fault would come.
    time.sleep(1.0 + random.uniform(0, interval_s))
    killed = time.time()
    target.inject_fault("api-crash")
    time.sleep(max(0.0, killed + seconds - time.time()))
    stop = threading.Event()
    restart = threading.Thread(target=target.run_action, args=("restart_app", {}, 60))
    restart.start()
    recovered = reference_recovery(url, stop)
    restart.join()
    time.sleep(SUSTAIN_S + 1.0)  # observe long enough to see the recovery hold
    prober.stop()
    true_s = recovered - killed
    # Measured as an exercise measures it: first failed sample to a good one that holds.
    outage = prober.outage("api", after=killed, sustain_s=SUSTAIN_S)
    measured_s = outage.duration_s if outage else 0.0
    error = measured_s - true_s
    if not full:
        return error
    print(
        f"outage N={seconds:>4.1f} s: true {true_s:6.3f} s (restart took "
        f"{true_s - seconds:.3f} s), measured {measured_s:6.3f} s, error {error:+.3f} s"
    )
    return error


def bench_cost(lab: Lab, seconds: float, interval_s: float, full: bool) -> None:
    target = LabTarget(lab.root)
    wall = time.perf_counter()
    probes = target.probes()
    with Prober(probes, interval_s=interval_s) as prober:
        time.sleep(seconds)
    wall = time.perf_counter() - wall
    samples = prober.checks
    began = time.thread_time()
    for round_ in range(samples):
        probes[round_ % len(probes)].check()
    floor = time.thread_time() - began
    cost = 100 * prober.cpu_s / wall
    figure(
        f"prober cost, {len(probes)} probes every {interval_s:g} s",
        f"{cost:.2f} % of a core",
        f"{100 * floor / wall:.2f} % (its {samples} checks back to back)",
        "< 5 %",
        cost < 5,
    )
    if not full:
        return
    wall = time.perf_counter()
    with CanaryWriter(target.canary(), interval_s=0.5) as writer:
        time.sleep(seconds)
    wall = time.perf_counter() - wall
    print(f"canary writer cost: {100 * writer.cpu_s / wall:.2f} % of a core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outages", default="2,5", help="outage lengths, seconds")
    parser.add_argument("--interval", type=float, default=0.1, help="probe interval, seconds")
    parser.add_argument("--full", action="store_true", help="a 10 s outage too, and details")
    args = parser.parse_args()
    outages = [float(n) for n in args.outages.split(",")] + ([10.0] if args.full else [])
    folder = Path(tempfile.mkdtemp(prefix="bench-lab-"))
    lab = Lab.at(folder / "lab")
    try:
        bench_up(lab, args.full)
        errors = [bench_outage(lab, n, args.interval, args.full) for n in outages]
        worst = max(abs(e) for e in errors)
        figure(
            f"outage error, worst of {len(outages)} ({', '.join(f'{n:g}' for n in outages)} s)",
            f"{worst:.3f} s",
            f"{args.interval:g} s (one probe interval)",
            "<= 0.25 s",
            worst <= 0.25,
        )
        bench_cost(lab, 5.0, args.interval, args.full)
    finally:
        lifecycle.down(lab, purge=True, progress=quiet)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
