"""People: when each contact is available, and who to notify, in order, when a service fails.

Availability is the contact table's free text, parsed by ``define.availability`` and read here
in the contact's own time zone. The order to call people follows the notification procedures:
the scenario's leads, then everyone whose services cover the failed one, then up the org chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bookstore_resil.clock import aware, now
from bookstore_resil.define.availability import parse_availability
from bookstore_resil.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from bookstore_resil.define.model import Contact, Scenario, System


def is_available(contact: Contact, at: datetime) -> bool:
    """Whether ``contact`` is available at ``at``, in their own time zone."""
    return parse_availability(contact.availability).at(at, contact.timezone)


def concerns(contact: Contact, scenario: Scenario) -> bool:
    """A scenario concerns a contact who leads it or whose services cover its service."""
    leads = (scenario.leads.primary, scenario.leads.secondary)
    return contact.name in leads or contact.covers(scenario.service)


@dataclass(frozen=True)
class Escalation:
    """One person to notify, why, and whether they are available at that moment."""

    contact: Contact
    reason: str
    available: bool

    @property
    def name(self) -> str:
        return self.contact.name

    def as_json(self) -> dict[str, Any]:
        """One entry of ``notify --json``'s ``contacts`` (docs/contract.md §2)."""
        contact = self.contact
        return {
            "name": contact.name,
            "position": contact.position,
            "reason": self.reason,
            "available": self.available,
            "email": contact.email,
            "phone": contact.phone,
        }


def _escalate(
    system: System, service: str, scenarios: list[Scenario], at: datetime | None
) -> list[Escalation]:
    moment = aware(at or now())
    reasons: dict[str, str] = {}
    # A lead still written TODO (an incomplete system, loaded leniently) is nobody to call.
    known = {contact.name for contact in system.contacts}
    for scenario in scenarios:
        for role, name in (
            ("primary", scenario.leads.primary),
            ("secondary", scenario.leads.secondary),
        ):
            if name in known:
                reasons.setdefault(name, f"{role} lead of {scenario.id}")
    for contact in system.contacts:
        if contact.covers(service):
            reasons.setdefault(contact.name, f"covers {service}")
    # Everyone added here is walked in turn, so the whole chain above each person is added.
    listed = list(reasons)
    for name in listed:
        manager = system.contact(name).reports_to
        if manager is not None and manager not in reasons:
            reasons[manager] = f"manager of {name}"
            listed.append(manager)
    contacts = [system.contact(name) for name in listed]
    return [Escalation(c, reasons[c.name], is_available(c, moment)) for c in contacts]


def who_to_notify(system: System, service: str, at: datetime | None = None) -> list[Escalation]:
    """Everyone to notify when ``service`` fails, in the order to call them.

    The primary and secondary leads of every scenario of ``service`` (in playbook order),
    then the contacts whose services cover it, then up the org chart from everyone listed;
    each person once, with the first reason found. ``at`` defaults to now.
    """
    known = [s.id for s in system.services]
    if service not in known:
        raise UsageError(f"unknown service {service!r} (known: {', '.join(known)})")
    scenarios = [s for s in system.scenarios if s.service == service]
    return _escalate(system, service, scenarios, at)


def notify_now(system: System, scenario: Scenario, at: datetime | None = None) -> list[Escalation]:
    """Who to notify during an exercise of ``scenario``: its own leads first, then as
    :func:`who_to_notify` for its service. ``at`` defaults to now."""
    return _escalate(system, scenario.service, [scenario], at)


def notify_table(escalations: list[Escalation]) -> pd.DataFrame:
    """The call list as a table, numbered in the order to call."""
    import pandas as pd

    columns = ["Name", "Position", "Reason", "Available", "Phone", "Email", "Availability"]
    rows = [
        {
            "Name": e.contact.name,
            "Position": e.contact.position or "-",
            "Reason": e.reason,
            "Available": "yes" if e.available else "no",
            "Phone": e.contact.phone or "-",  # a missing value reads "-", never None or nan
            "Email": e.contact.email or "-",
            "Availability": f"{e.contact.availability} ({e.contact.timezone})",
        }
        for e in escalations
    ]
    return pd.DataFrame(rows, columns=columns, index=pd.RangeIndex(1, len(rows) + 1, name="#"))
