"""No verdict without a fault. A fault command that fails broke nothing: the outcome is
``error``, nothing is measured or judged (``rto_met``/``rpo_met``/``measured_*`` null), the
drill exits 1, and what the command printed is in the archive. A fault no probe saw (it did
nothing, or the outage was shorter than a sample) is ``inconclusive``, never "passed, RTO
met"; neither counts as evidence in ``history``.

Before: ``outcome: error``, ``measured_downtime_s: 0.0``, ``rto_met: true`` and "RTO met" in
history for the failed fault; ``passed … RTO met, down 0.0s`` for the unseen one."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil.archive import events as ev
from bookstore_resil.archive import layout
from tests.guestbook import Guestbook, running_guestbook
from tests.waits import QUICK_WAIT_FLAGS

pytestmark = pytest.mark.slow  # a real service, real drills with their kernels


@pytest.fixture
def guestbook(tmp_path: Path) -> Iterator[Guestbook]:
    yield from running_guestbook(tmp_path)


def with_fault(book: Guestbook, command: str) -> None:
    target = book.folder / "target.yaml"
    text = target.read_text()
    start = text.index("  web-killed:")
    end = text.index("\n", start)
    target.write_text(f"{text[:start]}  web-killed: {command}{text[end:]}")


def drill(book: Guestbook, out: Path, report: bool = False) -> subprocess.CompletedProcess[str]:
    command = ["bookstore-resil", "drill", "web-crash", "--execute", "--data", str(book.folder)]
    command += ["--out", str(out), *QUICK_WAIT_FLAGS, *([] if report else ["--no-report"])]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def summary_of(out: Path) -> dict:
    [archive] = [p for p in out.iterdir() if p.is_dir()]
    return json.loads(layout.summary_path(archive).read_text())


def test_a_fault_that_fails_is_an_error_with_its_output_and_no_verdict(guestbook, tmp_path):
    with_fault(guestbook, "'echo no pid file >&2; exit 3'")
    out = tmp_path / "reports"
    result = drill(guestbook, out, report=True)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    summary = summary_of(out)
    assert summary["outcome"] == "error"
    assert "fault web-killed failed" in summary["reason"] and "exit status 3" in summary["reason"]
    for key in ("rto_met", "rpo_met", "measured_downtime_s", "measured_user_downtime_s"):
        assert summary[key] is None, key
    assert summary["fault_failed"]["output"].strip() == "no pid file"
    assert "fault said no pid file" in result.stdout
    assert "RTO met" not in result.stdout and ": met" not in result.stdout
    [archive] = [p for p in out.iterdir() if p.is_dir()]
    report = (archive / "report.html").read_text()
    assert "no pid file" in report and not re.search(r">\s*met\s*<", report)

    history = subprocess.run(
        ["bookstore-resil", "history", "--out", str(out), "--data", str(guestbook.folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        "error    -         -" in history.stdout and "not measured  not measured" in history.stdout
    )
    assert "web-crash: never exercised" in history.stdout, history.stdout  # no evidence


def test_a_fault_no_probe_saw_is_inconclusive(guestbook, tmp_path):
    with_fault(guestbook, "'true'")  # it does nothing
    out = tmp_path / "reports"
    result = drill(guestbook, out)

    assert result.returncode == 0, result.stdout + result.stderr
    summary = summary_of(out)
    assert summary["outcome"] == "inconclusive"
    assert summary["fault_observed"] is False
    assert summary["rto_met"] is None and summary["rpo_met"] is None
    assert "the probes never saw web down" in summary["reason"]
    assert "outcome    inconclusive" in result.stdout
    [archive] = [p for p in out.iterdir() if p.is_dir()]
    events = layout.read_archive(archive).events
    assert any(e["type"] == ev.FAULT for e in events)
