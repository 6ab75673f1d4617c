"""report.html's first lines are the verdict a manager reads in 30 seconds: the scenario and
its outcome, why, the RTO and RPO met or not with the measured downtime and data loss, the
hypothesis against what was measured, and the top actions each with an owner; no how-to
text, no command line. Times are the team's, with UTC beside them."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bookstore_resil.report.build import build_report

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
DATA = Path(__file__).parent.parent / "data" / "bookstore"
BRIEFING = {
    "ts": "2024-03-05T16:59:59.000000Z",
    "type": "briefing",
    "hypothesis": "the API is back within 15min, no acknowledged write lost",
    "expect_downtime_s": 900.0,
    "expect_data_loss_s": 0.0,
    "coordinator": "Christina",
    "scribe": "Alice",
    "observers": ["Bob"],
}


class VisibleText(HTMLParser):
    """The page's text as a reader meets it, one line per block."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "tr", "li", "table", "ol", "ul", "br"}

    def __init__(self):
        super().__init__()
        self.lines, self.current, self.hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "title", "script"):
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.flush()

    def handle_endtag(self, tag):
        if tag in ("style", "title", "script"):
            self.hidden -= 1
        elif tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.current.append(" ".join(data.split()))

    def flush(self):
        if self.current:
            self.lines.append(" ".join(self.current))
            self.current = []


@pytest.fixture(scope="module")
def first_lines(tmp_path_factory) -> list[str]:
    archive = shutil.copytree(FIXTURES / "api-passed", tmp_path_factory.mktemp("r") / "api")
    events = (archive / "events.jsonl").read_text().splitlines()
    start = json.loads(events[0])
    start["timezone"] = "America/Los_Angeles"
    lines = [json.dumps(start), json.dumps(BRIEFING), *events[1:]]
    (archive / "events.jsonl").write_text("\n".join(lines) + "\n")
    built = build_report(archive, progress=lambda _line: None, data_dir=DATA)
    page = VisibleText()
    page.feed(Path(built.html).read_text(encoding="utf-8"))
    return page.lines


def test_the_first_line_names_the_scenario_and_its_outcome(first_lines):
    assert first_lines[0] == "Bookstore API Failure PASSED"


def test_the_outcome_sentence_does_not_claim_the_playbook_was_followed(first_lines):
    # Two checks failed (the playbook's branches took over): the sentence says so.
    assert first_lines[1] == (
        "The playbook was completed and the service recovered, but 2 steps branched on a "
        "failure (as the playbook plans)."
    )


def test_the_objectives_and_the_hypothesis_come_next(first_lines):
    assert first_lines[2].startswith("RTO 12h met api down 25.6s, 11h 59min 34s to spare")
    assert first_lines[3] == "RPO 1d not measured no canary writes"
    assert first_lines[4].startswith(
        "Hypothesis held \u201cthe API is back within 15min, no acknowledged write lost\u201d: "
        "back after 25.6s (expected within 15min)"
    )


def test_top_actions_each_have_an_owner_from_the_contacts(first_lines):
    at = first_lines.index("Top actions")
    actions = first_lines[at + 1 : at + 4]
    assert len(actions) == 3
    assert all(line.split()[0] in ("Bob", "Alice", "Christina") for line in actions), actions


def test_times_are_the_teams_with_utc_beside_them(first_lines):
    meta = next(line for line in first_lines if line.startswith("lab (production) · "))
    assert "2024-03-05 08:59:57 PST (16:59:57 UTC)" in meta
    assert "coordinator Christina, scribe Alice, observers Bob" in meta


def test_no_how_to_text_before_or_in_the_report(first_lines):
    text = "\n".join(first_lines)
    assert "papermill" not in text and "How to run it" not in text
