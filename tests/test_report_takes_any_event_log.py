"""Whatever an event log holds (well-formed events, wrong values in the right fields, any
JSON, any text), building its report raises nothing but the package's own errors."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookstore_resil import clock
from bookstore_resil.errors import ResilError
from bookstore_resil.report.charts import draw_chart
from bookstore_resil.report.document import CHARTS, load_report

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
TIMES = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
).map(clock.iso)
NAMES = st.sampled_from(["api", "database", "cdn", "verify-instance", "restart-app", "x"])
KINDS = {
    "time": TIMES,
    "text": NAMES | st.text(max_size=8),
    "flag": st.booleans(),
    "whole": st.integers(min_value=0, max_value=60),
    "seconds": st.floats(min_value=0, max_value=1e7),
    "status": st.sampled_from(["ok", "failed", "skipped"]),
    "wholes": st.lists(st.integers(min_value=0, max_value=60), max_size=30),
}
# Each event type with the fields a measurement reads, by kind (this test's own reading).
TYPES = {
    "exercise_started": {
        "exercise_id": "text", "scenario": "text", "target": "text", "rto_s": "seconds",
        "rpo_s": "seconds", "sustain_s": "seconds", "measured_endpoint": "text",
        "service": "text", "data_dir": "text", "fail_on_breach": "flag",
    },
    "fault_injected": {"at": "time", "fault": "text"},
    "outage_declared": {"at": "time"},
    "probe": {"endpoint": "text", "up": "flag", "at": "time"},
    "canary": {"seq": "whole", "ack": "flag", "at": "time"},
    "canary_check": {"surviving": "wholes", "recovery_point": "time"},
    "step_started": {"step": "text", "procedure": "text", "automated": "flag"},
    "step_finished": {
        "step": "text", "status": "status", "next": "text", "handled": "flag", "error": "text",
    },
    "notification": {"contact": "text", "reason": "text"},
    "deviation": {"text": "text", "step": "text"},
    "halted": {"reason": "text"},
    "exercise_finished": {},
    "error": {"message": "text"},
}  # fmt: skip


@st.composite
def events(draw, junk: bool = True) -> dict:
    """An event of a known type; with ``junk``, any field may hold any JSON instead."""
    kind = draw(st.sampled_from(sorted(TYPES)))
    event = {"ts": draw(st.one_of(TIMES, TIMES, TIMES, JSON) if junk else TIMES), "type": kind}
    for field, value_kind in TYPES[kind].items():
        if draw(st.integers(0, 9)) == 0:
            continue  # a field left out
        good = KINDS[value_kind]
        event[field] = draw(st.one_of(good, good, good, JSON) if junk else good)
    return event


LINES = st.one_of(
    events().map(lambda e: json.dumps(e)),
    events().map(lambda e: json.dumps(e)),
    JSON.map(json.dumps),
    st.text(max_size=30).filter(lambda t: "\n" not in t),
)
LOGS = st.lists(LINES, max_size=40)


def report_on(lines: list[str], charts: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp)
        (archive / "events.jsonl").write_text("\n".join(lines), encoding="utf-8")
        try:
            report = load_report(archive, data_dir="")
            for section in (report.overview, report.verdicts, report.steps_table):
                section()
            for section in (report.findings_table, report.recommendations, report.notifications):
                section()
            for name in CHARTS if charts else ():
                draw_chart(name, report.summary, report.events, archive)
        except ResilError:
            pass


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LOGS)
def test_any_event_log_gives_a_report_or_the_packages_own_error(lines):
    report_on(lines)


STARTED = json.dumps(
    {
        "ts": "2026-11-26T17:00:00Z", "type": "exercise_started", "exercise_id": "x",
        "scenario": "api-failure", "target": "lab", "rto_s": 60.0, "rpo_s": 60.0,
        "measured_endpoint": "api",
    }
)  # fmt: skip


@pytest.mark.filterwarnings("ignore::UserWarning")  # matplotlib on odd glyphs and layouts
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(junk=False).map(json.dumps), max_size=40))
def test_any_sound_events_after_a_start_give_a_report_and_charts_or_the_packages_own_error(
    lines,
):
    report_on([STARTED, *lines], charts=True)
