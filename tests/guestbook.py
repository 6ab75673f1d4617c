"""The Guestbook example (data/guestbook) as tests use it: a copy on a free port, its
service really started, and stopped again whatever happened."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.system_target_builders import alive, kill_quietly, pids_in

GUESTBOOK = Path(__file__).parents[1] / "data" / "guestbook"
SHIPPED_PORT = "8765"


@dataclass(frozen=True)
class Guestbook:
    folder: Path
    port: int

    @property
    def run(self) -> Path:
        return self.folder / "run"

    def pid(self) -> int:
        return pids_in(self.run / "guestbook.pid")[0]

    def ready_at(self) -> float:
        """When the service last started listening (epoch seconds, its own clock)."""
        return float((self.run / "ready_at").read_text())

    def wait_for_backup(self, timeout_s: float = 30.0) -> None:
        """Until the service has taken its first backup (every 2 s, from its start)."""
        deadline = time.monotonic() + timeout_s
        while not (self.run / "backup.db").exists():
            assert time.monotonic() < deadline, f"no backup in {self.run} after {timeout_s} s"
            time.sleep(0.1)

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "guestbook.py", *args, "--port", str(self.port)],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=30,
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def running_guestbook(tmp_path: Path) -> Iterator[Guestbook]:
    """A copy of the example on a free port, started; every process it ran is stopped."""
    folder = tmp_path / "guestbook"
    shutil.copytree(GUESTBOOK, folder, ignore=shutil.ignore_patterns("run"))
    port = free_port()
    for path in [folder / "target.yaml", *(folder / "playbooks").glob("*.yaml")]:
        path.write_text(path.read_text().replace(SHIPPED_PORT, str(port)))
    book = Guestbook(folder, port)
    started = book.command("start")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield book
    finally:
        pid = book.pid()
        book.command("stop")
        if alive(pid):
            kill_quietly(pid)
