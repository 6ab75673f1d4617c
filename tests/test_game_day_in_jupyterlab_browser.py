"""The game day as a facilitator plays it with a team in the room: 02_game_day.ipynb in a
real JupyterLab, clicked through in headless Chromium, against the session's lab.

JupyterLab serves a temporary folder holding copies of the notebook, each with a cell of
parameters injected after its own (papermill-style), and the reports folder. Two exercises:

* ``api-failure`` with the ``api-crash`` fault, played to the end: the briefing (roles,
  hypothesis), Start and its confirmation, Notified Bob (once), the first check marked
  Failed by hand, notes typed *before* Run, a Skip, an observation, Done, Finish, and the
  verdict in the panel with its link to ``report.html``. Meanwhile an observer follows on
  the read-only view (``bookstore-resil watch``'s page), and a second JupyterLab user opens
  the notebook the facilitator never saved by hand and sees the live panel.
* ``api-failure`` with its own fault (the instance lost) halted midway: a reason asked for,
  the HALTED banner, the repair, and the aborted run's report.

Then the archives must say exactly that. Screenshots go to ``test-artifacts/`` and the
test's temporary folder: look at them.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from bookstore_resil.exercise.observe import in_background, url_of
from tests.browser import CHROMIUM, chromium, jupyterlab, notebook_with_parameters
from tests.game_day_panel import Lab

pytestmark = [
    pytest.mark.long,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM}"
    ),
]

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "02_game_day.ipynb"
DATA = REPO / "data" / "bookstore"
ARTIFACTS = REPO / "test-artifacts"
FAILURE_SCREENSHOT = "game_day_failure.png"  # the whole page, when the test fails
CONTROLS = "button, input, select, textarea, form"

PLAYED, HALTED = "browser-game-day", "browser-halted"
NOTE_BEFORE_RUN = "Bob restarted gunicorn from the panel; Nginx logs show 502s until then"
FAILED_BY_HAND = "curl hung for 10s, the API is not answering"
SKIPPED = "CDN checked by eye in the browser"
OBSERVATION = "Support saw the first customer ticket 40s after the fault"
DONE_NOTE = "Bob loaded /books/ in his browser: The Stand is listed"
HALT_NOTE = "the restart hangs: gunicorn's pid file is still there"
HALT_REASON = "the platform team needs the host back for a release"

VIEWPORT = {"width": 1400, "height": 1000}
WAIT_MS = 30_000  # each browser wait
ARCHIVE_WAIT_S = 150  # Finish waits for sustained recovery, then builds the report


def read_events(archive: Path) -> list[dict]:
    lines = (archive / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {timeout_s}s"
        time.sleep(0.5)


def report_written(archive: Path) -> bool:
    path = archive / "report.html"
    return path.exists() and "</html>" in path.read_text(encoding="utf-8")


def saved_with_the_panel(notebook: Path) -> bool:
    return "application/vnd.jupyter.widget-view+json" in notebook.read_text(encoding="utf-8")


def prepare(root: Path, name: str, reports: Path, lab, **parameters) -> str:
    notebook_with_parameters(
        NOTEBOOK,
        root / name,
        {
            "data_dir": str(DATA),
            "out_dir": str(reports),
            "target_options": {"state_dir": str(lab.root)},
            "mode": "interactive",
            "execute": True,
            **parameters,
        },
    )
    return name


@pytest.mark.timeout(540)
def test_a_facilitator_plays_and_halts_game_days_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import expect

    root = tmp_path / "root"
    reports = root / "reports"
    root.mkdir()
    played = prepare(
        root, "02_game_day.ipynb", reports, lab,
        scenario="api-failure", fault="api-crash", exercise_id=PLAYED,
    )  # fmt: skip
    halted = prepare(
        root, "halted_game_day.ipynb", reports, lab,
        scenario="api-failure", exercise_id=HALTED,
    )  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / FAILURE_SCREENSHOT).unlink(missing_ok=True)
    shots: list[str] = []

    def shot(name: str) -> Path:
        shots.append(name)
        return ARTIFACTS / name

    with jupyterlab(root, tmp_path) as server, chromium(VIEWPORT) as page:
        page.set_default_timeout(WAIT_MS)
        expect.set_options(timeout=WAIT_MS)
        observer = page.context.browser.new_page(viewport={"width": 1100, "height": 900})
        try:
            room = Lab(page, server, played, "api-failure", DATA)
            room.run_all()
            # Saved by itself: a second JupyterLab user opening it gets the live panel.
            wait_for(lambda: saved_with_the_panel(root / played), 20, "the notebook saved")
            expect(room.panel).to_contain_text("the RTO clock starts at Start")
            expect(room.panel).to_contain_text("api up")  # the baseline, before the fault

            view = in_background(reports / PLAYED)
            observer.goto(url_of(view))
            expect(observer.locator("h1")).to_contain_text("READY")
            assert observer.locator(CONTROLS).count() == 0

            room.panel.get_by_label("Coordinator").select_option("Christina")
            room.panel.get_by_label("Scribe").select_option("Alice")
            room.panel.get_by_label("Observers").select_option(["Bob"])
            room.panel.get_by_label("Back within").fill("15min")
            expect(room.panel.locator(".resil-card-current")).to_have_count(0)  # not started
            room.start("inject the fault api-crash")
            expect(room.panel).to_contain_text("api DOWN")
            expect(room.panel).to_contain_text("left")  # the RTO countdown runs
            expect(observer.locator("h1")).to_contain_text("RUNNING", timeout=10_000)
            expect(observer.locator("body")).to_contain_text("api DOWN")

            room.button("Notified Bob").click()
            told = room.panel.get_by_role("button", name="Bob notified", exact=False)
            expect(told).to_be_disabled()
            expect(told).to_contain_text("by Christina")

            room.close("verify-instance", "Failed", "branched", FAILED_BY_HAND)
            room.close("restart-app", "Run", "ok", NOTE_BEFORE_RUN)
            room.close("test-endpoint", "Run", "ok")
            room.close("test-dependencies", "Skip", "skipped", SKIPPED)
            room.panel.get_by_placeholder("an observation", exact=False).fill(OBSERVATION)
            room.button("Add observation").click()
            expect(room.panel).to_contain_text(OBSERVATION)
            expect(room.panel).to_contain_text("marked failed by hand")  # a deviation, in view
            room.current("service-restored")
            # The header stays in view with the cards scrolled under it.
            room.panel.locator(".resil-card-current").scroll_into_view_if_needed()
            header = room.panel.locator(".resil-header")
            box = header.bounding_box()
            assert box is not None and 0 <= box["y"] < VIEWPORT["height"] / 2, box
            room.shoot(shot("game_day_header_in_view.png"), whole=False)
            room.close("service-restored", "Done", "ok", DONE_NOTE)
            expect(observer.locator("body")).to_contain_text(OBSERVATION, timeout=10_000)
            observer.screenshot(path=str(shot("observer_view_running.png")), full_page=True)

            room.button("Finish").click()
            expect(room.button("Halt")).to_be_disabled()
            expect(room.panel).to_contain_text("Writing the archive", timeout=60_000)
            link = room.panel.get_by_role("link", name="Open the report (report.html)")
            expect(link).to_be_visible(timeout=ARCHIVE_WAIT_S * 1000)
            expect(room.panel.locator(".resil-headline")).to_contain_text("PASSED")
            expect(room.panel.locator(".resil-headline")).to_contain_text("RTO 12h")
            expect(room.panel.locator(".resil-headline")).to_contain_text("Hypothesis")
            href = link.get_attribute("href")
            assert href and href.split("?")[0].endswith(f"reports/{PLAYED}/report.html"), href
            room.shoot(shot("game_day_finished.png"))
            expect(observer.locator("h1")).to_contain_text("FINISHED", timeout=10_000)
            expect(observer.get_by_role("link", name="Open the report")).to_be_visible()
            observer.screenshot(path=str(shot("observer_view_finished.png")), full_page=True)
            view.shutdown()

            # The summary cell, run again, prints the verdict.
            cells = room.notebook.locator(".jp-CodeCell")
            summary_cell = cells.nth(cells.count() - 1)
            summary_cell.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            expect(summary_cell.locator(".jp-OutputArea")).to_contain_text("PASSED")

            # A second JupyterLab user opens the notebook: the live panel is there.
            second = page.context.browser.new_page(viewport=VIEWPORT)
            second.goto(server.url(f"lab/tree/{played}"))
            expect(second.locator(".resil-header")).to_contain_text(
                "Bookstore API Failure", timeout=60_000
            )
            second.locator(".resil-header").scroll_into_view_if_needed()
            second.screenshot(path=str(shot("second_jupyterlab_user.png")))
            second.close()

            room = Lab(page, server, halted, "api-failure", DATA)
            room.run_all()
            room.start("inject the fault api-instance-lost")
            expect(room.panel).to_contain_text("api DOWN")
            room.close("verify-instance", "Run", "branched")
            box = room.current(room.scenario.steps[1].id)
            box.get_by_placeholder("notes for this step", exact=False).fill(HALT_NOTE)
            room.button("Halt").click()
            room.panel.get_by_placeholder("why halt?", exact=False).fill(HALT_REASON)
            room.button("Halt now").click()
            expect(room.panel.locator(".resil-banner-halted")).to_contain_text(HALT_REASON)
            expect(room.panel).to_contain_text("ABORTED")
            room.button("Repair the lab").click()
            expect(room.panel).to_contain_text("lab healthy again", timeout=90_000)
            link = room.panel.get_by_role("link", name="Open the report (report.html)")
            expect(link).to_be_visible(timeout=ARCHIVE_WAIT_S * 1000)
            room.shoot(shot("game_day_halted.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / FAILURE_SCREENSHOT), full_page=True)
            raise
    for name in shots:
        shutil.copyfile(ARTIFACTS / name, tmp_path / name)

    events = read_events(reports / PLAYED)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "exercise_started" and kinds[-1] == "exercise_finished"
    [briefing] = [e for e in events if e["type"] == "briefing"]
    assert (briefing["coordinator"], briefing["scribe"], briefing["observers"]) == (
        "Christina",
        "Alice",
        ["Bob"],
    )
    assert briefing["expect_downtime_s"] == 900
    [fault] = [e for e in events if e["type"] == "fault_injected"]
    assert fault["fault"] == "api-crash"
    finished = {e["step"]: e for e in events if e["type"] == "step_finished"}
    assert list(finished) == [
        "verify-instance",
        "restart-app",
        "test-endpoint",
        "test-dependencies",
        "service-restored",
    ]
    assert (finished["verify-instance"]["status"], finished["verify-instance"]["note"]) == (
        "failed",
        FAILED_BY_HAND,
    )
    assert finished["verify-instance"]["next"] == "restart-app"  # the playbook's branch
    assert (finished["restart-app"]["by"], finished["restart-app"]["note"]) == (
        "automation",
        NOTE_BEFORE_RUN,
    )
    assert (finished["test-dependencies"]["status"], finished["test-dependencies"]["note"]) == (
        "skipped",
        SKIPPED,
    )
    assert finished["service-restored"]["by"] == "Christina"
    assert finished["service-restored"]["note"] == DONE_NOTE
    assert {e["author"] for e in finished.values() if e.get("note")} == {"Alice"}
    assert [(e["contact"], e["by"]) for e in events if e["type"] == "notification"] == [
        ("Bob", "Christina")
    ]
    assert [e["text"] for e in events if e["type"] == "observation"] == [OBSERVATION]
    assert [e["text"] for e in events if e["type"] == "deviation"] == [
        "step verify-instance is automated but was marked failed by hand"
    ]
    summary = json.loads((reports / PLAYED / "summary.json").read_text(encoding="utf-8"))
    assert summary["outcome"] == "passed", summary
    assert "every step followed the playbook" not in summary["reason"]
    assert summary["measured_downtime_s"] > 0 and summary["rto_met"] is True
    assert (reports / PLAYED / "exercise.ipynb").is_file()  # the notebook as the team ran it
    assert report_written(reports / PLAYED)

    events = read_events(reports / HALTED)
    [stop] = [e for e in events if e["type"] == "halted"]
    assert stop["reason"] == HALT_REASON
    open_step = room.scenario.steps[1].id
    assert [e["text"] for e in events if e["type"] == "note" and e.get("step") == open_step] == [
        HALT_NOTE
    ]
    summary = json.loads((reports / HALTED / "summary.json").read_text(encoding="utf-8"))
    assert summary["outcome"] == "aborted"
    page_text = (reports / HALTED / "report.html").read_text(encoding="utf-8")
    assert "ABORTED" in page_text and HALT_REASON in page_text
    assert all((ARTIFACTS / name).stat().st_size > 10_000 for name in shots)
