"""A Chaos Toolkit experiment -> a playbook scenario and the ``target.yaml`` entries it runs.

Pure data conversion: nothing here reads the system folder or writes a file (the command's
:mod:`~bookstore_resil.define.chaostoolkit_write` does). The experiment keeps Chaos Toolkit's
meaning, in the game day's terms:

- the steady-state hypothesis's probes become ``probes`` (what the prober samples, so the
  outage is measured), each a ``{chaostoolkit: ACTIVITY}`` with its tolerance kept; they are
  also the test procedure, as Chaos Toolkit checks the hypothesis again after the method;
- the method's first action not run in the background (or the one ``--fault`` names)
  becomes the scenario's ``fault``; its other activities, in order, the recovery
  procedure's steps (none: ``fault: manual``, the team breaks it);
- the rollbacks become the rollback procedure, run when an exercise ends unrecovered;
- the title and description become the scenario's, the contributions a line of its
  overview; the experiment's ``configuration``, and the ``secrets`` its kept activities use,
  go to ``target.yaml`` as they are, for chaostoolkit-lib to resolve.

What a game day does not do the Chaos Toolkit way gets a note saying what became of it:
background activities (run in turn here), pauses (not kept), controls and extensions (not
imported), secrets no kept activity uses (not imported).

What Chaos Toolkit does not know (RTO, RPO, the leads) is written ``TODO``, which ``validate``
flags and the analyses tolerate, so nobody mistakes a guess for a decision.
"""

from __future__ import annotations

import json
import re
import shlex
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from bookstore_resil.define.chaostoolkit_read import read_experiment
from bookstore_resil.define.model import MANUAL_FAULT
from bookstore_resil.define.units import TODO
from bookstore_resil.errors import UsageError

ID_LENGTH = 60
NO_CONTROLS = "not imported (a game day runs no Chaos Toolkit controls)"
__all__ = ["Conversion", "SystemFacts", "convert", "describe", "read_experiment", "slug"]


@dataclass(frozen=True)
class SystemFacts:
    """What the conversion needs to know of the system folder it imports into."""

    services: dict[str, bool] = field(default_factory=dict)  # id -> declared critical
    entrypoint: str | None = None
    probe_names: frozenset[str] = frozenset()  # already in target.yaml
    has_user_facing: bool = False


@dataclass(frozen=True)
class Conversion:
    """The scenario document and the target.yaml entries, in docs/contract.md §1 and §4 shapes."""

    scenario: dict[str, Any]
    probes: list[dict[str, Any]]
    faults: dict[str, dict[str, Any]]
    actions: dict[str, dict[str, Any]]
    configuration: dict[str, Any]
    secrets: dict[str, Any]
    notes: list[str]


def convert(
    experiment: dict[str, Any],
    facts: SystemFacts,
    *,
    source: str,
    service: str | None = None,
    lead: str | None = None,
    scenario_id: str | None = None,
    probe_services: dict[str, str] | None = None,
    fault: str | None = None,
) -> Conversion:
    """The scenario and target.yaml entries of a checked ``experiment`` (see the module).

    ``probe_services`` names the service a hypothesis probe watches (activity name ->
    service id, each a service of ``facts`` no probe watches yet), where its name does not
    say; UsageError when a name is no probe of the hypothesis. ``fault`` names the method's
    action to inject (default: its first action not run in the background)."""
    hypothesis = experiment.get("steady-state-hypothesis") or {}
    sections = [hypothesis.get("probes", []), experiment["method"], experiment.get("rollbacks", [])]
    named = {a["name"]: a for section in sections for a in section if "ref" not in a}
    hypothesis_probes, method, rollbacks = (
        [named[a["ref"]] if "ref" in a else a for a in section] for section in sections
    )
    notes: list[str] = []
    service = service or facts.entrypoint or TODO
    injected = _fault(method, fault)
    steps = _Steps()
    actions: dict[str, dict[str, Any]] = {}
    recovery = [steps.step(a, actions) for a in method if a is not injected]
    test = [steps.step(a, actions) for a in hypothesis_probes]
    rollback = [steps.step(a, actions) for a in rollbacks]
    if not (recovery or test):
        recovery = [{"id": f"restore-{slug(service)}", "title": f"{TODO}: restore {service}"}]
        notes.append("the experiment has no step after its fault: write the recovery steps")
    kept = list({id(a): a for a in [*hypothesis_probes, *method, *rollbacks]}.values())
    notes += _what_became_of(experiment, kept, injected, steps)
    chosen = _chosen_services(probe_services or {}, hypothesis_probes, facts)
    probes = _probes(hypothesis_probes, facts, service, notes, chosen)
    scenario: dict[str, Any] = {
        "id": scenario_id or slug(experiment["title"], ID_LENGTH),
        "title": experiment["title"].strip(),
        "description": str(experiment.get("description") or "").strip(),
        "playbook": _playbook_kind(service, facts),
        "service": service,
        "leads": {"primary": lead or TODO},
        "overview": [
            f"Imported from the Chaos Toolkit experiment {source}.",
            *_contributions(experiment),
        ],
        "assumptions": [f"Steady state: {hypothesis['title']}"] if hypothesis.get("title") else [],
        "rto": TODO,
        "rpo": TODO,
        "fault": slug(injected["name"]) if injected else MANUAL_FAULT,
        "recovery_procedure": recovery,
        "test_procedure": test,
    }
    if rollback:
        scenario["rollback_procedure"] = rollback
    secrets = _used_secrets(experiment.get("secrets") or {}, kept, notes)
    notes += [
        f"secret {scope}.{key} is written as it is in the experiment; "
        "prefer {type: env, key: NAME}"
        for scope, values in secrets.items()
        if isinstance(values, dict)
        for key, value in values.items()
        if not isinstance(value, dict)
    ]
    return Conversion(
        scenario=scenario,
        probes=probes,
        faults={slug(injected["name"]): {"chaostoolkit": deepcopy(injected)}} if injected else {},
        actions=actions,
        configuration=deepcopy(experiment.get("configuration") or {}),
        secrets=deepcopy(secrets),
        notes=notes,
    )


