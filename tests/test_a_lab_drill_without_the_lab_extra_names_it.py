"""A drill on the lab from an install without the ``[lab]`` extra says which extra to
install (exit 2), before anything else: before, it said "no lab: run 'bookstore-resil lab
up'", and ``lab up`` then named the extra. A drill on another target does not need it."""

from __future__ import annotations

import sys

import pytest

from bookstore_resil.cli import main
from tests.dependency_builders import BOOKSTORE
from tests.guestbook import GUESTBOOK

NAMED = "bookstore-resil: error: django is not installed: pip install 'bookstore-resil[lab]'"


@pytest.fixture
def without_the_lab_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "django", None)  # as a plain install has it


@pytest.mark.parametrize("target", [[], ["--target", "lab"]], ids=["default", "given"])
def test_a_lab_drill_names_the_missing_extra(target, without_the_lab_extra, tmp_path, capsys):
    argv = ["drill", "api-failure", "--data", str(BOOKSTORE), "--state", str(tmp_path / "lab")]
    assert main([*argv, *target, "--out", str(tmp_path / "reports"), "-q"]) == 2
    assert capsys.readouterr().err.strip() == NAMED
    assert list(tmp_path.iterdir()) == []


def test_a_system_drill_does_not_need_the_lab_extra(without_the_lab_extra, tmp_path, capsys):
    argv = ["drill", "web-crash", "--data", str(GUESTBOOK), "--fault", "no-such"]
    assert main([*argv, "--out", str(tmp_path / "reports"), "-q"]) == 2
    assert "--fault 'no-such': not a fault of target system" in capsys.readouterr().err
