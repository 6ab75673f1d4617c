"""A game day on a system that is not the Bookstore: the Guestbook example (data/guestbook,
a real HTTP process in front of a real SQLite file) drilled through its target.yaml.

Executed, the drill kills the process by its pid file and the playbook restarts it: the
measured downtime is the real outage (from the kill to the moment the new process
listened, by the service's own clock) within 0.25 s, and the canary's measured data loss is
exactly the acknowledged writes the SQLite file lacks. Without --execute the service's
process is untouched and no verdict is printed; the summary and the report say so.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.impact import DRY_RUN_NOTE
from bookstore_resil.cli import main
from bookstore_resil.exercise.drill import drill
from tests.contract import SUMMARY_KEYS
from tests.guestbook import Guestbook, running_guestbook
from tests.system_target_builders import alive
from tests.waits import QUICK_WAITS

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]  # whole drills: kernels


@pytest.fixture
def guestbook(tmp_path: Path) -> Iterator[Guestbook]:
    yield from running_guestbook(tmp_path)


def run(book: Guestbook, tmp_path: Path, scenario: str, execute: bool, report: bool = False):
    return drill(
        scenario,
        data_dir=book.folder,
        out_dir=tmp_path / "reports",
        target_options=QUICK_WAITS,
        report=report,
        progress=lambda _: None,
        execute=execute,
    )


def events_of(result) -> list[dict]:
    return ev.read_events(result.archive_dir / "events.jsonl").events


@pytest.mark.waits
def test_an_executed_drill_measures_the_real_outage_within_a_quarter_second(
    guestbook: Guestbook, tmp_path: Path
):
    first_pid = guestbook.pid()
    result = run(guestbook, tmp_path, "web-crash", execute=True)
    summary = result.summary
    assert summary.target == "system" and summary.dry_run is False
    assert summary.outcome == "passed", summary.reason
    assert not alive(first_pid) and alive(guestbook.pid()), "killed, then restarted"

    [fault] = [e for e in events_of(result) if e["type"] == ev.FAULT]
    killed_at = clock.parse_ts(fault["at"]).timestamp()
    truth = guestbook.ready_at() - killed_at  # the service's own account of its outage
    assert 2.0 < truth < 5.0  # the playbook's two-second pause and a restart
    assert abs(summary.measured_downtime_s - truth) <= 0.25, (summary.measured_downtime_s, truth)
    assert summary.user_facing_endpoint == "users"
    assert abs(summary.measured_user_downtime_s - truth) <= 0.25
    assert summary.rto_met is True

    written = json.loads((result.archive_dir / "summary.json").read_text())
    assert SUMMARY_KEYS | {"dry_run", "user_facing_endpoint", "measured_user_downtime_s"} <= set(
        written
    )


@pytest.mark.waits
def test_the_canary_measures_exactly_the_acknowledged_writes_the_store_lost(
    guestbook: Guestbook, tmp_path: Path
):
    # The store is read here after the drill: the canary's records stay for it.
    target = guestbook.folder / "target.yaml"
    kept = [line for line in target.read_text().splitlines() if "cleanup:" not in line]
    target.write_text("\n".join(kept) + "\n")
    result = run(guestbook, tmp_path, "web-crash", execute=True)
    summary = result.summary
    events = events_of(result)
    acked = {e["seq"] for e in events if e["type"] == ev.CANARY and e["ack"]}
    with sqlite3.connect(guestbook.run / "guestbook.db") as db:
        texts = [text for (text,) in db.execute("SELECT text FROM entries")]
    on_disk = {int(text.rsplit("-", 1)[1]) for text in texts if text.startswith("canary-")}

    assert acked and summary.canary is not None
    assert summary.canary.lost == sorted(acked - on_disk)
    assert summary.measured_data_loss_s is not None
    # Writes are flushed every 0.5 s and sent every 0.5 s: at most one interval of each.
    assert summary.measured_data_loss_s <= 1.0
    assert summary.rpo_met is True


@pytest.mark.waits
def test_the_user_facing_outage_decides_the_rto_when_it_is_the_longer(
    guestbook: Guestbook, tmp_path: Path
):
    # The playbook restores the last backup, which the service takes every 2 s.
    guestbook.wait_for_backup()
    # The store file vanishes: /health still answers, the entries do not.
    result = run(guestbook, tmp_path, "store-lost", execute=True)
    summary = result.summary
    assert summary.outcome == "passed", summary.reason
    outages = {o.endpoint: o for o in summary.outages}
    assert "web" not in outages, "the process never stopped answering /health"
    assert summary.measured_endpoint == "store" and summary.user_facing_endpoint == "users"
    assert summary.measured_user_downtime_s > 0
    longer = max(summary.measured_downtime_s, summary.measured_user_downtime_s)
    assert summary.rto_margin_s == pytest.approx(summary.rto_s - longer)


def test_without_execute_nothing_is_broken_and_no_verdict_is_printed(
    guestbook: Guestbook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    pid, ready_at = guestbook.pid(), guestbook.ready_at()
    argv = ["drill", "web-crash", "--data", str(guestbook.folder), "--out", str(tmp_path)]
    assert main([*argv, "--exercise-id", "rehearsal"]) == 0
    out = capsys.readouterr().out

    assert alive(pid) and guestbook.pid() == pid and guestbook.ready_at() == ready_at
    assert DRY_RUN_NOTE in out
    assert not re.search(r"\bmet\b|MISSED", out), out
    summary = json.loads((tmp_path / "rehearsal" / "summary.json").read_text())
    assert summary["target"] == "system"  # the folder's target.yaml chose it
    assert summary["dry_run"] is True
    for key in ("measured_downtime_s", "measured_data_loss_s", "rto_met", "rpo_met"):
        assert summary[key] is None, key
    assert summary["measured_user_downtime_s"] is None
    steps = {s["id"]: s for s in summary["steps"]}
    assert steps["page-on-call"]["output"] == "dry run: would run sleep 2"
    assert steps["restart-web"]["status"] == "skipped"
    events = ev.read_events(tmp_path / "rehearsal" / "events.jsonl").events
    [fault] = [e for e in events if e["type"] == ev.FAULT]
    assert fault["detail"] == 'dry run: would run kill -9 "$(cat run/guestbook.pid)"'
    assert not [e for e in events if e["type"] == ev.CANARY], "a dry run writes nothing"

    report = (tmp_path / "rehearsal" / "report.html").read_text()
    assert DRY_RUN_NOTE in report
    assert "not measured" in report and not re.search(r">met<", report)


def test_fault_manual_injects_nothing_even_when_executed(guestbook: Guestbook, tmp_path: Path):
    playbook = guestbook.folder / "playbooks" / "web-crash.yaml"
    playbook.write_text(playbook.read_text().replace("fault: web-killed", "fault: manual"))
    pid = guestbook.pid()
    result = run(guestbook, tmp_path, "web-crash", execute=True)
    kinds = [e["type"] for e in events_of(result)]
    assert ev.OUTAGE in kinds and ev.FAULT not in kinds
    assert guestbook.pid() == pid and alive(pid)
    assert result.summary.fault == "declared outage"
    assert result.summary.measured_downtime_s is None  # nobody broke it: nothing measured
    assert [s.status for s in result.summary.steps][0] == "ok"  # confirm-down: it was up


def test_production_is_refused_unless_allowed(guestbook: Guestbook, tmp_path: Path, capsys):
    target = guestbook.folder / "target.yaml"
    target.write_text(target.read_text().replace("environment: staging", "environment: production"))
    argv = ["drill", "web-crash", "--data", str(guestbook.folder), "--out", str(tmp_path)]
    assert main([*argv, "--execute"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()[-1:]
    assert line.endswith(
        "target.yaml says environment: production; refusing to run there unless it also says "
        "allow_production: true"
    )
    assert not list(tmp_path.glob("*/events.jsonl"))
