"""A team's first game day on its own system, from nothing: ``bookstore-resil init DIR
--example guestbook``, the Guestbook's real HTTP process started from DIR/system, JupyterLab
serving DIR, and DIR/notebooks/02_game_day.ipynb clicked through in headless Chromium.

The notebook finds DIR/system by itself (``init`` pointed its data_dir there) and, as that
folder holds a target.yaml, runs on the system target: Start really kills the process
(``web-killed``), the playbook's Run buttons check it is down, wait for the on-call
engineer, restart it and read the entries back, the lead confirms by hand, and Finish
writes a verdict with a measured downtime into DIR/reports. Screenshots go to the test's
temporary folder: look at them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, chromium, jupyterlab, notebook_with_parameters
from tests.game_day_panel import Lab
from tests.guestbook import SHIPPED_PORT, Guestbook, free_port
from tests.system_target_builders import alive, kill_quietly

pytestmark = [
    pytest.mark.slow,
    pytest.mark.long,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM}"
    ),
]

EXERCISE = "guestbook-game-day"
NOTEBOOK = "notebooks/02_game_day.ipynb"
CONFIRM = "Eli saw /health refused, as the playbook says"
DONE_NOTE = "Dana read the guestbook in her browser: every entry is there"
VIEWPORT = {"width": 1400, "height": 1000}
WAIT_MS = 30_000  # each browser wait
ARCHIVE_WAIT_S = 150  # Finish waits for sustained recovery, then builds the report


def init(folder: Path) -> Guestbook:
    """``bookstore-resil init`` as a team types it; the system moved to a free port (the
    shipped 8765 may be taken on a shared machine), as tests/guestbook.py does."""
    made = subprocess.run(
        ["bookstore-resil", "init", str(folder), "--example", "guestbook"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    system = folder / "system"
    port = free_port()
    for path in [system / "target.yaml", *(system / "playbooks").glob("*.yaml")]:
        path.write_text(path.read_text().replace(SHIPPED_PORT, str(port)))
    return Guestbook(system, port)


@pytest.mark.timeout(420)
def test_a_team_plays_the_guestbook_game_day_from_init_to_finish(tmp_path):
    from playwright.sync_api import expect

    root = tmp_path / "workbook"
    book = init(root)
    notebook_with_parameters(
        root / NOTEBOOK,
        root / NOTEBOOK,
        {
            "scenario": "web-crash",
            "execute": True,
            "out_dir": str(root / "reports"),
            "exercise_id": EXERCISE,
        },
    )
    started = book.command("start")
    assert started.returncode == 0, started.stdout + started.stderr
    first_pid = book.pid()
    try:
        with jupyterlab(root, tmp_path) as server, chromium(VIEWPORT) as page:
            page.set_default_timeout(WAIT_MS)
            expect.set_options(timeout=WAIT_MS)
            try:
                room = Lab(page, server, NOTEBOOK, "web-crash", book.folder)
                room.run_all()
                expect(room.panel).to_contain_text("Guestbook web process crash")
                expect(room.panel).to_contain_text("web up")  # the baseline, before the fault
                room.panel.get_by_label("Coordinator").select_option("Dana")
                room.panel.get_by_label("Scribe").select_option("Eli")
                room.panel.get_by_label("Back within").fill("1min")
                room.panel.get_by_label("Data loss").fill("5s")
                room.panel.get_by_label("Hypothesis").fill(
                    "a restart brings the guestbook back within a minute, entries intact"
                )
                room.shoot(tmp_path / "guestbook_briefing.png")
                room.start("inject the fault web-killed")
                expect(room.panel).to_contain_text("web DOWN")
                assert not alive(first_pid), "Start killed the Guestbook's process"
                room.button("Notified Eli").click()  # the primary lead, paged by Dana

                room.close("confirm-down", "Run", "branched", CONFIRM)  # refused, as foreseen
                room.close("page-on-call", "Run", "ok")
                room.close("restart-web", "Run", "ok")
                room.close("read-entries", "Run", "ok")
                room.close("store-intact", "Run", "ok")
                room.current("service-restored")
                room.shoot(tmp_path / "guestbook_restored.png", whole=False)
                room.close("service-restored", "Done", "ok", DONE_NOTE)

                room.button("Finish").click()
                link = room.panel.get_by_role("link", name="Open the report (report.html)")
                expect(link).to_be_visible(timeout=ARCHIVE_WAIT_S * 1000)
                expect(room.panel.locator(".resil-headline")).to_contain_text("PASSED")
                href = link.get_attribute("href")
                assert href and href.split("?")[0].endswith(f"{EXERCISE}/report.html"), href
                room.shoot(tmp_path / "guestbook_finished.png")
            except Exception:
                page.screenshot(path=str(tmp_path / "guestbook_failure.png"), full_page=True)
                raise
        assert alive(book.pid()) and book.pid() != first_pid, "restarted by the playbook"
    finally:
        pid = book.pid()
        book.command("stop")
        if alive(pid):
            kill_quietly(pid)

    archive = root / "reports" / EXERCISE
    summary = json.loads((archive / "summary.json").read_text(encoding="utf-8"))
    assert summary["target"] == "system" and summary["dry_run"] is False, summary
    assert summary["outcome"] == "passed", summary
    assert summary["measured_downtime_s"] > 0 and summary["rto_met"] is True, summary
    assert [(n["contact"], n["by"]) for n in summary["notifications"]] == [("Eli", "Dana")]
    assert "</html>" in (archive / "report.html").read_text(encoding="utf-8")
