"""Playbook sign-off: who agreed (or disagreed) to which playbook, and to which version.

``signoffs.yaml`` in the system folder holds one record per (contact, scenario): the latest
decision, the sha256 of the playbook it was made on, when, and a comment; earlier decisions
move to the record's ``history``. The hash is of the playbook's *content*: the YAML parsed and
dumped again as canonical JSON (sorted keys, no whitespace), so re-indenting, re-quoting,
re-ordering keys or editing comments keeps a sign-off current, while any change to a value
(a step, its order, an RTO) makes it stale. Canonical JSON rather than a YAML re-dump because
its bytes do not depend on the PyYAML version.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from bookstore_resil.analyse.people import concerns
from bookstore_resil.define.loader import Collector
from bookstore_resil.errors import DefinitionError, UsageError

if TYPE_CHECKING:
    import ipywidgets
    import pandas as pd

    from bookstore_resil.define.model import Contact, Scenario, System

SIGNOFFS_FILE = "signoffs.yaml"
AGREED, DISAGREED, STALE, MISSING = "agreed", "disagreed", "stale", "missing"
NOT_CONCERNED = "-"
_HEADER = (
    "# Written by `bookstore-resil signoff`: who agreed to which playbook, and the sha256 of\n"
    "# the playbook's content they agreed to. The latest decision wins; earlier ones are kept\n"
    "# under `history`.\n"
)


class Decision(BaseModel):
    """One decision on one version of a playbook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: Literal["agreed", "disagreed"]
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    at: AwareDatetime
    comment: str | None = None

    @model_validator(mode="after")
    def _why(self) -> Decision:
        if self.decision == DISAGREED and not (self.comment or "").strip():
            raise ValueError("a disagreement needs a comment saying why")
        return self


class SignOff(Decision):
    """The latest decision of ``name`` on ``scenario``'s playbook, and the earlier ones."""

    name: str
    scenario: str
    history: list[Decision] = []

    @property
    def latest(self) -> Decision:
        return Decision(**{field: getattr(self, field) for field in Decision.model_fields})

    def as_yaml(self) -> dict:
        decision = self.latest.model_dump(mode="json")
        history = [entry.model_dump(mode="json") for entry in self.history]
        return {"name": self.name, "scenario": self.scenario, **decision, "history": history}


class _SignoffsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signoffs: list[SignOff] = []


def playbook_hash(scenario: Scenario) -> str:
    """The sha256 of the content of ``scenario``'s playbook file (see the module's doc)."""
    if not scenario.source:
        raise UsageError(f"scenario {scenario.id!r} was not loaded from a file: nothing to sign")
    try:
        document = yaml.safe_load(Path(scenario.source).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{scenario.source}: cannot read the playbook: {exc}") from None
    canonical = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_signoffs(folder: str | Path) -> list[SignOff]:
    """The sign-offs of a system folder ([] without ``signoffs.yaml``).

    Raises DefinitionError with a ``FILE:LINE: field: message`` problem for each thing wrong.
    """
    folder = Path(folder)
    path = folder / SIGNOFFS_FILE
    if not path.exists():
        return []
    found = Collector(folder)
    file = str(path)
    document = found.read(path)
    parsed = None if document is None else found.validate(file, _SignoffsFile, document)
    if parsed is not None:
        seen: set[tuple[str, str]] = set()
        for index, record in enumerate(parsed.signoffs):
            key = (record.name, record.scenario)
            if key in seen:
                found.add(
                    file,
                    ("signoffs", index),
                    f"a second record for {record.name} on {record.scenario}: keep one",
                )
            seen.add(key)
    if found.problems:
        raise DefinitionError(found.problems)
    return parsed.signoffs


def _write(folder: Path, signoffs: list[SignOff]) -> None:
    path = folder / SIGNOFFS_FILE
    body = yaml.safe_dump(
        {"signoffs": [s.as_yaml() for s in signoffs]},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(_HEADER + body, encoding="utf-8")
    os.replace(temporary, path)


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
    moment = (at or datetime.now(timezone.utc)).replace(microsecond=0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)

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
    _write(folder, list(records.values()))
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
