"""The game day as a facilitator plays it: 02_game_day.ipynb in a real JupyterLab, clicked
through in headless Chromium, against the session's lab.

JupyterLab serves a temporary folder holding a copy of the notebook with a cell of
parameters injected after its own (papermill-style): the Bookstore definition, a
temporary reports folder, the test lab, ``api-failure`` with the ``api-crash`` fault
(the short path: the app restart brings the API back), interactive mode. The browser runs
every cell from the Run menu, then clicks through the game-day panel as the notebook tells
the room to: Start, Notified Bob, each automated step's Run as its card becomes current,
a deviation, the manual resume step Done with a note, Finish. Then the archive on disk
must say exactly that. The screenshot of the panel goes to
``test-artifacts/game_day_widgets.png`` (and the test's temporary folder).
"""

from __future__ import annotations

import json
import shutil
import time
from itertools import pairwise
from pathlib import Path

import pytest

from bookstore_resil.define.loader import load_system
from tests.browser import CHROMIUM, chromium, jupyterlab, notebook_with_parameters

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM}"
)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "02_game_day.ipynb"
DATA = REPO / "data" / "bookstore"
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOT = "game_day_widgets.png"
FAILURE_SCREENSHOT = "game_day_failure.png"  # the whole page, when the test fails

SCENARIO, FAULT = "api-failure", "api-crash"
EXERCISE_ID = "browser-game-day"
# The playbook's path after an app crash: the instance check fails, which branches to
# the app restart; that succeeds and jumps to the test procedure, then the resume step.
AUTOMATED = {  # step: the status its Run must end with
    "verify-instance": "failed",
    "restart-app": "ok",
    "test-endpoint": "ok",
    "test-dependencies": "ok",
}
MANUAL = "service-restored"
NOTE = "Bob loaded /books/ in his browser: The Stand is listed"
DEVIATION = "Christina tailed the gunicorn log on the instance"

VIEWPORT = {"width": 1400, "height": 1000}
WAIT_MS = 30_000  # each browser wait
FINISH_WAIT_S = 120  # Finish waits for sustained recovery, then builds the report


