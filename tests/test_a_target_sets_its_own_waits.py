"""The exercise's waits (every probe up ``baseline`` before the fault; at the end, up
``sustain`` in a row, waiting at most ``recovery_wait``) are the target's: target.yaml's for
a team's system, options for any driver, ``drill --baseline/--sustain/--recovery-wait`` for
one drill. What the kernel's driver is built from carries them, and the archive records
the waits the exercise used."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil.archive import events as ev
from bookstore_resil.cli import main
from bookstore_resil.clock import parse_ts
from bookstore_resil.errors import UsageError
from bookstore_resil.lab.target import LabTarget
from bookstore_resil.targets import Target, get_target
from bookstore_resil.targets.system import SystemTarget
from tests.guestbook import GUESTBOOK, Guestbook, running_guestbook

WAITS = ("baseline_s", "sustain_s", "recovery_wait_s")


def guestbook_with(tmp_path: Path, lines: str) -> Path:
    folder = tmp_path / "guestbook"
    shutil.copytree(GUESTBOOK, folder, ignore=shutil.ignore_patterns("run"))
    target = folder / "target.yaml"
    target.write_text(target.read_text().replace("interval: 0.1s\n", f"interval: 0.1s\n{lines}"))
    return folder


def waits(target: Target) -> tuple[float, ...]:
    return tuple(getattr(target, name) for name in WAITS)


def test_without_settings_every_driver_keeps_the_waits_every_exercise_had(tmp_path):
    defaults = (Target.baseline_s, Target.sustain_s, Target.recovery_wait_s)
    assert defaults == (2.0, 1.0, 30.0)
    assert waits(SystemTarget(guestbook_with(tmp_path, ""))) == defaults
    assert waits(LabTarget(tmp_path / "lab")) == defaults


def test_target_yaml_sets_the_system_targets_waits_and_an_option_wins(tmp_path):
    folder = guestbook_with(tmp_path, "baseline: 300ms\nsustain: 0.4s\nrecovery_wait: 1min\n")
    assert waits(SystemTarget(folder)) == (0.3, 0.4, 60.0)

    given = SystemTarget(folder, sustain_s=0.7)
    assert waits(given) == (0.3, 0.7, 60.0)
    # The kernel's driver is built again from the options: the same waits.
    assert waits(get_target("system", **given.options())) == (0.3, 0.7, 60.0)


@pytest.mark.parametrize("value", [0, -1, "soon", 86400])
def test_a_wait_given_as_an_option_is_checked_when_the_driver_is_built(tmp_path, value):
    with pytest.raises(UsageError, match="baseline_s: seconds above 0 and under a day"):
        LabTarget(tmp_path / "lab", baseline_s=value)


@pytest.mark.parametrize("flag", ["--baseline", "--sustain", "--recovery-wait"])
def test_a_bad_wait_on_the_command_line_is_exit_2_before_the_target(tmp_path, capsys, flag):
    argv = ["drill", "api-failure", "--state", str(tmp_path / "no-lab"), flag, "-2"]
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: expected a positive number of seconds, got '-2'" in err
    assert not (tmp_path / "no-lab").exists()


@pytest.fixture
def guestbook(tmp_path: Path) -> Iterator[Guestbook]:
    yield from running_guestbook(tmp_path)


@pytest.mark.slow  # a real service and a notebook kernel
@pytest.mark.waits
def test_a_drill_waits_and_records_the_waits_given_on_its_command_line(guestbook, tmp_path, capsys):
    out = tmp_path / "reports"
    argv = ["drill", "web-crash", "--data", str(guestbook.folder), "--out", str(out)]
    argv += ["--baseline", "0.3", "--sustain", "0.4", "--no-report", "--execute"]
    assert main(argv) == 0, capsys.readouterr().err

    [archive] = out.iterdir()
    events = ev.read_events(archive / "events.jsonl").events
    start = events[0]
    assert (start["baseline_s"], start["sustain_s"]) == (0.3, 0.4)
    first_probe = min(parse_ts(e["at"]) for e in events if e["type"] == ev.PROBE)
    [fault] = [e for e in events if e["type"] == ev.FAULT]
    baseline = (parse_ts(fault["at"]) - first_probe).total_seconds()
    assert 0.3 <= baseline < Target.baseline_s, baseline
