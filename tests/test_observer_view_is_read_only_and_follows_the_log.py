"""The observers' view: a page on 127.0.0.1 built from the event log alone, refreshing
itself, with no control of any kind; it follows the exercise as the log grows and links the
report once there is one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bookstore_resil.archive.events import read_events
from bookstore_resil.errors import UsageError
from bookstore_resil.exercise import observe
from bookstore_resil.exercise.observe import in_background, url_of
from bookstore_resil.report.document import load_report

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
CONTROLS = {"button", "input", "form", "select", "textarea", "script"}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.links += [value for name, value in attrs if name == "href"]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@pytest.fixture
def served(tmp_path):
    """The aborted API exercise, its log growing from the start: (archive, url)."""
    lines = (FIXTURES / "api-aborted" / "events.jsonl").read_text().splitlines()
    archive = tmp_path / "api-aborted"
    archive.mkdir()
    (archive / "events.jsonl").write_text(lines[0] + "\n")
    server = in_background(archive)
    try:
        yield archive, url_of(server), lines
    finally:
        server.shutdown()
        server.server_close()


def test_the_page_follows_the_log_and_has_no_controls(served):
    archive, url, lines = served
    assert url.startswith("http://127.0.0.1:")
    first = get(url)
    assert "READY" in first and "Not started" in first
    assert '<meta http-equiv="refresh"' in first
    with open(archive / "events.jsonl", "a") as log:
        log.write("\n".join(lines[1:]) + "\n")
    later = get(url)
    assert "HALTED" in later and "ABORTED" in later
    assert "verify-instance" in later and "api DOWN" in later
    for page in (first, later):
        tags = Tags()
        tags.feed(page)
        assert not CONTROLS & set(tags.tags), "observers get no controls"
        assert not any(link.startswith(("http", "//")) for link in tags.links)


def test_the_report_is_linked_once_written_and_nothing_else_is_served(served):
    archive, url, lines = served
    (archive / "events.jsonl").write_text("\n".join(lines) + "\n")
    assert "report.html" not in get(url)
    assert '<meta http-equiv="refresh"' in get(url)  # over, but its report still to come
    (archive / "report.html").write_text("<html><body>the report</body></html>")
    final = get(url)
    assert 'href="report.html"' in final
    # Over and reported, nothing changes any more: a full-page screenshot of a page that
    # reloaded every 2 s never finished on a loaded machine (the browser test).
    assert "http-equiv" not in final and "the exercise is over" in final
    time.sleep(1.1)  # its clock reads HH:MM:SS: stopped at the end, it reads the same later
    assert get(url) == final
    assert "the report" in get(url + "report.html")
    for path in ("events.jsonl", "../api-aborted/events.jsonl", "summary.json"):
        with pytest.raises(urllib.error.HTTPError) as error:
            get(url + path)
        assert error.value.code == 404


def test_the_briefing_and_what_people_wrote_are_shown(served):
    archive, url, lines = served
    extra = [
        {
            "ts": "2024-04-16T10:00:01Z",
            "type": "briefing",
            "hypothesis": "api back in 15min",
            "expect_downtime_s": 900,
            "expect_data_loss_s": 0,
            "coordinator": "Christina",
            "scribe": "Alice",
            "observers": ["Bob"],
        },
        {
            "ts": "2024-04-16T10:00:03Z",
            "type": "observation",
            "text": "the 502s started",
            "author": "Alice",
            "step": "verify-instance",
        },
    ]
    (archive / "events.jsonl").write_text(
        "\n".join([lines[0], *map(json.dumps, extra), *lines[1:]]) + "\n"
    )
    page = get(url)
    assert "api back in 15min" in page
    assert "the 502s started" in page and "Alice" in page


def test_observers_read_the_verdict_the_panel_and_the_report_give(tmp_path):
    # The same top actions with the same owners: the findings come from the recorded system
    # (its dependency analysis and its contacts), not from the log alone.
    archive = tmp_path / "api-passed"
    shutil.copytree(FIXTURES / "api-passed", archive)
    top_actions = re.compile(r"Top actions.*?</ol>", re.S)
    reported = top_actions.search(load_report(archive).headline().html).group()
    observed = top_actions.search(observe.page(read_events(archive / "events.jsonl").events))
    assert observed.group() == reported
    assert "no owner yet" not in reported and reported.count("<li>") == 3


def test_a_folder_without_a_log_is_refused(tmp_path):
    with pytest.raises(UsageError, match="not an exercise"):
        in_background(tmp_path)


def test_bookstore_resil_watch_says_where_it_listens_and_serves_until_stopped(tmp_path):
    archive = shutil.copytree(FIXTURES / "api-aborted", tmp_path / "api-aborted")
    command = [sys.executable, "-m", "bookstore_resil.cli", "watch", str(archive), "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        while not lines or lines[-1] != "}":
            lines.append(process.stdout.readline().rstrip("\n"))
        document = json.loads("\n".join(lines))
        assert document["archive"] == str(archive)
        assert "ABORTED" in get(document["url"])
    finally:
        process.terminate()
        process.wait(10)
