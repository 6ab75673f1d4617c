"""Memory over a long game day: ``python benchmarks/bench_long_exercise.py``.

An 8-hour exercise with six probes every 0.1 s is 1,728,000 probe samples, and its canary
every 0.5 s 57,600 writes. This runs those numbers of samples and writes through an
exercise's :class:`~bookstore_resil.exercise.watch.Watch` (its Prober and CanaryWriter, each
state change and write recorded into an event log on disk) at a short interval, against
in-process probes and a canary (a memory target: no network), each probe down for 30 s of
every simulated 10 minutes, and prints how much the process's resident memory (RSS) grew.
The floor is the same checks and writes made by bare threads that keep nothing. Target: at
most 10 MB, whatever the length.

    .venv/bin/python benchmarks/bench_long_exercise.py [--hours 8] [--probes 6] [--detail]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import psutil
from figures import figure

from bookstore_resil.archive.events import EventLog
from bookstore_resil.clock import ExerciseClock
from bookstore_resil.exercise.watch import Watch
from bookstore_resil.targets.base import Canary, Probe, Target

PROBE_INTERVAL_S = 0.1
CANARY_INTERVAL_S = 0.5
# Every simulated 10 minutes each probe is down for 30 s: an exercise's outages.
PERIOD, DOWN = int(600 / PROBE_INTERVAL_S), int(30 / PROBE_INTERVAL_S)
TARGET_MB = 10.0
MB = 1024 * 1024


class Counted:
    """A probe or a canary that answers ``total`` times as a flapping service would; then
    ``done`` is set, and the next call waits for ``release`` (its thread then costs no CPU
    while the others catch up)."""

    release = threading.Event()

    def __init__(self, total: int):
        self.total = total
        self.calls = 0
        self.done = threading.Event()

    def __call__(self, *_args: object) -> bool:
        self.calls += 1
        if self.calls == self.total:
            self.done.set()
        elif self.calls > self.total:
            self.release.wait()
        return self.calls % PERIOD >= DOWN


class CountedCanary(Canary):
    run_id = "bench"

    def __init__(self, total: int):
        self.answer = Counted(total)

    def write(self, seq: int) -> bool:
        return self.answer(seq)

    def surviving(self) -> set[int] | None:
        return None

    def recovery_point(self, before: datetime) -> datetime | None:
        return None


class CountedTarget(Target):
    """``probes`` probes and a canary that each answer their count, then stay up."""

    name = "memory"
    environment = "lab"

    def __init__(self, probes: int, samples: int, writes: int):
        self.answers = [Counted(samples) for _ in range(probes)]
        self.the_canary = CountedCanary(writes)

    def probes(self) -> list[Probe]:
        return [Probe(f"svc-{i}", "memory", answer) for i, answer in enumerate(self.answers)]

    def canary(self, run_id: str | None = None) -> Canary | None:
        return self.the_canary

    def options(self) -> dict:
        return {}

    def check_ready(self) -> None:
        pass

    def inject_fault(self, fault: str):  # noqa: ANN201 -- never called here
        raise NotImplementedError

    def run_action(self, name: str, args: dict, timeout_s: float):  # noqa: ANN201
        raise NotImplementedError


def rss() -> int:
    return psutil.Process().memory_info().rss


def floor_growth(target: CountedTarget) -> int:
    """RSS growth of bare threads that make the same calls and keep nothing."""
    before = rss()

    def call(answer: Counted) -> None:
        for _ in range(answer.total):
            answer()

    threads = [
        threading.Thread(target=call, args=(answer,))
        for answer in [*target.answers, target.the_canary.answer]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rss() - before


def watch_growth(target: CountedTarget, folder: Path, speedup: float) -> tuple[int, float]:
    """RSS growth of a Watch that makes every sample and write, and the seconds it took."""
    log = EventLog(folder / "events.jsonl")
    clock = ExerciseClock.start()
    watch = Watch(
        target,
        PROBE_INTERVAL_S / speedup,
        CANARY_INTERVAL_S / speedup,
        lambda type, **fields: log.append(type, **fields),
        clock,
    )
    before = rss()
    began = time.perf_counter()
    watch.start()
    for answer in [*target.answers, target.the_canary.answer]:
        answer.done.wait()
    took = time.perf_counter() - began
    grown = rss() - before
    Counted.release.set()
    watch.stop()
    log.close()
    return grown, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--probes", type=int, default=6)
    parser.add_argument("--speedup", type=float, default=1e5, help="time compression")
    parser.add_argument("--detail", action="store_true", help="how many, in how long")
    args = parser.parse_args()
    samples = int(args.hours * 3600 / PROBE_INTERVAL_S)
    writes = int(args.hours * 3600 / CANARY_INTERVAL_S)
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as folder:
        floor = floor_growth(CountedTarget(args.probes, samples, writes))
        grown, took = watch_growth(
            CountedTarget(args.probes, samples, writes), Path(folder), args.speedup
        )
    figure(
        f"memory over {args.hours:g} h, {args.probes} probes",
        f"RSS +{grown / MB:.1f} MB",
        f"{floor / MB:.1f} MB (the same calls, nothing kept)",
        f"<= {TARGET_MB:g} MB",
        grown / MB <= TARGET_MB,
    )
    if args.detail:
        print(f"  {args.probes * samples:,} samples and {writes:,} canary writes in {took:.0f} s")


if __name__ == "__main__":
    main()
