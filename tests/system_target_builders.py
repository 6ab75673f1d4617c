"""A system folder holding only a ``target.yaml``, for tests of the system target's driver."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from bookstore_resil.targets.system import SystemTarget


def system_target(folder: Path, **sections: object) -> SystemTarget:
    """The system target of ``folder`` with a ``target.yaml`` of ``sections`` (a probe that
    is always up unless ``probes`` is given)."""
    document = {"environment": "test", "probes": [{"name": "app", "run": "true"}], **sections}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "target.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return SystemTarget(folder)


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting for its parent does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def pids_in(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def kill_quietly(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
