"""A game day posts in the team's channel through Apprise (``announce:`` of target.yaml or
of notebook 02): started (scenario, fault, RTO deadline, coordinator), halted (why),
finished (the verdict, downtime, data loss, the report's path). A post that fails is a
warning in the panel and the log, the URL's secret masked, and the exercise goes on. The
receiver is a local HTTP server (``json://127.0.0.1:PORT``) started by the test."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.exercise.announce import announce
from bookstore_resil.exercise.widgets import GameDayPanel
from tests.announce_receiver import receiver
from tests.guestbook import Guestbook, running_guestbook
from tests.memory_target import MemoryTarget, opened_by_hand
from tests.waits import QUICK_WAIT_FLAGS

SECRET = "hunter2-not-for-the-log"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the test posts to it


@pytest.mark.waits
def test_the_panel_announces_start_and_halt_and_a_failed_post_is_a_warning(tmp_path, caplog):
    dead = f"json://alice:{SECRET}@127.0.0.1:{closed_port()}/hook"
    with receiver() as chat:
        exercise = opened_by_hand(MemoryTarget(tmp_path), "api-failure", "announced")
        announcer = announce(exercise, [chat.url, dead])
        panel = GameDayPanel(exercise, clock_interval_s=0.2, announcer=announcer)
        panel.briefing.coordinator.value = "Christina"
        with caplog.at_level(logging.WARNING, logger="bookstore_resil"):
            panel.start.click()
            panel.confirm.click()
            panel.wait()
            announcer.flush(30)
            assert exercise.fault_at is not None and not exercise.finished  # it went on
            assert "not posted" in panel.message.value and SECRET not in panel.message.value
            panel.halt_reason.value = "the host is needed back"
            panel.halt_now.click()
            panel.wait()
            announcer.flush(30)
        assert chat.titles() == [
            "Game day started: Bookstore API Failure",
            "Game day halted: Bookstore API Failure",
            "Game day finished: Bookstore API Failure: aborted",
        ]
        start = chat.posts[0]["message"]
        assert "api-failure" in start and "Coordinator: Christina" in start
        assert "RTO 12h: deadline" in start and "Fault: api-instance-lost" in start
        assert "the host is needed back" in chat.posts[1]["message"]
        assert (
            f"Report: {exercise.archive_dir.absolute() / 'report.html'}" in chat.posts[2]["message"]
        )
    warned = [r.getMessage() for r in caplog.records if "not posted" in r.getMessage()]
    assert len(warned) == 3 and not any(SECRET in line for line in warned)


@pytest.fixture
def guestbook(tmp_path: Path) -> Iterator[Guestbook]:
    yield from running_guestbook(tmp_path)


@pytest.mark.slow  # a real service and a notebook kernel
def test_a_drill_with_announce_posts_its_start_and_its_verdict(guestbook, tmp_path, capsys):
    out = tmp_path / "reports"
    with receiver() as chat:
        target = guestbook.folder / "target.yaml"
        target.write_text(target.read_text() + f"announce:\n  - {chat.url}\n")
        argv = ["drill", "web-crash", "--data", str(guestbook.folder), "--out", str(out)]
        assert main([*argv, *QUICK_WAIT_FLAGS, "--no-report", "--execute"]) == 0, (
            capsys.readouterr().err
        )
        titles = chat.titles()
    assert [t.split(":")[0] for t in titles] == ["Game day started", "Game day finished"]
    assert titles[1].endswith(": passed")
    start, finish = (post["message"] for post in chat.posts)
    assert "web-crash" in start and "Fault: web-killed" in start and "deadline" in start
    assert finish.startswith("PASSED: ") and "RTO " in finish and "Report: " in finish
