"""What the game-day notebook calls: open (or resume) an exercise, then play it.

``interactive`` shows the widgets and leaves every decision to the people in the room;
``auto`` runs the playbook headless (papermill, ``drill``) and shows the summary;
``review`` reads a finished exercise back (the archive's ``exercise.ipynb`` of an
interactive game day is the notebook run this way when Finish is clicked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from bookstore_resil import workbook
from bookstore_resil.archive import layout
from bookstore_resil.archive.measure import Summary
from bookstore_resil.archive.notebooks import import_ahead, notebook_kernel, run_notebook
from bookstore_resil.define.loader import load_system, locate_system_folder
from bookstore_resil.define.model import Scenario, System
from bookstore_resil.define.target_file import TARGET_FILE
from bookstore_resil.display import Html, Progress, to_stderr
from bookstore_resil.errors import ExerciseError
from bookstore_resil.exercise.engine import Exercise, Options
from bookstore_resil.exercise.headless import run_auto
from bookstore_resil.targets import get_target

MODES = ("interactive", "auto", "review")
# Each open exercise's announcer, for the panel (its warnings) and auto mode (its last post).
ANNOUNCERS: WeakKeyDictionary[Exercise, Any] = WeakKeyDictionary()
GAME_DAY_NOTEBOOK = workbook.notebook(workbook.GAME_DAY)


@dataclass(frozen=True)
class FinishedExercise:
    """An exercise that is over, read back from its archive."""

    exercise_id: str
    system: System
    scenario: Scenario
    archive_dir: Path
    mode: str = "review"
    finished: bool = True

    def summary(self) -> Summary:
        return layout.read_archive(self.archive_dir).summary()


DEFAULT_PROBE_INTERVAL_S = 0.1


def default_target(data_dir: Path) -> str:
    """``system`` for a folder that says how to reach its system (``target.yaml``), else
    ``lab``, which knows the Bookstore alone (docs/contract.md §4)."""
    return "system" if (Path(data_dir) / TARGET_FILE).is_file() else "lab"


def build_target(name: str, data_dir: Path, options: dict[str, Any] | None = None) -> Any:
    """The target driver ``name`` (empty: :func:`default_target`); the aws and system
    drivers also read the system folder (aws.yaml, target.yaml)."""
    options = dict(options or {})
    name = name or default_target(data_dir)
    if name in ("aws", "system"):
        options.setdefault("data_dir", str(data_dir))
    return get_target(name, **options)


def open_exercise(
    scenario: str,
    target: str = "",
    data_dir: str = "data/bookstore",
    mode: str = "interactive",
    probe_interval: float | None = None,
    out_dir: str = "reports",
    exercise_id: str = "",
    target_options: dict[str, Any] | None = None,
    fail_on_breach: bool = False,
    fault: str = "",
    execute: bool = False,
    announce: list[str] | None = None,
) -> Exercise | FinishedExercise:
    """A new exercise, the one ``exercise_id`` names when its log exists (resume), or in
    ``review`` mode that finished exercise read back.

    An empty ``target`` is the folder's default (:func:`default_target`); no
    ``probe_interval``, the target's own (target.yaml's ``interval``), else 0.1 s. Without
    ``execute`` the exercise is a dry run: nothing is broken, nothing runs. ``announce``
    (Apprise URLs), with target.yaml's own, is where the game day is announced."""
    from bookstore_resil.errors import UsageError

    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    folder = locate_system_folder(data_dir)
    system = load_system(folder)
    out = locate_system_folder(out_dir)
    if mode == "review":
        record = layout.read_archive(layout.exercise_dir(out, exercise_id))
        if record.start is None:
            raise ExerciseError(exercise_id, "its event log has no exercise_started event")
        scenario_id = record.start["scenario"]
        return FinishedExercise(
            exercise_id, system, system.scenario(scenario_id), record.archive_dir
        )
    driver = build_target(target, folder, target_options)
    interval = driver.probe_interval_s or DEFAULT_PROBE_INTERVAL_S
    options = Options.of_target(driver, interval if probe_interval is None else probe_interval)
    urls = [*(announce or ()), *announced_in(folder)]
    if exercise_id and layout.holds_exercise(layout.exercise_dir(out, exercise_id)):
        resumed = Exercise.resume(out / exercise_id, system, driver, options)
        attach_announcer(resumed, urls)
        return resumed
    driver.check_ready()  # before a new exercise: a lab that is not there is one clear line
    exercise = Exercise.create(
        system,
        scenario,
        driver,
        out_dir=out,
        exercise_id=exercise_id or None,
        mode=mode,
        options=options,
        fail_on_breach=fail_on_breach,
        fault=fault or None,
        execute=execute,
    )
    # Attached right after create, so that the start (the fault) is announced.
    attach_announcer(exercise, urls)
    return exercise


def announced_in(folder: Path) -> list[str]:
    """target.yaml's ``announce:`` URLs; none without a target.yaml."""
    from bookstore_resil.define.target_file import load_target_file

    return load_target_file(folder).announce if (folder / TARGET_FILE).is_file() else []


def attach_announcer(exercise: Exercise, urls: list[str]) -> None:
    from bookstore_resil.exercise.announce import announce

    announcer = announce(exercise, urls)
    if announcer is not None:
        ANNOUNCERS[exercise] = announcer


