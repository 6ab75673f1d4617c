"""An archive's strings (titles, reasons, notes, authors, outputs) and a definition's names
are untrusted: the observer page, every section of the report and the game-day panel's
header show them as text, never as markup."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bookstore_resil import clock
from bookstore_resil.archive.events import read_events
from bookstore_resil.define.loader import load_system
from bookstore_resil.exercise import header, observe
from bookstore_resil.exercise.header import Back, Ending
from bookstore_resil.exercise.room import Hypothesis
from bookstore_resil.report.document import load_report

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "archives"
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SHOWN = "&lt;script&gt;alert("  # the text, escaped: shown, not dropped
SECTIONS = (
    "headline", "overview", "verdicts", "steps_table", "findings_table", "recommendations",
    "observations", "notifications", "dependencies",
)  # fmt: skip


def assert_escaped(page: str, where: str) -> None:
    assert "<script" not in page and "<img" not in page, f"{where}: markup from a string"
    assert SHOWN in page, f"{where}: the string is not shown"


@pytest.fixture
def evil_archive(tmp_path: Path) -> Path:
    """The aborted API exercise, its every free-text field ending in markup, with an
    observation and a briefing written by the same hand."""
    archive = shutil.copytree(FIXTURES / "api-aborted", tmp_path / "api-aborted")
    log = archive / "events.jsonl"
    events = [json.loads(line) for line in log.read_text().splitlines()]
    for event in events:
        for field in ("title", "reason", "text", "note", "by", "output", "error", "detail"):
            if isinstance(event.get(field), str):
                event[field] += EVIL
    first = events[0]["ts"]
    events[1:1] = [
        {
            "ts": first,
            "type": "briefing",
            "hypothesis": f"back soon{EVIL}",
            "expect_downtime_s": 900,
            "expect_data_loss_s": 0,
            "coordinator": f"Christina{EVIL}",
        },
        {"ts": first, "type": "observation", "text": f"502s{EVIL}", "author": f"Al{EVIL}"},
    ]
    log.write_text("".join(json.dumps(event) + "\n" for event in events))
    return archive


def test_the_observer_page_escapes_the_archive(evil_archive: Path):
    page = observe.page(read_events(evil_archive / "events.jsonl").events, has_report=True)
    assert_escaped(page, "observer page")
    assert page.count(SHOWN) >= 6  # title, halt reason, step titles, by, the room
    assert 'href="report.html"' in page  # the verdict's own markup stays markup


def test_the_observer_page_escapes_why_it_cannot_show_an_archive(tmp_path: Path):
    archive = tmp_path / EVIL.replace("/", "|")
    archive.mkdir()
    (archive / "events.jsonl").write_text("not json\n")
    assert_escaped(observe._page_of(archive, has_report=False), "the cannot-show page")


def test_every_report_section_escapes_the_archive(evil_archive: Path):
    report = load_report(evil_archive, ROOT / "data" / "bookstore")
    shown = {name: getattr(report, name)().html for name in SECTIONS}
    for name, html in shown.items():
        assert "<script" not in html and "<img" not in html, f"report {name}"
    for name in ("headline", "steps_table", "findings_table", "observations", "notifications"):
        assert SHOWN in shown[name], f"report {name}: the string is not shown"
    assert "<table" in shown["steps_table"] and "<span" in shown["steps_table"]  # badges


def test_the_panel_header_escapes_the_definition_and_the_room():
    scenario = load_system(ROOT / "data" / "bookstore").scenario("api-failure")
    first = scenario.steps[0].model_copy(update={"title": f"verify{EVIL}"})
    scenario = scenario.model_copy(
        update={"title": f"API{EVIL}", "service": f"api{EVIL}", "recovery_procedure": [first]}
    )
    now = clock.now()
    exercise = SimpleNamespace(
        scenario=scenario,
        target=SimpleNamespace(
            name=f"lab{EVIL}", environment=f"staging{EVIL}", injects_faults=True
        ),
        dry_run=False,
        watch=SimpleNamespace(
            endpoint_up={f"api{EVIL}": False, "cdn": True}, down_reason={f"api{EVIL}": EVIL}
        ),
        fault=f"stop{EVIL}",
        fault_at=now - timedelta(minutes=5),
        finished=False,
        halted=True,
        current=first,
        measured_endpoint="api",
        user_facing_endpoint="cdn",
        clock=SimpleNamespace(now=lambda: now),
        options=SimpleNamespace(sustain_s=30.0, recovery_wait_s=120.0),
        room=SimpleNamespace(hypothesis=Hypothesis(900, 0)),
    )
    ending = Ending({"ts": clock.iso(now), "reason": f"stop{EVIL}"}, f"restarted{EVIL}", "", 0, "")
    parts = {
        "title": header.title_html(exercise, "halted"),
        "start": header.start_text(exercise)[0],
        "status": header.status_html(exercise, [f"Christina{EVIL}"]),
        "banner": header.banner_html(exercise, "UTC", ending),
        "archived": header.banner_html(
            exercise, "UTC", Ending(None, "", "archived", 0, f"reports/x{EVIL}")
        ),
        "clock": header.clock_html(exercise, "UTC", now, Back(now, 60.0)),
    }
    for name in ("title", "start", "status", "banner", "archived"):
        assert_escaped(parts[name], f"header {name}")
    assert "HALTED" in parts["banner"] and "back at" in parts["clock"]
