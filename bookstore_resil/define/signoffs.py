"""``signoffs.yaml``: the file model of playbook sign-offs, and reading and writing it.

The file sits in the system folder beside the definition and is checked with it
(``validate``): one record per (contact, scenario) holding the latest decision, the sha256 of
the playbook it was made on, when, and a comment; earlier decisions move to the record's
``history``. The hash is of the playbook's *content*: the YAML parsed and dumped again as
canonical JSON (sorted keys, no whitespace), so re-indenting, re-quoting, re-ordering keys or
editing comments keeps a sign-off current, while any change to a value (a step, its order, an
RTO) makes it stale. Canonical JSON rather than a YAML re-dump because its bytes do not depend
on the PyYAML version. What the decisions mean for a system is ``analyse.signoff``'s.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from bookstore_resil.define.files import read_text
from bookstore_resil.define.loader import Collector
from bookstore_resil.define.yamlpos import BoundedSafeLoader
from bookstore_resil.errors import DefinitionError, UsageError

if TYPE_CHECKING:
    from bookstore_resil.define.model import Scenario

SIGNOFFS_FILE = "signoffs.yaml"
AGREED, DISAGREED = "agreed", "disagreed"
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
    text = read_text(scenario.source)
    try:
        document = yaml.load(text, Loader=BoundedSafeLoader)
    except yaml.YAMLError as exc:
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise UsageError(f"{scenario.source}: cannot read the playbook: {reason}") from None
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
    if found.problems or parsed is None:
        raise DefinitionError(found.problems)
    return parsed.signoffs


def write_signoffs(folder: Path, signoffs: list[SignOff]) -> None:
    """Replace ``signoffs.yaml`` with ``signoffs`` in one step: a reader sees the old file or
    the new one, never half of one."""
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
