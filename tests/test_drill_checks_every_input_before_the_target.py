"""Every input of a drill is checked before the target is touched, so a bad one is exit 2
in one line and no fault is injected: the probe interval, the ``--out`` folder, the fault's
name, an archive that exists, the responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookstore_resil.cli import main

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


def drill(tmp_path: Path, *extra: str, out: Path | None = None) -> list[str]:
    out = out or tmp_path / "reports"
    return [
        "drill", "api-failure", "--data", str(DATA), "--out", str(out),
        "--state", str(tmp_path / "no-lab"), *extra,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--probe-interval=-1"], "probe_interval_s: seconds above 0"),
        (["--probe-interval=0"], "probe_interval_s: seconds above 0"),
        (["--probe-interval=nan"], "probe_interval_s: seconds above 0"),
        (["--fault", "meteor-strike"], "--fault 'meteor-strike': not a fault of target lab"),
        (["--response", "ssh=ok"], "--response names no step of api-failure"),
    ],
    ids=["negative-interval", "zero-interval", "nan-interval", "unknown-fault", "bad-response"],
)
def test_a_bad_option_is_refused_before_the_target(tmp_path, capsys, extra, message):
    assert main(drill(tmp_path, *extra)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_an_out_that_is_a_file_is_refused_before_the_target(tmp_path, capsys):
    out = tmp_path / "reports"
    out.write_text("not a folder")
    assert main(drill(tmp_path, out=out)) == 2
    assert main(drill(tmp_path, out=out / "inside")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(f"--out {out}" in line for line in err), err
    assert out.read_text() == "not a folder"


def test_an_existing_archive_is_refused_before_the_target(tmp_path, capsys):
    (tmp_path / "reports" / "taken").mkdir(parents=True)
    assert main(drill(tmp_path, "--exercise-id", "taken")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "archives are never overwritten" in err[0], err


def test_with_every_input_good_the_missing_lab_is_what_stops_it(tmp_path, capsys):
    assert main(drill(tmp_path)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert "no lab in" in err[-1]
    assert not (tmp_path / "reports").exists()  # a refused drill creates nothing
