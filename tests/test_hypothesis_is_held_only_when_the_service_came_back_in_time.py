"""The briefing's hypothesis against what was measured: it holds only when the service came
back within the expected time (and no more data was lost than expected); a run halted
before the recovery did not test it; no briefing, no hypothesis line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bookstore_resil.archive.layout import read_archive
from bookstore_resil.report.headline import hypothesis_line

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
BRIEFING = {
    "hypothesis": "the API is back within 1min, no acknowledged write lost",
    "expect_downtime_s": 60.0,
    "expect_data_loss_s": 0.0,
}


@pytest.fixture
def passed():
    summary = read_archive(FIXTURES / "api-passed").summary()  # down 25.6s, no canary
    return dataclasses.replace(summary, briefing=BRIEFING)


def test_back_in_time_holds_and_says_what_was_not_measured(passed):
    line = hypothesis_line(passed)
    assert line.status == "held"
    assert "back after 25.6s (expected within 1min)" in line.text
    assert "data loss not measured" in line.text


def test_longer_than_expected_does_not_hold(passed):
    slow = dataclasses.replace(passed, measured_downtime_s=75.0)
    assert hypothesis_line(slow).status == "did not hold"


def test_more_data_lost_than_expected_does_not_hold(passed):
    lossy = dataclasses.replace(passed, measured_data_loss_s=1.5)
    line = hypothesis_line(lossy)
    assert line.status == "did not hold" and "1.5s of writes lost (expected none)" in line.text


def test_still_down_when_halted_is_not_tested(passed):
    halted = dataclasses.replace(passed, recovered=False, measured_downtime_s=3.0)
    assert hypothesis_line(halted).status == "not tested"


def test_no_briefing_no_hypothesis(passed):
    assert hypothesis_line(dataclasses.replace(passed, briefing=None)) is None
