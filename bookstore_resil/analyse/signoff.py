"""Playbook sign-off: who agreed (or disagreed) to which playbook, and to which version.

Recording a decision, where each contact stands on each scenario's current playbook (agreed,
disagreed, stale or missing), the table of it, and the facilitator's form. The records are
``signoffs.yaml``, whose model, content hash, reading and writing are ``define.signoffs``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bookstore_resil.analyse.people import concerns
from bookstore_resil.clock import aware, now
from bookstore_resil.define.signoffs import (
    AGREED,
    DISAGREED,
    SignOff,
    load_signoffs,
    playbook_hash,
    write_signoffs,
)
from bookstore_resil.errors import DefinitionError, UsageError

if TYPE_CHECKING:
    import ipywidgets
    import pandas as pd

    from bookstore_resil.define.model import Contact, Scenario, System

STALE, MISSING = "stale", "missing"
NOT_CONCERNED = "-"


def scenarios_of(system: System, contact: Contact) -> list[Scenario]:
    """The scenarios that concern ``contact``: they lead it or cover its service."""
    return [s for s in system.scenarios if concerns(contact, s)]


def record_signoff(
    system: System,
    name: str,
    scenario_id: str | None = None,
    *,
    agree: bool = True,
    comment: str | None = None,
    at: datetime | None = None,
) -> list[SignOff]:
    """Record ``name``'s decision on one scenario, or on every scenario that concerns them.

    Writes ``signoffs.yaml`` in the system folder and returns the new records.
    """
    try:
        contact = system.contact(name)
    except KeyError:
        known = ", ".join(c.name for c in system.contacts)
        raise UsageError(f"unknown contact {name!r} (known: {known})") from None
    if scenario_id is None:
        scenarios = scenarios_of(system, contact)
        if not scenarios:
            raise UsageError(f"no scenario concerns {name}; name one with --scenario")
    else:
        scenarios = [system.scenario(scenario_id)]
    if not agree and not (comment or "").strip():
        raise UsageError("a disagreement needs a comment saying why (--comment TEXT)")
    moment = aware(at or now()).replace(microsecond=0)

    folder = Path(system.path)
    records = {(s.name, s.scenario): s for s in load_signoffs(folder)}
    new = []
    for scenario in scenarios:
        earlier = records.get((name, scenario.id))
        history = [] if earlier is None else [*earlier.history, earlier.latest]
        record = SignOff(
            name=name,
            scenario=scenario.id,
            decision=AGREED if agree else DISAGREED,
            sha256=playbook_hash(scenario),
            at=moment,
            comment=comment,
            history=history,
        )
        records[(name, scenario.id)] = record
        new.append(record)
    write_signoffs(folder, list(records.values()))
    return new


@dataclass(frozen=True)
class SignOffStatus:
    """Where one contact stands on one scenario's current playbook."""

    name: str
    scenario: str
    status: str  # agreed, disagreed, stale (made on an earlier version), missing
    concerned: bool
    record: SignOff | None


def signoff_statuses(system: System, signoffs: list[SignOff]) -> list[SignOffStatus]:
    """Every contact x scenario, contacts in definition order, then scenarios."""
    records = {(s.name, s.scenario): s for s in signoffs}
    hashes = {scenario.id: playbook_hash(scenario) for scenario in system.scenarios}
    statuses = []
    for contact in system.contacts:
        for scenario in system.scenarios:
            record = records.get((contact.name, scenario.id))
            if record is None:
                status = MISSING
            elif record.sha256 != hashes[scenario.id]:
                status = STALE
            else:
                status = record.decision
            statuses.append(
                SignOffStatus(
                    contact.name, scenario.id, status, concerns(contact, scenario), record
                )
            )
    return statuses


def signoff_table(system: System, signoffs: list[SignOff]) -> pd.DataFrame:
    """Contacts x scenarios: agreed, disagreed, stale or missing; ``-`` where a scenario does
    not concern the contact and they have not signed it anyway."""
    import pandas as pd

    table = pd.DataFrame(
        NOT_CONCERNED,
        index=pd.Index([c.name for c in system.contacts], name="contact"),
        columns=pd.Index([s.id for s in system.scenarios], name="scenario"),
    )
    for status in signoff_statuses(system, signoffs):
        if status.concerned or status.record is not None:
            table.loc[status.name, status.scenario] = status.status
    return table


def signoff_form(
    system: System, on_record: Callable[[list[SignOff]], None] | None = None
) -> ipywidgets.VBox:
    """A facilitator's form for the playbook review meeting: pick a contact and a scenario
    (or every scenario that concerns them), then Agree or Disagree (with a comment).

    Each click writes ``signoffs.yaml`` through :func:`record_signoff`; ``on_record`` gets
    the new records (the notebook refreshes its table with it).
    """
    import ipywidgets as widgets

    every = "(every scenario that concerns them)"
    contact = widgets.Dropdown(options=[c.name for c in system.contacts], description="Contact")
    scenario = widgets.Dropdown(
        options=[every, *(s.id for s in system.scenarios)], description="Scenario"
    )
    comment = widgets.Textarea(placeholder="Why (required to disagree)", description="Comment")
    agree = widgets.Button(description="Agree", button_style="success", icon="check")
    disagree = widgets.Button(description="Disagree", button_style="danger", icon="times")
    message = widgets.HTML()

    def decide(agreed: bool) -> None:
        try:
            records = record_signoff(
                system,
                contact.value,
                None if scenario.value == every else scenario.value,
                agree=agreed,
                comment=comment.value.strip() or None,
            )
        except (UsageError, DefinitionError) as error:
            message.value = f"<b>Not recorded:</b> {html.escape(str(error))}"
            return
        done = ", ".join(r.scenario for r in records)
        message.value = html.escape(f"Recorded: {contact.value} {records[0].decision} on {done}.")
        comment.value = ""
        if on_record is not None:
            on_record(records)

    agree.on_click(lambda _: decide(True))
    disagree.on_click(lambda _: decide(False))
    return widgets.VBox(
        [widgets.HBox([contact, scenario]), comment, widgets.HBox([agree, disagree]), message]
    )
