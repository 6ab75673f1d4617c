"""A drill starts its report's kernel once the game day prints its first line (the exercise
is open, the baseline being measured), not beside the game day's own kernel, whose boot and
imports it held back; once the game day has written its summary, the charts are drawn while
the game-day notebook ends. What fails there never fails the game day: the report does it
again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from bookstore_resil.archive import layout
from bookstore_resil.errors import ReportError
from bookstore_resil.exercise import drill


class Kernel:
    def __init__(self) -> None:
        self.drawn = 0

    def draw_charts(self) -> None:
        self.drawn += 1


def test_the_kernel_starts_at_the_first_line_and_draws_after_the_summary(tmp_path, monkeypatch):
    started: list[Path] = []
    kernel = Kernel()

    @contextmanager
    def report_kernel(archive: Path, _opened: object) -> Iterator[Kernel]:
        started.append(archive)
        yield kernel

    monkeypatch.setattr(drill, "report_kernel", report_kernel)
    with ExitStack() as stack:
        ahead = drill._ReportAhead(stack, tmp_path)
        assert started == [] and ahead.kernel is None, "nothing before the game day is open"
        ahead.printed()  # exercise ...: the exercise is open
        assert started == [tmp_path] and ahead.kernel is kernel and ahead.opened.is_set()
        ahead.printed()  # a step
        assert kernel.drawn == 0
        layout.summary_path(tmp_path).write_text("{}")
        ahead.printed()  # the outcome, after the summary
        assert kernel.drawn == 1 and started == [tmp_path]


@pytest.mark.parametrize("fails", ["start", "draw"])
def test_what_fails_ahead_does_not_fail_the_game_day(tmp_path, monkeypatch, fails):
    class Failing(Kernel):
        def draw_charts(self) -> None:
            raise OSError("no room left")

    @contextmanager
    def report_kernel(archive: Path, _opened: object) -> Iterator[Kernel]:
        if fails == "start":
            raise ReportError(str(archive), "no Jupyter kernel 'python3'")
        yield Failing()

    monkeypatch.setattr(drill, "report_kernel", report_kernel)
    layout.summary_path(tmp_path).write_text("{}")
    with ExitStack() as stack:
        ahead = drill._ReportAhead(stack, tmp_path)
        ahead.printed()
        ahead.printed()
    assert (ahead.kernel is None) == (fails == "start")
