"""What the readiness notebook shows, for one system at one moment.

The checklist, the sign-offs, the org chart, the call lists, and the facilitator's sign-off
form, each one call, so notebook 00 stays a guided walk of one-line cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bookstore_resil.analyse.graph import parse_moment
from bookstore_resil.analyse.signoff import signoff_form, signoff_table
from bookstore_resil.define.loader import load_system, locate_system_folder
from bookstore_resil.define.model import System
from bookstore_resil.define.signoffs import load_signoffs
from bookstore_resil.display import show_in
from bookstore_resil.history.history import History, load_history
from bookstore_resil.history.stages import Checklist, checklist


@dataclass
class Readiness:
    folder: Path
    system: System
    moment: datetime
    history: History
    checklist: Checklist

    def summary(self) -> str:
        lines = [
            f"{self.system.system}: {len(self.history.exercises)} archived exercises; "
            f"as of {self.moment.isoformat(timespec='minutes')}",
            f"Reached stage {self.checklist.reached} of {len(self.checklist.stages)}.",
            *(f"skipped {skipped}" for skipped in self.checklist.skipped),
        ]
        return "\n".join(lines)

    def signoffs(self) -> Any:
        """Contact x scenario: agreed, disagreed, stale or missing."""
        return signoff_table(self.system, load_signoffs(self.folder))

    def org_chart(self) -> Any:
        from bookstore_resil.analyse.charts import png_image
        from bookstore_resil.analyse.people_charts import org_chart

        return png_image(org_chart(self.system, self.moment))

    def call_lists(self) -> Any:
        """Who to notify, in order, when each service fails: one table per service."""
        import pandas as pd

        from bookstore_resil.analyse.people import notify_table, who_to_notify

        return pd.concat(
            {
                f"{s.name} ({s.id})": notify_table(who_to_notify(self.system, s.id, self.moment))
                for s in self.system.services
            },
            names=["service", "#"],
        )

    def signoff_panel(self) -> Any:
        """The sign-off form above a table that refreshes with every click."""
        import ipywidgets as widgets

        current = widgets.Output()

        def refresh(_records: object = None) -> None:
            show_in(current, self.signoffs())

        refresh()
        return widgets.VBox([signoff_form(self.system, on_record=refresh), current])


def readiness(data_dir: str, reports_dir: str, at_time: str | None = None) -> Readiness:
    """Load the system, its sign-offs and the archives; judge them at ``at_time`` (now)."""
    folder = locate_system_folder(data_dir)
    system = load_system(folder)
    moment = parse_moment(at_time) or datetime.now(timezone.utc)
    history = load_history(locate_system_folder(reports_dir))
    found = checklist(system, history, load_signoffs(folder), moment)
    return Readiness(folder, system, moment, history, found)
