"""How a benchmark reports a figure: one line with the figure, its floor measured in the same
run (what any implementation pays at least, or the measurement's own resolution), its target,
and whether the target is met, so ``make benchmarks`` reads as one table."""

from __future__ import annotations


def figure(what: str, value: str, floor: str, target: str, met: bool | None) -> None:
    """Print one figure; ``met`` None: no target, printed for the record."""
    verdict = {True: "met", False: "MISSED", None: "-"}[met]
    print(f"{what:<40} {value:>16}  floor {floor:<36}  target {target:<9} {verdict}", flush=True)
