"""The game day as a facilitator plays it with a team in the room: 02_game_day.ipynb in a
real JupyterLab at 1280x800, clicked through in headless Chromium, against the session's lab.

JupyterLab is started as the README says, in a workbook folder: ``notebooks/`` holds copies
of the notebook, each with a cell of parameters injected after its own (papermill-style),
and ``reports/`` beside it is where the notebooks archive (found one folder up). Two
exercises:

* ``api-failure`` with the ``api-crash`` fault, played to the end: the briefing (roles, the
  team's expected recovery), Start and its confirmation, the expectation's countdown beside
  the RTO's, Notified Bob (once), the first check marked Failed by hand, notes typed
  *before* Run, the service shown "back at" once it recovered, a Skip, an observation,
  Done, the prompt to Finish, Finish, the verdict scrolled into view, and its link to
  ``report.html`` clicked: the report opens. Meanwhile an observer follows on the read-only
  view (``bookstore-resil watch``'s page), and a second JupyterLab user opens the notebook
  the facilitator never saved by hand and sees the panel, once the saved widget state
  holds it.
* ``api-failure`` with its own fault (the instance lost), opened beside the first from
  JupyterLab's File menu and halted midway: a reason asked for,
  the HALTED banner, the step open at halt with its note, the repair, and the aborted
  run's report.

The header is measured running and halted: at most 200 px. Then the archives must say
exactly that. Screenshots go to ``test-artifacts/`` and the test's temporary folder: look
at them.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from bookstore_resil.exercise.observe import in_background, url_of
from tests.browser import CHROMIUM, chromium, jupyterlab, notebook_with_parameters
from tests.game_day_panel import SHOT_TIMEOUT_MS, Lab

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
FAILURE_TEXT = "game_day_failure.txt"  # and the text of the notebook in front
CONTROLS = "button, input, select, textarea, form"

PLAYED, HALTED = "browser-game-day", "browser-halted"
NOTE_BEFORE_RUN = "Bob restarted gunicorn from the panel; Nginx logs show 502s until then"
FAILED_BY_HAND = "curl hung for 10s, the API is not answering"
SKIPPED = "CDN checked by eye in the browser"
OBSERVATION = "Support saw the first customer ticket 40s after the fault"
DONE_NOTE = "Bob loaded /books/ in his browser: The Stand is listed"
HALT_NOTE = "the restart hangs: gunicorn's pid file is still there"
HALT_REASON = "the platform team needs the host back for a release"

VIEWPORT = {"width": 1280, "height": 800}
HEADER_MAX_PX = 200  # the header leaves the cards most of a 1280x800 screen
WAIT_MS = 30_000  # each browser wait
# A second JupyterLab restores every widget from the kernel before it shows one: on a
# loaded 2-core machine that took 30-50 s.
RESTORE_WAIT_MS = 120_000
ARCHIVE_WAIT_S = 150  # Finish waits for sustained recovery, then builds the report
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def read_events(archive: Path) -> list[dict]:
    lines = (archive / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {timeout_s}s"
        time.sleep(0.5)


def settled_content(page) -> str:
    """The HTML of a page that reloads itself (the observer's, every 2 s), read between two
    reloads: asked during one, Playwright refuses ("the page is navigating")."""
    from playwright.sync_api import Error

    for _ in range(10):
        try:
            return page.content()
        except Error as error:
            if "navigating" not in str(error):
                raise
            page.wait_for_load_state()
    return page.content()


def report_written(archive: Path) -> bool:
    path = archive / "report.html"
    return path.exists() and "</html>" in path.read_text(encoding="utf-8")


def saved_with_the_panel(notebook: Path) -> bool:
    """The notebook on disk holds what a second user needs: the panel's output and the
    widget state it shows (the header's model among them)."""
    try:
        saved = json.loads(notebook.read_text(encoding="utf-8"))
    except ValueError:  # JupyterLab is writing it
        return False
    state = saved["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    header = any(
        "resil-header" in model.get("state", {}).get("_dom_classes", ()) for model in state.values()
    )
    return header and WIDGET_VIEW in json.dumps(saved["cells"])


def prepare(root: Path, name: str, lab, **parameters) -> str:
    """The notebook ``notebooks/NAME`` of the workbook: its reports go to the default
    ``reports``, found one folder up, inside what JupyterLab serves."""
    notebook_with_parameters(
        NOTEBOOK,
        root / "notebooks" / name,
        {
            "data_dir": str(DATA),
            "target_options": {"state_dir": str(lab.root)},
            "mode": "interactive",
            "execute": True,
            **parameters,
        },
    )
    return f"notebooks/{name}"


def header_height(room: Lab) -> float:
    box = room.panel.locator(".resil-header").bounding_box()
    assert box is not None
    return box["height"]


def in_view_under_the_header(room: Lab, locator) -> bool:
    """``locator``'s top is on screen, below the sticky header (not hidden under it)."""
    box, header = locator.bounding_box(), room.panel.locator(".resil-header").bounding_box()
    return box is not None and header["y"] + header["height"] - 2 <= box["y"] < VIEWPORT["height"]


@pytest.mark.timeout(720)  # a loaded 2-core machine: two game days and three browsers
def test_a_facilitator_plays_and_halts_game_days_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import expect

    root = tmp_path / "workbook"  # as `init` lays it out: notebooks/ beside reports/
    reports = root / "reports"
    (root / "notebooks").mkdir(parents=True)
    reports.mkdir()
    played = prepare(
        root, "02_game_day.ipynb", lab,
        scenario="api-failure", fault="api-crash", exercise_id=PLAYED,
    )  # fmt: skip
    halted = prepare(root, "halted_game_day.ipynb", lab, scenario="api-failure", exercise_id=HALTED)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / FAILURE_SCREENSHOT).unlink(missing_ok=True)
    shots: list[str] = []
    heights: dict[str, float] = {}

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
            # Saved by itself: a second JupyterLab user opening it gets the panel.
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
            header = room.panel.locator(".resil-header")
            expect(header).to_contain_text("api DOWN")
            expect(header).to_contain_text("left")  # the RTO countdown runs
            expect(header).to_contain_text("expected 15min")  # and the team's own beside it
            heights["running"] = header_height(room)
            room.shoot(shot("game_day_running.png"), whole=False)
            expect(observer.locator("h1")).to_contain_text("RUNNING", timeout=10_000)
            expect(observer.locator("body")).to_contain_text("api DOWN")

            room.button("Notified Bob").click()
            told = room.panel.get_by_role("button", name="Bob notified", exact=False)
            expect(told).to_be_disabled()
            expect(told).to_contain_text("by Christina")

            room.close("verify-instance", "Failed", "branched", FAILED_BY_HAND)
            room.close("restart-app", "Run", "ok", NOTE_BEFORE_RUN)
            expect(header).to_contain_text("back at")  # the outage clock stopped
            room.close("test-endpoint", "Run", "ok")
            room.close("test-dependencies", "Skip", "skipped", SKIPPED)
            room.panel.get_by_placeholder("an observation", exact=False).fill(OBSERVATION)
            room.button("Add observation").click()
            expect(room.panel).to_contain_text(OBSERVATION)
            expect(room.panel).to_contain_text("marked failed by hand")  # a deviation, in view
            room.current("service-restored")
            # The header stays in view with the cards scrolled under it.
            room.panel.locator(".resil-card-current").scroll_into_view_if_needed()
            box = header.bounding_box()
            assert box is not None and 0 <= box["y"] < VIEWPORT["height"] / 2, box
            room.shoot(shot("game_day_header_in_view.png"), whole=False)
            room.close("service-restored", "Done", "ok", DONE_NOTE)
            expect(header).to_contain_text("All steps done: click Finish")
            expect(observer.locator("body")).to_contain_text(OBSERVATION, timeout=10_000)
            # Shot from a copy that does not reload itself: a full-page screenshot of the
            # running page, which reloads every 2 s, never finished on a loaded machine.
            still = observer.context.browser.new_page(viewport={"width": 1100, "height": 900})
            still.set_content(settled_content(observer).replace('http-equiv="refresh"', "data-x"))
            still.screenshot(
                path=str(shot("observer_view_running.png")), full_page=True, timeout=SHOT_TIMEOUT_MS
            )
            still.close()

            room.button("Finish").click()
            expect(room.button("Halt")).to_be_disabled()
            expect(room.panel).to_contain_text("Writing the archive", timeout=60_000)
            link = room.panel.get_by_role("link", name="Open the report (report.html)")
            expect(link).to_be_visible(timeout=ARCHIVE_WAIT_S * 1000)
            headline = room.panel.locator(".resil-headline")
            expect(headline).to_contain_text("PASSED")
            expect(headline).to_contain_text("RTO 12h")
            expect(headline).to_contain_text("Hypothesis")
            wait_for(lambda: in_view_under_the_header(room, headline), 10, "the verdict in view")
            room.shoot(shot("game_day_verdict_in_view.png"), whole=False)
            href = link.get_attribute("href")
            assert href and href.split("?")[0] == f"/files/reports/{PLAYED}/report.html", href
            with page.context.expect_page() as opened:
                link.click()
            report_page = opened.value
            expect(report_page.locator("body")).to_contain_text("PASSED")
            expect(report_page.locator("body")).to_contain_text(PLAYED)
            report_page.close()
            room.shoot(shot("game_day_finished.png"))
            expect(observer.locator("h1")).to_contain_text("FINISHED", timeout=10_000)
            expect(observer.get_by_role("link", name="Open the report")).to_be_visible()
            observer.screenshot(
                path=str(shot("observer_view_finished.png")),
                full_page=True,
                timeout=SHOT_TIMEOUT_MS,
            )
            view.shutdown()

            # The summary cell, run again, prints the verdict.
            cells = room.notebook.locator(".jp-CodeCell")
            summary_cell = cells.nth(cells.count() - 1)
            summary_cell.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            expect(summary_cell.locator(".jp-OutputArea")).to_contain_text("PASSED")

            # A second JupyterLab user opens the notebook: the panel is there (what it needs
            # is in the file: saved_with_the_panel held above).
            second = page.context.browser.new_page(viewport=VIEWPORT)
            other = Lab(second, server, played, "api-failure", DATA, workspace="second-user")
            other.scroll_to_panel()  # as a person would: the panel is at the notebook's end
            restored = other.panel.locator(".resil-header")  # once its widgets are restored
            expect(restored).to_contain_text("Bookstore API Failure", timeout=RESTORE_WAIT_MS)
            restored.scroll_into_view_if_needed()
            second.screenshot(path=str(shot("second_jupyterlab_user.png")), timeout=SHOT_TIMEOUT_MS)
            second.close()

            room = Lab(page, server, halted, "api-failure", DATA, beside=True)
            room.run_all()
            room.start("inject the fault api-instance-lost")
            header = room.panel.locator(".resil-header")
            expect(header).to_contain_text("api DOWN")
            room.close("verify-instance", "Run", "branched")
            open_step = room.scenario.steps[1]
            box = room.current(open_step.id)
            box.get_by_placeholder("notes for this step", exact=False).fill(HALT_NOTE)
            room.button("Halt").click()
            room.panel.get_by_placeholder("why halt?", exact=False).fill(HALT_REASON)
            room.button("Halt now").click()
            expect(room.panel.locator(".resil-banner-halted")).to_contain_text(HALT_REASON)
            expect(room.panel).to_contain_text("ABORTED")
            expect(header).to_contain_text("Writing the archive")  # its tallest moment
            heights["halted"] = header_height(room)
            card = room.card(open_step.id)
            expect(card).to_contain_text("open at halt")
            expect(card).to_contain_text(HALT_NOTE)
            headline = room.panel.locator(".resil-headline")
            wait_for(lambda: in_view_under_the_header(room, headline), 10, "the verdict in view")
            heights["halted"] = max(heights["halted"], header_height(room))
            room.shoot(shot("game_day_halted_in_view.png"), whole=False)
            room.button("Repair the lab").click()
            expect(room.panel).to_contain_text("lab healthy again", timeout=90_000)
            link = room.panel.get_by_role("link", name="Open the report (report.html)")
            expect(link).to_be_visible(timeout=ARCHIVE_WAIT_S * 1000)
            room.shoot(shot("game_day_halted.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / FAILURE_SCREENSHOT), full_page=True)
            notebook = page.locator(".jp-NotebookPanel:visible")  # what scrolled out of view
            (ARTIFACTS / FAILURE_TEXT).write_text(notebook.inner_text(timeout=5000))
            raise
    (ARTIFACTS / "header_heights.json").write_text(json.dumps(heights))  # px at 1280x800
    assert all(height <= HEADER_MAX_PX for height in heights.values()), heights
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
