"""A catalog's Groups and Users -> ``contacts.yaml``: who to call, and up which org chart.

A Group becomes a contact (its ``profile.displayName``, else its title or name; its email;
its ``spec.type`` as position) that reports to its ``spec.parent`` group. A User becomes a
contact of its first ``spec.memberOf`` group (``team``), reporting to that group. Each
contact covers the imported services it owns (``spec.owner``). Two contacts with the same
name (the same person in two namespaces) are told apart by their entity reference.
"""

from __future__ import annotations

from typing import Any

from bookstore_resil.define.backstage.catalog import Catalog, Entity, Ref
from bookstore_resil.define.backstage.system import service_id


def _display(entity: Entity) -> str:
    profile = entity.spec.get("profile")
    name = profile.get("displayName") if isinstance(profile, dict) else None
    return str(name or entity.metadata.get("title") or entity.metadata["name"]).strip()


def _email(entity: Entity) -> str | None:
    profile = entity.spec.get("profile")
    email = profile.get("email") if isinstance(profile, dict) else None
    return str(email) if email else None


def contacts_document(catalog: Catalog, services: list[Entity]) -> dict[str, Any] | None:
    """The ``contacts.yaml`` document of the catalog's Groups and Users (None without any),
    each covering the ``services`` imported that it owns."""
    people = catalog.of_kind("group", "user")
    if not people:
        return None
    names = _names(people)
    owned: dict[Ref | None, list[str]] = {}
    for service in services:
        for _, _, owner in service.refs("owner", "group"):
            owned.setdefault(owner, []).append(service_id(service))
    contacts = []
    for entity in people:
        if entity.kind == "group":
            parent = next((ref for _, _, ref in entity.refs("parent", "group")), None)
            team, reports_to = None, names.get(parent) if parent is not None else None
            position = str(entity.spec.get("type") or "group")
        else:
            groups = [ref for _, _, ref in entity.refs("memberOf", "group") if ref in names]
            team = reports_to = names[groups[0]] if groups else None
            position = f"member of {team}" if team else ""
        contact: dict[str, Any] = {"name": names[entity.key], "position": position}
        if team:
            contact["team"] = team
        if owned.get(entity.key):
            contact["services"] = owned[entity.key]
        if _email(entity):
            contact["email"] = _email(entity)
        contact["reports_to"] = reports_to
        contacts.append(contact)
    return {"contacts": contacts}


def _names(people: list[Entity]) -> dict[Ref, str]:
    """Each Group's and User's contact name, unique: a repeated one gets its reference."""
    shown = {entity.key: _display(entity) for entity in people}
    repeated = {name for name in shown.values() if list(shown.values()).count(name) > 1}
    return {
        entity.key: f"{shown[entity.key]} ({entity.ref})"
        if shown[entity.key] in repeated
        else shown[entity.key]
        for entity in people
    }
