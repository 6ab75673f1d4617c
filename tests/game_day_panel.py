"""The game-day panel of 02_game_day.ipynb as the browser tests click it in JupyterLab:
Run All, the buttons by their whole names, a step's card, closing a step with a note, Start
with its confirmation, and screenshots of the whole panel."""

from __future__ import annotations

import re
from pathlib import Path

from bookstore_resil.define.loader import load_system

# A screenshot of a tall panel on a loaded 2-core machine takes long: a generous bound.
SHOT_TIMEOUT_MS = 120_000


class Lab:
    """The JupyterLab page of one game-day notebook, and its panel; ``data`` is the system
    folder the notebook exercises (for the steps' titles)."""

    def __init__(
        self,
        page,
        server,
        notebook: str,
        scenario: str,
        data: Path,
        workspace: str = "",
        beside: bool = False,
    ):
        """Open ``notebook`` in JupyterLab at its address, or ``beside`` the notebooks
        already open in ``page``, from JupyterLab's File menu as a person would (the page
        is not loaded again)."""
        from playwright.sync_api import expect

        self.page, self.server, self.expect = page, server, expect
        self.viewport = page.viewport_size
        self.scenario = load_system(data).scenario(scenario)
        self.number = {step.id: n for n, step in enumerate(self.scenario.steps, start=1)}
        if beside:
            page.get_by_role("menuitem", name="File", exact=True).click()
            page.get_by_role("menuitem", name="Open from Path…").click()
            page.get_by_placeholder("/path/relative/to/jlab/root").fill(notebook)
            page.get_by_role("button", name="Open", exact=True).click()
        else:
            where = f"lab/workspaces/{workspace}" if workspace else "lab"  # a user's own layout
            page.goto(server.url(f"{where}/tree/{notebook}"))
        page.locator(".jp-Notebook").first.wait_for()
        # Run All before the session has its kernel would ask which kernel to start.
        server.wait_for_kernel_of(notebook)
        # The workspace may reopen an earlier notebook beside it: Run All runs the one in front.
        page.get_by_role("tab", name=Path(notebook).name, exact=True).click()
        self.notebook = page.locator(".jp-NotebookPanel:visible")  # the tab in front
        self.panel = self.notebook.locator(".jp-OutputArea-output").filter(
            has=page.locator(".resil-header")
        )

    def scroll_to_panel(self) -> None:
        """Scroll the notebook down until the panel's cell is on the page: JupyterLab
        attaches a cell out of view only when the browser is idle, which a loaded machine
        may not be for a minute."""
        scroller = self.notebook.locator(".jp-WindowedPanel-outer")
        cell = self.notebook.locator(".jp-CodeCell", has_text="play(exercise")
        while not cell.count():
            at = scroller.evaluate("e => (e.scrollBy(0, e.clientHeight / 2), e.scrollTop)")
            self.page.wait_for_timeout(100)  # a frame for the cells now in view
            assert at < scroller.evaluate("e => e.scrollHeight"), "no panel cell at the end"
        cell.scroll_into_view_if_needed()

    def run_all(self) -> None:
        page = self.page
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        self.expect(self.button("Start")).to_be_enabled(timeout=60_000)
        self.expect(self.notebook.get_by_text("The exercise is still running")).to_be_visible()

    def button(self, name: str, within=None):
        # The name, whole: a button's icon font adds a character in front of its text.
        whole = re.compile(rf"(^|\W){re.escape(name)}$")
        return (within or self.panel).get_by_role("button", name=whole)

    def card(self, step_id: str):
        title = f"{self.number[step_id]}. {self.scenario.step(step_id).title}"
        return self.panel.locator(
            ".resil-card-current, .resil-card-closed, .resil-card-waiting"
        ).filter(has_text=title)

    def current(self, step_id: str):
        box = self.panel.locator(".resil-card-current")
        self.expect(box).to_contain_text(self.scenario.step(step_id).title)
        return box

    def close(self, step_id: str, button: str, status: str, note: str = "") -> None:
        box = self.current(step_id)
        if note:  # typed key by key, as a person types, then the button pressed at once
            box.get_by_placeholder("notes for this step", exact=False).press_sequentially(note)
        self.button(button, within=box).click()
        closed = self.card(step_id)
        self.expect(closed).to_have_class(re.compile(r"\bresil-card-closed\b"))
        self.expect(closed.get_by_text(status, exact=True)).to_be_visible()

    def start(self, confirm: str) -> None:
        self.button("Start").click()
        self.expect(self.panel).to_contain_text(confirm)
        self.button("Inject the fault").click()

    def shoot(self, path: Path, whole: bool = True) -> None:
        if whole:  # the notebook scrolls inside the page: make the page as tall as the panel
            height = self.panel.bounding_box()["height"]
            self.page.set_viewport_size(
                {"width": self.viewport["width"], "height": int(height) + 400}
            )
            self.panel.scroll_into_view_if_needed()
            self.panel.screenshot(path=str(path), timeout=SHOT_TIMEOUT_MS)
            self.page.set_viewport_size(self.viewport)
        else:
            self.page.screenshot(path=str(path), timeout=SHOT_TIMEOUT_MS)
