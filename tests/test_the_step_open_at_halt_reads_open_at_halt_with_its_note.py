"""The step still open when the room halts the exercise is neither running nor crashed: it
reads ``open at halt``, with the note typed into it, in the panel's card, the observer page,
the report's steps and findings tables; the header says the service was not back. A
failure the playbook branches on reads ``branched`` in the findings table as everywhere
else (red ``failed`` is only the unplanned one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookstore_resil.archive import events as ev
from bookstore_resil.define.loader import load_system
from bookstore_resil.exercise import observe
from bookstore_resil.exercise.widgets import GameDayPanel
from bookstore_resil.report.document import load_report
from tests.memory_target import MemoryTarget, started_by_hand

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"
NOTE = "the AMI launch is still pending in the console"


@pytest.mark.waits
def test_the_open_step_reads_open_at_halt_with_its_note_everywhere(tmp_path):
    exercise = started_by_hand(load_system(DATA), MemoryTarget(tmp_path), "halted-words")
    panel = GameDayPanel(exercise, clock_interval_s=0.2)
    card = next(c for c in panel.cards if c.step is exercise.current)
    card.run.click()  # verify-instance fails where the playbook branches
    panel.wait()
    card = next(c for c in panel.cards if c.step is exercise.current)
    card.notes.value = NOTE
    panel.halt_reason.value = "the host is needed back"
    panel.halt_now.click()
    panel.wait()

    assert "open at halt" in card.title.value and NOTE in card.closed_line.value
    # The header says what the summary says: still down when it was halted.
    assert exercise.summary().recovered is False
    assert "not back when it ended" in panel.clock.value and "back at" not in panel.clock.value
    assert "api (what users see) DOWN" in panel.status.value  # as the summary found it
    assert "current" not in card.title.value
    events = ev.read_events(exercise.log.path).events
    page = observe.page(events)
    steps = page.split("<h2>Steps</h2>")[-1]
    assert "open at halt" in steps and NOTE in steps and ">current<" not in steps

    report = load_report(exercise.archive_dir, DATA)
    assert ">open at halt<" in report.steps_table().html
    findings = report.findings_table().html
    assert ">branched<" in findings and ">failed<" not in findings
    assert ">open at halt<" in findings and NOTE in findings
    assert "the log stops" not in findings
