"""``lab status`` tells health by its exit status (a script can wait on it), and ``lab
down`` on a state folder that does not exist (a typo) creates nothing."""

from __future__ import annotations

import json

import pytest

from bookstore_resil.cli import main


def test_status_exits_1_when_a_component_is_down(lab, lab_target, capsys):
    lab_target.inject_fault("cdn-objects-removed")
    capsys.readouterr()
    assert main(["lab", "status", "--json", "--state", str(lab.root)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["healthy"] is False
    cdn = next(c for c in document["components"] if c["name"] == "cdn")
    assert not cdn["healthy"] and "HTTP 404" in cdn["detail"]  # why it is down
    assert main(["lab", "status", "--state", str(lab.root)]) == 1
    assert "NOT healthy" in capsys.readouterr().out


def test_status_exits_0_when_healthy(lab, capsys):
    assert main(["lab", "status", "--state", str(lab.root)]) == 0


def test_status_of_no_lab_exits_1_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "no-such-lab"
    assert main(["lab", "status", "--json", "--state", str(missing)]) == 1
    assert json.loads(capsys.readouterr().out)["exists"] is False
    assert not missing.exists()


def test_down_on_a_missing_state_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "typo" / "lab"
    assert main(["lab", "down", "--state", str(missing)]) == 0
    assert main(["lab", "down", "--purge", "--state", str(missing)]) == 0
    assert "nothing to stop" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_non_positive_intervals_are_refused_before_anything_runs(tmp_path, capsys):
    for argv in (
        ["lab", "up", "--snapshot-interval", "0", "--state", str(tmp_path / "lab")],
        ["lab", "action", "http_check", "--timeout", "-1", "--state", str(tmp_path / "lab")],
    ):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
        assert "positive number of seconds" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
