"""The observation form's "by" list never shows a blank: its first entry names who an
unsigned observation is recorded as (the facilitator before the briefing, then the scribe)."""

from __future__ import annotations

import pytest

from bookstore_resil.archive import events as ev
from bookstore_resil.exercise.widgets import GameDayPanel
from tests.memory_target import MemoryTarget, opened_by_hand


@pytest.mark.waits
def test_the_default_author_is_named_and_is_who_the_log_records(tmp_path):
    exercise = opened_by_hand(MemoryTarget(tmp_path), "cdn-failure", "by")
    panel = GameDayPanel(exercise, clock_interval_s=0.2)
    author = panel.room_log.author
    assert author.options[0] == ("facilitator", "") and author.label == "facilitator"
    panel.briefing.scribe.value = "Alice"
    panel.start.click()
    panel.confirm.click()
    panel.wait()
    assert author.label == "Alice (scribe)" and author.value == ""
    panel.room_log.observation_text.value = "the bucket listing is empty"
    panel.room_log.observe.click()
    [seen] = [e for e in ev.read_events(exercise.log.path).events if e["type"] == ev.OBSERVATION]
    assert seen["author"] == "Alice"
    exercise.halt("test over")
