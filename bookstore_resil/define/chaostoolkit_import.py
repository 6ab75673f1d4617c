"""A Chaos Toolkit experiment -> a playbook scenario and the ``target.yaml`` entries it runs.

Pure data conversion: nothing here reads the system folder or writes a file (the command's
:mod:`~bookstore_resil.define.chaostoolkit_write` does). The experiment keeps Chaos Toolkit's
meaning, in the game day's terms:

- the steady-state hypothesis's probes become ``probes`` (what the prober samples, so the
  outage is measured), each a ``{chaostoolkit: ACTIVITY}`` with its tolerance kept; they are
  also the test procedure, as Chaos Toolkit checks the hypothesis again after the method;
- the method's first action becomes the scenario's ``fault``; its other activities, in
  order, the recovery procedure's steps (none: ``fault: manual``, the team breaks it);
- the rollbacks become the resume procedure;
- the title and description become the scenario's; the experiment's ``configuration`` and
  ``secrets`` go to ``target.yaml`` as they are, for chaostoolkit-lib to resolve.

What Chaos Toolkit does not know (RTO, RPO, the leads) is written ``TODO``, which ``validate``
flags and the analyses tolerate, so nobody mistakes a guess for a decision.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bookstore_resil.define.files import read_text
from bookstore_resil.define.loader import Collector
from bookstore_resil.define.model import MANUAL_FAULT
from bookstore_resil.define.units import TODO
from bookstore_resil.errors import DefinitionError, Problem, UsageError

PROVIDERS = ("process", "python", "http")
ID_LENGTH = 60


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


def read_experiment(path: str | Path) -> dict[str, Any]:
    """Parse a JSON or YAML experiment and check its shape; a DefinitionError otherwise,
    one line for a file that is no experiment at all."""
    path = Path(path)
    file = str(path)
    found = Collector(path.resolve().parent)  # the experiment may be a link to elsewhere
    if not path.is_file():
        raise DefinitionError([Problem(file, 0, "(file)", "no such file")])
    document = found.read(path)
    if document is None and path.suffix.lower() == ".json":
        # JSON that YAML cannot read (tab indents): read as JSON, without line numbers.
        try:
            document = json.loads(read_text(path))
            found.problems.clear()
        except json.JSONDecodeError as exc:
            problem = Problem(file, exc.lineno, "(json)", f"invalid JSON: {exc.msg}")
            raise DefinitionError([problem]) from None
        if not isinstance(document, dict):
            problem = Problem(file, 1, "(document)", "expected a mapping, got a list or a scalar")
            raise DefinitionError([problem])
    if document is not None:
        _check(found, file, document)
    if found.problems:
        raise DefinitionError(found.problems)
    return _plain(document)


def _plain(node: Any) -> Any:
    """Plain dicts and lists (no line marks), as a dumper and a comparison expect them."""
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    return node


def _check(found: Collector, file: str, experiment: dict) -> None:
    missing = [key for key in ("title", "method") if key not in experiment]
    if missing:
        what = " and no ".join(repr(key) for key in missing)
        found.add(file, (), f"not a Chaos Toolkit experiment: it has no {what}")
        return
    if not isinstance(experiment["title"], str) or not experiment["title"].strip():
        found.add(file, ("title",), "expected a non-empty string")
    activities = list(_activities(found, file, experiment))
    defined = set()
    for path, activity in activities:
        if not isinstance(activity, dict):
            found.add(file, path, "expected an activity (a mapping with type and provider)")
        elif "ref" not in activity:
            problem = _activity_problem(activity)
            if problem:
                found.add(file, (*path, *problem[0]), problem[1])
            else:
                defined.add(activity["name"])
    for path, activity in activities:
        if isinstance(activity, dict) and "ref" in activity and activity["ref"] not in defined:
            found.add(file, (*path, "ref"), f"no activity named {activity['ref']!r}")


def _activity_problem(activity: dict) -> tuple[tuple[str, ...], str] | None:
    """What is wrong with an activity, and where in it; None when it is a valid one."""
    kind, provider = activity.get("type"), activity.get("provider")
    if kind not in ("action", "probe"):
        what = "no type" if kind is None else f"type {kind!r}"
        return (), f"not a Chaos Toolkit activity: {what} (action or probe)"
    if not isinstance(activity.get("name"), str) or not activity["name"]:
        return (), "an activity needs a name"
    if not isinstance(provider, dict):
        return ("provider",), "expected a provider (a mapping with a type)"
    if provider.get("type") not in PROVIDERS:
        got = provider.get("type")
        return ("provider", "type"), f"{got!r}: expected one of {', '.join(PROVIDERS)}"
    needed = {"process": ("path",), "python": ("module", "func"), "http": ("url",)}
    lacking = [key for key in needed[provider["type"]] if not provider.get(key)]
    if lacking:
        return ("provider",), f"a {provider['type']} provider needs {' and '.join(lacking)}"
    return None


def _activities(found: Collector, file: str, experiment: dict) -> Iterator[tuple[tuple, Any]]:
    """(path, activity) of every activity: hypothesis probes, method, rollbacks; a problem
    for each of those sections that is not a list."""
    hypothesis = experiment.get("steady-state-hypothesis") or {}
    lists = [
        (("steady-state-hypothesis", "probes"), hypothesis.get("probes", [])),
        (("method",), experiment.get("method")),
        (("rollbacks",), experiment.get("rollbacks", [])),
    ]
    if not isinstance(hypothesis, dict):
        lists[0] = (("steady-state-hypothesis",), None)
    for path, items in lists:
        if not isinstance(items, list):
            found.add(file, path, "expected a list of activities")
            continue
        for index, item in enumerate(items):
            yield (*path, index), item


def convert(
    experiment: dict[str, Any],
    facts: SystemFacts,
    *,
    source: str,
    service: str | None = None,
    lead: str | None = None,
    scenario_id: str | None = None,
    probe_services: dict[str, str] | None = None,
) -> Conversion:
    """The scenario and target.yaml entries of a checked ``experiment`` (see the module).

    ``probe_services`` names the service a hypothesis probe watches (activity name ->
    service id, each a service of ``facts`` no probe watches yet), where its name does not
    say; UsageError when a name is no probe of the hypothesis."""
    hypothesis = experiment.get("steady-state-hypothesis") or {}
    sections = [hypothesis.get("probes", []), experiment["method"], experiment.get("rollbacks", [])]
    named = {a["name"]: a for section in sections for a in section if "ref" not in a}
    hypothesis_probes, method, rollbacks = (
        [named[a["ref"]] if "ref" in a else a for a in section] for section in sections
    )
    notes: list[str] = []
    service = service or facts.entrypoint or TODO
    fault = next((a for a in method if a["type"] == "action"), None)
    steps = _Steps()
    actions: dict[str, dict[str, Any]] = {}
    recovery = [steps.step(a, actions) for a in method if a is not fault]
    test = [steps.step(a, actions) for a in hypothesis_probes]
    resume = [steps.step(a, actions) for a in rollbacks]
    if not (recovery or test or resume):
        recovery = [{"id": f"restore-{slug(service)}", "title": f"{TODO}: restore {service}"}]
        notes.append("the experiment has no step after its fault: write the recovery steps")
    chosen = _chosen_services(probe_services or {}, hypothesis_probes, facts)
    probes = _probes(hypothesis_probes, facts, service, notes, chosen)
    scenario: dict[str, Any] = {
        "id": scenario_id or slug(experiment["title"], ID_LENGTH),
        "title": experiment["title"].strip(),
        "description": str(experiment.get("description") or "").strip(),
        "playbook": _playbook_kind(service, facts),
        "service": service,
        "leads": {"primary": lead or TODO},
        "overview": [f"Imported from the Chaos Toolkit experiment {source}."],
        "assumptions": [f"Steady state: {hypothesis['title']}"] if hypothesis.get("title") else [],
        "rto": TODO,
        "rpo": TODO,
        "fault": slug(fault["name"]) if fault else MANUAL_FAULT,
        "recovery_procedure": recovery,
        "test_procedure": test,
        "resume_procedure": resume,
    }
    secrets = experiment.get("secrets") or {}
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
        faults={slug(fault["name"]): {"chaostoolkit": deepcopy(fault)}} if fault else {},
        actions=actions,
        configuration=deepcopy(experiment.get("configuration") or {}),
        secrets=deepcopy(secrets),
        notes=notes,
    )


class _Steps:
    """Playbook steps of activities, each id unique in the scenario."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def step(self, activity: dict[str, Any], actions: dict[str, dict[str, Any]]) -> dict[str, Any]:
        name = slug(activity["name"])
        actions[name] = {"chaostoolkit": deepcopy(activity)}
        step_id, count = name, 1
        while step_id in self.ids:
            count += 1
            step_id = f"{name}-{count}"
        self.ids.add(step_id)
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
        if service in facts.probe_names:
            raise UsageError(f"{option}: target.yaml already has a probe named {service!r}")
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
    first HTTP one)."""
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
        facing = (http or rest or [None])[0]
    probes = []
    for index, activity in enumerate(activities):
        name = names.get(index)
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
