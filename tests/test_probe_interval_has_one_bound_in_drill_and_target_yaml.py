"""``drill --probe-interval`` and ``target.yaml``'s ``interval`` have one bound, from a
millisecond to under a day: ``--probe-interval 1e-9`` was accepted (the probes spun) while
``target.yaml`` refused anything under 1 ms, and ``interval: 1d`` was read while the drill
refused a day."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.define.target_file import load_target_file
from bookstore_resil.errors import DefinitionError, UsageError
from bookstore_resil.exercise.watch import Options

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"
INTERVALS = {
    "1e-9s": ("0.000000001s", 1e-9),
    "0.5ms": ("0.5ms", 0.0005),
    "1ms": ("1ms", 0.001),
    "100ms": ("100ms", 0.1),
    "23h": ("23h", 82800.0),
    "1d": ("1d", 86400.0),
    "2d": ("2d", 172800.0),
}


def read_by_target_yaml(folder: Path, interval: str) -> bool:
    folder.mkdir()
    (folder / "target.yaml").write_text(
        f"environment: lab\ninterval: {interval}\nprobes:\n  - {{name: app, run: 'true'}}\n"
    )
    try:
        load_target_file(folder)
    except DefinitionError:
        return False
    return True


def taken_by_drill(seconds: float) -> bool:
    try:
        Options(probe_interval_s=seconds)
    except UsageError:
        return False
    return True


@pytest.mark.parametrize("name", INTERVALS)
def test_drill_and_target_yaml_take_the_same_intervals(tmp_path: Path, name: str):
    written, seconds = INTERVALS[name]
    taken = taken_by_drill(seconds)
    assert read_by_target_yaml(tmp_path / "system", written) is taken
    assert taken is (0.001 <= seconds < 86400)


def test_a_nanosecond_probe_interval_stops_the_drill_before_the_target(tmp_path: Path, capsys):
    argv = ["drill", "api-failure", "--data", str(DATA), "--out", str(tmp_path / "reports")]
    assert main([*argv, "--state", str(tmp_path / "no-lab"), "--probe-interval", "1e-9"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "bookstore-resil: error: probe_interval_s: a probe interval is from 1ms to under a day,"
        " not 1e-09"
    ]
