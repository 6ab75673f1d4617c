"""A drill starts the game day's kernel before it checks the target, so the kernel boots
and imports the exercise's code while the health check runs (and papermill loads the
notebook), not after; a drill the check stops leaves no kernel behind."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from bookstore_resil.cli import main
from bookstore_resil.errors import TargetError
from bookstore_resil.lab.target import LabTarget

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


def kernels() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # gone, or a zombie an earlier test left
            pass
    return found


def test_the_kernel_is_up_during_the_health_check_and_gone_after(tmp_path, capsys, monkeypatch):
    seen: list[list[psutil.Process]] = []

    def check_ready(_self: LabTarget) -> None:
        seen.append(kernels())
        raise TargetError("lab", "not healthy: api (run 'bookstore-resil lab up')")

    monkeypatch.setattr(LabTarget, "lock_file", lambda _self: tmp_path / "exercise.lock")
    monkeypatch.setattr(LabTarget, "check_ready", check_ready)
    argv = ["drill", "api-failure", "--data", str(DATA), "--out", str(tmp_path / "reports")]
    assert main([*argv, "--state", str(tmp_path / "lab"), "--execute"]) == 1
    assert "not healthy: api" in capsys.readouterr().err.strip().splitlines()[-1]

    assert len(seen) == 1 and len(seen[0]) == 1, "one kernel, started before the check"
    [kernel] = seen[0]
    with pytest.raises(psutil.NoSuchProcess):
        kernel.status()  # killed and reaped when the check stopped the drill
    assert kernels() == []
    assert not (tmp_path / "reports").exists()  # a refused drill creates nothing
