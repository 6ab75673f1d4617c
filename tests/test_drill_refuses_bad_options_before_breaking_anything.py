"""``drill`` refuses what it cannot use before it touches the target: a probe interval that
is not a positive number of seconds, an ``--out`` it cannot write into. One line each."""

from __future__ import annotations

import pytest

from bookstore_resil.cli import main
from bookstore_resil.errors import UsageError
from bookstore_resil.exercise import drill as drill_module


@pytest.mark.parametrize("interval", ["-1", "0", "nan", "inf", "soon"])
def test_a_probe_interval_that_is_not_positive_seconds_is_a_usage_error(tmp_path, capsys, interval):
    with pytest.raises(SystemExit) as exited:
        main(["drill", "api-failure", f"--probe-interval={interval}", "--out", str(tmp_path)])
    assert exited.value.code == 2
    assert "--probe-interval" in capsys.readouterr().err.splitlines()[-1]
    assert list(tmp_path.iterdir()) == []


def test_the_drill_function_checks_the_interval_before_the_target(monkeypatch, tmp_path):
    def no_target(*args, **kwargs):
        raise AssertionError("the target was built")

    monkeypatch.setattr(drill_module, "build_target", no_target)
    with pytest.raises(UsageError, match="probe_interval"):
        drill_module.drill("api-failure", probe_interval=-1, out_dir=tmp_path)


def test_an_out_that_is_a_file_is_one_line_and_no_fault(lab, tmp_path, capsys):
    out = tmp_path / "reports"
    out.write_text("a file, not a folder\n")
    faults = lab.faults_file.read_text() if lab.faults_file.exists() else ""
    argv = ["drill", "api-failure", "--out", str(out), "--state", str(lab.root)]
    assert main(argv) == 1
    [line] = [text for text in capsys.readouterr().err.splitlines() if "drill:" not in text]
    assert line.startswith("bookstore-resil: error: ") and str(out) in line
    assert (lab.faults_file.read_text() if lab.faults_file.exists() else "") == faults
