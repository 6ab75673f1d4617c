"""A drill has its report's charts drawn (some by the report's kernel, the others by a
thread of its own) as soon as the game day has written its summary, while the game-day
notebook still ends; the report built next does not draw them again for the same event
log, and draws them again when the log grew since (a notebook that failed after the
summary adds an error event)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bookstore_resil.archive import layout
from bookstore_resil.report.build import KERNEL_CHARTS, OUR_CHARTS, KernelAhead

FIXTURE = Path(__file__).parent / "fixtures" / "archives" / "database-data-loss"


class Client:
    def __init__(self, asked: list[str]):
        self.asked = asked

    def start_channels(self, **_: bool) -> None:
        pass

    def execute(self, code: str, **_: Any) -> None:
        self.asked.append(code)


class Kernel:
    """What KernelAhead asks of a kernel: a client to send it code."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def client(self) -> Client:
        return Client(self.asked)


def test_the_charts_are_asked_for_once_until_the_log_grows(tmp_path):
    archive = shutil.copytree(FIXTURE, tmp_path / "archive")
    kernel = Kernel()
    ahead = KernelAhead(kernel, archive)

    ahead.draw_charts()  # the game day's summary is written
    ahead.draw_charts()  # another line printed
    ours = ahead.charts()  # the report is built
    assert len(kernel.asked) == 1
    assert str(archive) in kernel.asked[0] and repr(KERNEL_CHARTS) in kernel.asked[0]
    assert [path.stem for path in ours] == list(OUR_CHARTS)
    drawn = {path: path.stat().st_mtime_ns for path in ours}

    with layout.events_path(archive).open("a") as log:
        log.write('{"ts": "2026-01-01T00:00:00Z", "type": "error", "message": "late"}\n')
    assert ahead.charts() == ours
    assert len(kernel.asked) == 2, "the kernel's drawn again from the log as it is now"
    assert all(path.stat().st_mtime_ns != was for path, was in drawn.items()), "and ours"
