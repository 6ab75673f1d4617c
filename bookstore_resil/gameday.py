"""What the game-day notebook calls: open (or resume) an exercise, then play it.

``interactive`` shows the widgets and leaves every decision to the people in the room;
``auto`` runs the playbook headless (papermill, ``drill``) and shows the summary.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from .events import EVENTS_FILE
from .exercise import Exercise, Options
from .loader import load_system, locate_system_folder
from .measure import Summary
from .targets import get_target

MODES = ("interactive", "auto")


def build_target(name: str, data_dir: Path, options: dict[str, Any] | None = None) -> Any:
    """The target driver ``name``; the aws driver also reads the system folder's aws.yaml."""
    options = dict(options or {})
    if name == "aws":
        options.setdefault("data_dir", str(data_dir))
    return get_target(name, **options)


def open_exercise(
    scenario: str,
    target: str = "lab",
    data_dir: str = "data/bookstore",
    mode: str = "interactive",
    probe_interval: float = 0.1,
    out_dir: str = "reports",
    exercise_id: str = "",
    target_options: dict[str, Any] | None = None,
    fail_on_breach: bool = False,
    fault: str = "",
) -> Exercise:
    """A new exercise, or the one ``exercise_id`` names when its log exists (resume)."""
    from .errors import UsageError

    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    folder = locate_system_folder(data_dir)
    system = load_system(folder)
    driver = build_target(target, folder, target_options)
    options = Options(probe_interval_s=probe_interval)
    out = locate_system_folder(out_dir)
    if exercise_id and (out / exercise_id / EVENTS_FILE).exists():
        return Exercise.resume(out / exercise_id, system, driver, options)
    return Exercise.create(
        system,
        scenario,
        driver,
        out_dir=out,
        exercise_id=exercise_id or None,
        mode=mode,
        options=options,
        fail_on_breach=fail_on_breach,
        fault=fault or None,
    )


def play(
    exercise: Exercise,
    responses: dict[str, str] | None = None,
    notebook_path: str | None = None,
) -> Any:
    """Interactive: the game-day panel to display. Auto: every step runs now; None."""
    if exercise.mode == "auto":
        exercise.run_auto(responses, progress=lambda line: print(line, flush=True))
        return None
    from .widgets import GameDayPanel

    def archive(finished: Exercise) -> None:
        if notebook_path and Path(notebook_path).exists():
            shutil.copyfile(notebook_path, finished.archive_dir / "exercise.ipynb")
        from .archive import build_report

        build_report(finished.archive_dir)

    return GameDayPanel(exercise, on_finish=archive).widget


def summary_table(summary: Summary) -> Any:
    """The steps of a finished exercise as a pandas table."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "step": s.id,
                "procedure": s.procedure,
                "status": s.status,
                "by": s.by,
                "duration_s": s.duration_s,
                "error": s.error,
            }
            for s in summary.steps
        ]
    )
