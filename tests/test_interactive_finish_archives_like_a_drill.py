"""Finish in the game-day panel leaves the archive a drill leaves: notebook, summary, report."""

from __future__ import annotations

from pathlib import Path

import nbformat

from bookstore_resil.define.loader import load_system
from bookstore_resil.exercise.engine import Exercise
from bookstore_resil.exercise.gameday import archive_interactive
from bookstore_resil.exercise.widgets import GameDayPanel
from bookstore_resil.targets import get_target

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"


def test_finish_writes_the_executed_notebook_and_the_report(lab, tmp_path):
    exercise = Exercise.create(
        load_system(DATA),
        "cdn-failure",
        get_target("lab", state_dir=lab.root),
        out_dir=tmp_path,
        mode="interactive",
        execute=True,
    )
    panel = GameDayPanel(exercise, on_finish=archive_interactive)
    panel.start.click()  # says what it will break, and asks
    panel.confirm.click()
    panel.wait()
    while exercise.current is not None:
        card = next(c for c in panel.cards if c.step is exercise.current)
        (card.run if card.step.automated else card.done).click()
        panel.wait()
    panel.finish.click()
    panel.wait(timeout_s=180)
    assert panel.message.value == ""

    archive = exercise.archive_dir
    assert {"events.jsonl", "summary.json", "exercise.ipynb", "report.html"} <= {
        p.name for p in archive.iterdir()
    }
    assert exercise.summary().outcome == "passed"
    notebook = nbformat.read(archive / "exercise.ipynb", as_version=4)
    parameters = next(
        c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])
    )
    assert 'mode = "review"' in parameters.source
    assert f'exercise_id = "{exercise.exercise_id}"' in parameters.source
    shown = "".join(
        str(output.get("data", {}).get("text/html", "")) + output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert exercise.exercise_id in shown
    for step in ("verify-bucket", "recreate-bucket", "upload-static", "service-restored"):
        assert step in shown