# Run once the panel is on screen (JupyterLab runs a trusted output's JavaScript): save the
# notebook, so that a second JupyterLab user who opens it sees the live panel, not empty cells.
SAVE_NOTEBOOK_JS = """
(function (element) {
  let tries = 0;
  function save() {
    const notebook = element.closest && element.closest(".jp-NotebookPanel");
    const button = notebook && notebook.querySelector('[data-command="docmanager:save"]');
    if (button) { button.click(); return; }
    if (++tries < 40) { setTimeout(save, 250); }
  }
  setTimeout(save, 1000);
})(element);
"""


# Run with the panel: a widget button pressed while a widget text field has the focus
# leaves the field first. The field sends its text when it loses focus (cards.SENT_ON_LEAVING),
# and in JupyterLab that came only after the click had gone to the kernel: the note then
# arrived after the step's outcome.
SEND_TEXT_FIRST_JS = """
(function () {
  if (window.bookstoreResilSendsTextFirst) { return; }
  window.bookstoreResilSendsTextFirst = true;
  document.addEventListener("pointerdown", function (event) {
    const field = document.activeElement;
    const button = event.target.closest && event.target.closest("button.jupyter-button");
    if (button && field && field.closest && field.closest(".widget-textarea, .widget-text")) {
      field.blur();
    }
  }, true);
})();
"""


class Shown:
    """The game-day panel as the notebook shows it: its widgets, then its script (text
    fields sent before a button's click, the notebook saved)."""

    def __init__(self, panel: Any):
        self.panel = panel

    def _ipython_display_(self) -> None:
        from IPython.display import Javascript, display

        from bookstore_resil.exercise.header import SCROLL_TO_VERDICT_JS

        display(self.panel.widget)
        display(Javascript(SEND_TEXT_FIRST_JS + SCROLL_TO_VERDICT_JS + SAVE_NOTEBOOK_JS))


def play(exercise: Exercise | FinishedExercise, responses: dict[str, str] | None = None) -> Any:
    """Interactive: the game-day panel to display. Auto: every step runs now. Review: nothing
    to play."""
    if isinstance(exercise, FinishedExercise) or exercise.mode == "review":
        return None
    announcer = ANNOUNCERS.get(exercise)
    if exercise.mode == "auto":
        run_auto(exercise, responses, progress=lambda line: print(line, flush=True))
        if announcer is not None:
            announcer.flush(60)  # the finish is posted before the kernel goes
        return None
    from bookstore_resil.exercise.widgets import GameDayPanel

    return Shown(GameDayPanel(exercise, on_finish=archive_interactive, announcer=announcer))


def archive_interactive(exercise: Exercise, progress: Progress = to_stderr) -> None:
    """What Finish (or Halt) leaves beside the event log: ``exercise.ipynb`` (the game-day
    notebook reviewing this exercise) and the report."""
    from bookstore_resil.report.build import build_report

    parameters = {
        "scenario": exercise.scenario.id,
        "data_dir": str(Path(exercise.system.path).absolute()),
        "mode": "review",
        "out_dir": str(exercise.archive_dir.absolute().parent),
        "exercise_id": exercise.exercise_id,
    }
    progress(f"{layout.EXERCISE_NOTEBOOK}: the game-day notebook reviews the exercise")
    error = run_game_day_notebook(exercise.archive_dir, parameters)
    if error:
        raise ExerciseError(exercise.exercise_id, f"exercise.ipynb not written: {error}")
    build_report(exercise.archive_dir, progress=progress)


@contextmanager
def game_day_kernel(folder: Path, driver: Any) -> Iterator[Any]:
    """A kernel for :func:`run_game_day_notebook`, started now in ``folder`` (the archives'
    parent: the archive is not made yet) and importing the exercise's code and ``driver``'s
    while the caller checks the target; killed at the end."""
    with notebook_kernel(folder) as kernel:
        import_ahead(kernel, (__name__, type(driver).__module__))
        yield kernel


def run_game_day_notebook(
    archive_dir: Path,
    parameters: dict[str, Any],
    stdout: Any = None,
    started: Callable[[int], None] | None = None,
    kernel: Any = None,
) -> str | None:
    """Execute the game-day notebook into ``archive_dir/exercise.ipynb`` (in that folder);
    the error of the cell that failed, or None. ``started`` gets the kernel's pid;
    ``kernel``, from :func:`game_day_kernel`, runs it, else one starts here."""
    output = archive_dir / layout.EXERCISE_NOTEBOOK
    return run_notebook(GAME_DAY_NOTEBOOK, output, parameters, archive_dir, stdout, started, kernel)


def verdict(exercise: Exercise | FinishedExercise) -> Html:
    """The summary cell: the verdict (the report's headline) and the steps as they ran,
    once the exercise is over."""
    from bookstore_resil.report.document import load_report

    if not exercise.finished:
        return Html(
            "<p>The exercise is still running: run this cell again after <b>Finish</b> "
            "(or read the verdict in the panel).</p>"
        )
    report = load_report(exercise.archive_dir, exercise.system.path)
    return Html(report.headline().html + report.steps_table().html)
