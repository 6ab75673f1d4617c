"""Reading a Chaos Toolkit experiment: a JSON or YAML file checked for the shape Chaos
Toolkit 1.x writes (a title, a method, activities with a type, a name and a provider Chaos
Toolkit knows, an HTTP provider's URL that is one), every problem ``FILE:LINE: field:
message``. A file nested deeper than any experiment is refused the same way, never a
RecursionError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bookstore_resil.define.files import read_text
from bookstore_resil.define.kinds import CTK_PROVIDERS as PROVIDERS
from bookstore_resil.define.loader import Collector
from bookstore_resil.define.nesting import deep_message, too_deep
from bookstore_resil.errors import DefinitionError, Problem


def read_experiment(path: str | Path) -> dict[str, Any]:
    """Parse a JSON or YAML experiment and check its shape; a DefinitionError otherwise,
    one line for a file that is no experiment at all."""
    path = Path(path)
    file = str(path)
    found = Collector(path.resolve().parent)  # the experiment may be a link to elsewhere
    if not path.is_file():
        raise DefinitionError([Problem(file, 0, "(file)", "no such file")])
    deep = too_deep(read_text(path))
    if deep is not None:
        raise DefinitionError([Problem(file, deep, "(yaml)", deep_message())])
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
    lacking = [key for key in PROVIDERS[provider["type"]] if not provider.get(key)]
    if lacking:
        return ("provider",), f"a {provider['type']} provider needs {' and '.join(lacking)}"
    if provider["type"] == "http" and not _is_url(provider["url"]):
        url = provider["url"]
        return ("provider", "url"), f"{url!r}: expected a URL, http(s)://HOST[:PORT][/PATH]"
    return None


# A host name (labels of letters, digits and inner hyphens), or an IP address.
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", re.I)


def _is_url(url: object) -> bool:
    """An HTTP provider's URL: http or https, a host, a port if any (``http://http://x``
    is none); ``${name}`` placeholders (Chaos Toolkit's configuration) stand for any text."""
    if not isinstance(url, str):
        return False
    if url.startswith("${"):
        return True  # the whole address comes from the configuration
    parts = urlsplit(re.sub(r"\$\{[^}]*\}", "x", url))
    try:
        parts.port  # noqa: B018 -- a port that is no number, or out of range, raises
    except ValueError:
        return False
    host = parts.hostname or ""
    return (
        parts.scheme in ("http", "https")
        and not parts.netloc.endswith(":")
        and bool(_HOST.fullmatch(host) or (":" in host and re.fullmatch(r"[0-9a-f:.]+", host)))
    )


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
