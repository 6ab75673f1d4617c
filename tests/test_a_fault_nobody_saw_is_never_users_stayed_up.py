"""When no probe saw the fault (the summary's ``fault_observed`` false), the headline says
so: the users' line is not "stayed up" and the hypothesis is not "held"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bookstore_resil.archive.events import read_events
from bookstore_resil.archive.measure import summarize
from bookstore_resil.report.findings import find
from bookstore_resil.report.headline import headline

ARCHIVE = Path(__file__).parent / "fixtures" / "archives" / "database-data-loss"
BRIEFING = {"hypothesis": "back within 15min", "expect_downtime_s": 900, "expect_data_loss_s": 3600}


def test_the_users_line_and_the_hypothesis_say_nothing_was_seen():
    seen = summarize(read_events(ARCHIVE / "events.jsonl").events)
    unseen = replace(
        seen,
        fault_observed=False,
        user_facing_endpoint="users",  # watched, and never seen down
        measured_user_downtime_s=0.0,
        briefing=BRIEFING,
    )
    lines = {line.label: line for line in headline(unseen, find(unseen)).lines}
    assert lines["Users"].status == "not measured" and "stayed up" not in lines["Users"].text
    assert lines["Hypothesis"].status == "not tested"
    assert "no probe saw the fault" in lines["Hypothesis"].text