def _fault(method: list[dict[str, Any]], wanted: str | None) -> dict[str, Any] | None:
    """The method's activity to inject: ``wanted``, else its first action not run in the
    background (a load generator started alongside is no fault)."""
    if wanted is None:
        return next((a for a in method if a["type"] == "action" and not a.get("background")), None)
    found = next((a for a in method if a["name"] == wanted), None)
    if found is None or found["type"] != "action":
        actions = ", ".join(a["name"] for a in method if a["type"] == "action") or "none"
        what = "a probe" if found else "no activity of the method"
        raise UsageError(f"--fault {wanted}: {what}, not one of its actions ({actions})")
    return found


def _what_became_of(
    experiment: dict[str, Any], kept: list[dict[str, Any]], injected: Any, steps: _Steps
) -> list[str]:
    """A note for each thing Chaos Toolkit does that a game day does otherwise."""
    notes = []
    for activity in kept:
        name = activity["name"]
        if activity.get("background"):
            became = (
                "the fault, injected before the steps"
                if activity is injected
                else f"step {steps.of[id(activity)]!r}, run in turn (start it by hand before "
                "the fault if it must run alongside)"
            )
            notes.append(
                f"activity {name!r} runs in the background in the experiment; here it is {became}"
            )
        pauses = activity.get("pauses")
        if isinstance(pauses, dict) and pauses:
            waits = ", ".join(f"{when} {seconds}s" for when, seconds in pauses.items())
            notes.append(
                f"activity {name!r} pauses ({waits}): not kept; the next step starts when it "
                "is done, so wait by hand where the pause matters"
            )
        for control in activity.get("controls") or []:
            notes.append(f"control {_name(control)!r} of activity {name!r}: {NO_CONTROLS}")
    for control in experiment.get("controls") or []:
        notes.append(f"control {_name(control)!r}: {NO_CONTROLS}")
    if experiment.get("contributions"):
        notes.append("contributions: kept as a line of the scenario's overview")
    for extension in experiment.get("extensions") or []:
        notes.append(
            f"extension {_name(extension)!r}: not imported (the scenario has no place for it)"
        )
    return notes


def _name(item: object) -> str:
    return str(item.get("name") if isinstance(item, dict) else item)


def _contributions(experiment: dict[str, Any]) -> list[str]:
    found = experiment.get("contributions")
    if not isinstance(found, dict) or not found:
        return []
    return ["Chaos Toolkit contributions: " + ", ".join(f"{k} {v}" for k, v in found.items())]


def _used_secrets(
    secrets: dict[str, Any], kept: list[dict[str, Any]], notes: list[str]
) -> dict[str, Any]:
    """The secret scopes a kept activity names; a note for each other one."""
    used = {str(scope) for activity in kept for scope in activity.get("secrets") or []}
    for scope in secrets:
        if scope not in used:
            notes.append(f"secrets {scope!r}: used by no imported activity, not imported")
    return {scope: deepcopy(values) for scope, values in secrets.items() if scope in used}