def read_events(archive: Path) -> list[dict]:
    lines = (archive / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def wait_for_report(path: Path, timeout_s: float) -> None:
    """Until ``path`` is written to its end (the page's closing tag)."""
    deadline = time.monotonic() + timeout_s
    while not (path.exists() and "</html>" in path.read_text(encoding="utf-8")):
        assert time.monotonic() < deadline, f"{path.name} not written within {timeout_s}s"
        time.sleep(0.5)


@pytest.mark.timeout(240)
def test_a_facilitator_plays_the_game_day_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import expect

    scenario = load_system(DATA).scenario(SCENARIO)
    number = {step.id: n for n, step in enumerate(scenario.steps, start=1)}
    root, reports = tmp_path / "root", tmp_path / "reports"
    root.mkdir()
    notebook_with_parameters(
        NOTEBOOK,
        root / NOTEBOOK.name,
        {
            "scenario": SCENARIO,
            "fault": FAULT,
            "data_dir": str(DATA),
            "out_dir": str(reports),
            "exercise_id": EXERCISE_ID,
            "target_options": {"state_dir": str(lab.root)},
            "mode": "interactive",
            "execute": True,
        },
    )
    archive = reports / EXERCISE_ID
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / FAILURE_SCREENSHOT).unlink(missing_ok=True)

    with (
        jupyterlab(root, tmp_path) as server,
        chromium(VIEWPORT) as page,
    ):
        page.set_default_timeout(WAIT_MS)
        try:
            page.goto(server.url(f"lab/tree/{NOTEBOOK.name}"))
            page.locator(".jp-Notebook").first.wait_for()
            # Run All before the session has its kernel would ask which kernel to start.
            server.wait_for_idle_kernels()
            kernel_status = page.get_by_role("contentinfo").get_by_role("button", name="| Idle")
            expect(kernel_status).to_be_visible()
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

            # The panel's output area; every locator below is scoped to it.
            panel = page.locator(".jp-OutputArea-output").filter(
                has=page.locator(".jupyter-widgets")
            )
            start = panel.get_by_role("button", name="Start")
            expect(start).to_be_enabled(timeout=60_000)
            # The last cell ran too, and the kernel has nothing left to do.
            expect(page.get_by_text("'the exercise is still running'")).to_be_visible()
            server.wait_for_idle_kernels()
            expect(panel).to_contain_text("Clock: not started")
            expect(panel).to_contain_text("api up")  # the baseline, before the fault

            def card(step_id: str):
                title = f"{number[step_id]}. {scenario.step(step_id).title}"
                return (
                    panel.locator(".widget-vbox")
                    .filter(has_text=title)
                    .filter(has_not=page.get_by_role("button", name="Start"))
                )

            def current(step_id: str):
                box = card(step_id)
                expect(box.get_by_text("current", exact=True)).to_be_visible()
                return box

            path = [*AUTOMATED, MANUAL]
            expect(card(path[0]).get_by_role("button", name="Run")).to_be_disabled()
            start.click()
            expect(panel).to_contain_text("api DOWN")
            panel.get_by_role("button", name="Notified Bob").click()

            for step_id, following in pairwise(path):
                box = current(step_id)
                expect(card(following).get_by_role("button", name="Done")).to_be_disabled()
                box.get_by_role("button", name="Run").click()
                # Closed with its status badge, and the playbook's next step is current.
                expect(box.get_by_text(AUTOMATED[step_id], exact=True)).to_be_visible()
                expect(box.get_by_text("current", exact=True)).to_have_count(0)
                current(following)

            panel.get_by_role("textbox").last.fill(DEVIATION)
            panel.get_by_role("button", name="Record deviation").click()
            expect(panel.get_by_role("textbox").last).to_have_value("")

            box = current(MANUAL)
            expect(box.get_by_role("button", name="Run")).to_have_count(0)  # manual: no Run
            box.get_by_role("textbox").fill(NOTE)
            box.get_by_role("button", name="Done").click()
            expect(box.get_by_text("ok", exact=True)).to_be_visible()
            expect(box.get_by_text("current", exact=True)).to_have_count(0)

            finish = panel.get_by_role("button", name="Finish")
            expect(finish).to_be_enabled()
            finish.click()
            expect(panel.get_by_role("button", name="Halt")).to_be_disabled()  # closed
            # Finish waits for sustained recovery, then builds the report in the kernel:
            # the server must outlive that.
            wait_for_report(archive / "report.html", FINISH_WAIT_S)
            expect(finish).to_be_disabled()
            # The notebook scrolls inside the page: make the page tall enough for the panel.
            height = panel.bounding_box()["height"]
            page.set_viewport_size({"width": VIEWPORT["width"], "height": int(height) + 600})
            panel.scroll_into_view_if_needed()
            panel.screenshot(path=str(ARTIFACTS / SCREENSHOT))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / FAILURE_SCREENSHOT), full_page=True)
            raise
    shutil.copyfile(ARTIFACTS / SCREENSHOT, tmp_path / SCREENSHOT)

    events = read_events(archive)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "exercise_started" and kinds[-1] == "exercise_finished"
    [fault] = [e for e in events if e["type"] == "fault_injected"]
    assert fault["fault"] == FAULT
    started = [e["step"] for e in events if e["type"] == "step_started"]
    finished = {e["step"]: e for e in events if e["type"] == "step_finished"}
    assert started == [*AUTOMATED, MANUAL]
    assert list(finished) == [*AUTOMATED, MANUAL]
    for step_id, status in AUTOMATED.items():
        assert (finished[step_id]["by"], finished[step_id]["status"]) == ("automation", status)
    assert finished["verify-instance"]["next"] == "restart-app"  # the playbook's branch
    assert finished[MANUAL]["by"] == "facilitator"
    assert finished[MANUAL]["status"] == "ok"
    assert finished[MANUAL]["note"] == NOTE
    assert [e["contact"] for e in events if e["type"] == "notification"] == ["Bob"]
    assert [e["text"] for e in events if e["type"] == "deviation"] == [DEVIATION]
    assert kinds.index("fault_injected") < kinds.index("notification")

    summary = json.loads((archive / "summary.json").read_text(encoding="utf-8"))
    assert summary["exercise_id"] == EXERCISE_ID
    assert summary["scenario"] == SCENARIO
    assert summary["outcome"] == "passed", summary
    assert summary["measured_downtime_s"] > 0
    assert summary["rto_met"] is True
    assert [s["id"] for s in summary["steps"]] == [*AUTOMATED, MANUAL]
    assert (archive / "exercise.ipynb").is_file()  # the notebook as the team ran it
    assert (archive / "report.ipynb").is_file()
    assert EXERCISE_ID in (archive / "report.html").read_text(encoding="utf-8")
    assert (ARTIFACTS / SCREENSHOT).stat().st_size > 10_000