class _Steps:
    """Playbook steps of activities, each id unique in the scenario."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.of: dict[int, str] = {}  # id() of an activity -> the id of its step

    def step(self, activity: dict[str, Any], actions: dict[str, dict[str, Any]]) -> dict[str, Any]:
        name = slug(activity["name"])
        actions[name] = {"chaostoolkit": deepcopy(activity)}
        step_id, count = name, 1
        while step_id in self.ids:
            count += 1
            step_id = f"{name}-{count}"
        self.ids.add(step_id)
        self.of[id(activity)] = step_id
        step: dict[str, Any] = {
            "id": step_id,
            "title": activity["name"].replace("-", " ").replace("_", " ").capitalize(),
            "command": describe(activity["provider"]),
            "action": {"name": name},
        }
        if "tolerance" in activity:
            step["expect"] = f"tolerance {json.dumps(activity['tolerance'])}"
        return step


def _chosen_services(
    given: dict[str, str], activities: list[dict[str, Any]], facts: SystemFacts
) -> dict[str, str]:
    """``--probe NAME=SERVICE`` checked against the hypothesis and the system."""
    known = [a["name"] for a in activities]
    for name, service in given.items():
        option = f"--probe {name}={service}"
        if name not in known:
            listed = ", ".join(known) or "none"
            raise UsageError(f"{option}: no probe of the steady-state hypothesis ({listed})")
        if service not in facts.services:
            raise UsageError(f"{option}: unknown service (known: {', '.join(facts.services)})")
    services = list(given.values())
    twice = sorted({s for s in services if services.count(s) > 1})
    if twice:
        raise UsageError(f"--probe: service {', '.join(twice)} given twice (one probe a service)")
    return given


def _probes(
    activities: list[dict[str, Any]],
    facts: SystemFacts,
    service: str,
    notes: list[str],
    chosen: dict[str, str],
) -> list[dict[str, Any]]:
    """target.yaml probes of the hypothesis: each named for the service it watches (as
    ``chosen``, else an id in its name, else the scenario's service), one user-facing (the
    first HTTP one). One ``chosen`` for a service target.yaml probes already stays a test
    step only, with a note."""
    taken = set(facts.probe_names) | set(chosen.values())
    names: dict[int, str] = {}
    for index, activity in enumerate(activities):
        if activity["name"] in chosen:
            names[index] = chosen[activity["name"]]
            continue
        watched = _service_in(activity["name"], facts.services)
        if watched and watched not in taken:
            names[index] = watched
            taken.add(watched)
    facing = None
    # The entrypoint's probe is what users see unless another says so (Watch).
    if not facts.has_user_facing and facts.entrypoint not in chosen.values():
        rest = [i for i in range(len(activities)) if i not in names]
        http = [i for i in rest if activities[i]["provider"]["type"] == "http"]
        facing = next(iter(http or rest), None)
    probes = []
    for index, activity in enumerate(activities):
        name = names.get(index)
        if activity["name"] in chosen and name in facts.probe_names:
            notes.append(
                f"probe {activity['name']!r} watches {name!r}, which target.yaml probes already: "
                "it is a step of the test procedure, not a second probe (one probe a service)"
            )
            continue
        if name is None and index != facing and service in facts.services and service not in taken:
            name = service
        if name is None:
            name = slug(activity["name"])
            if index != facing:
                notes.append(
                    f"probe {name!r} watches no service of the system: rename it, or import "
                    f"with --probe {activity['name']}=SERVICE"
                )
        taken.add(name)
        probe: dict[str, Any] = {"name": name, "chaostoolkit": deepcopy(activity)}
        if index == facing:
            probe["user_facing"] = True
        probes.append(probe)
    return probes


def _service_in(name: str, services: dict[str, bool]) -> str | None:
    padded = f"-{slug(name)}-"
    found = [sid for sid in services if f"-{sid}-" in padded]
    return max(found, key=len) if found else None


def _playbook_kind(service: str, facts: SystemFacts) -> str:
    if service == facts.entrypoint or service not in facts.services:
        return "disaster-recovery"
    return "critical-dependency" if facts.services[service] else "non-critical-dependency"


def describe(provider: dict[str, Any]) -> str:
    """What a provider runs, as a person reads it: the step's ``command``."""
    if provider["type"] == "process":
        arguments = provider.get("arguments") or ""
        if isinstance(arguments, list):
            arguments = shlex.join(str(a) for a in arguments)
        return f"{provider['path']} {arguments}".strip()
    if provider["type"] == "http":
        return f"{str(provider.get('method') or 'GET').upper()} {provider['url']}"
    arguments = provider.get("arguments") or {}
    call = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    return f"{provider['module']}.{provider['func']}({call})"


def slug(text: str, length: int = 0) -> str:
    """A plain id (``[a-z0-9-]``) of ``text``; cut at a word boundary within ``length``."""
    plain = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "activity"
    if length and len(plain) > length:
        plain = plain[: length + 1].rsplit("-", 1)[0]
    return plain
