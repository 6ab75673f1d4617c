"""Scheduling for pytest-xdist (a pytest plugin, listed in tests/conftest.py): ``make test``
runs ``-n`` (a worker more than the cores) ``--dist loadgroup --no-loadscope-reorder``, and
the groups and their order are made here.

Every test reading the built report archives goes to a single worker, so they are built
once; so does every test of the built wheel. The tests of a module with a fixture of its
own wider than a test stay together (a moto world is made once); every other test is a
group of its own. The lab is a session fixture, so each worker that runs a lab test starts
one lab of its own, and the lab's tests spread over the workers like any others. xdist's
own ``xdist_group`` marks do not reach its scheduler under pytest 9, so the groups come
from the test files themselves: the fixtures their functions take.
"""

from __future__ import annotations

import ast
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

# A group and the fixtures that put a test in it.
GROUPS = {"archives": {"built_archives"}, "wheel": {"built_wheel"}}
# The marks that hand a group out earlier, in order; a group with none of them goes last.
RANKS = ("long", "waits", "slow")


def _fixture_scope(node: ast.FunctionDef) -> str | None:
    """``function``, ``module``... for a function decorated as a pytest fixture, else None."""
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call else decorator
        if ast.unparse(target) in ("pytest.fixture", "fixture"):
            scopes = [k.value for k in (call.keywords if call else []) if k.arg == "scope"]
            return ast.literal_eval(scopes[0]) if scopes else "function"
    return None


@cache
def _module_groups(path: Path, module: str) -> tuple[dict[str, str], str | None]:
    """Each test function's group, and the group the whole module keeps to (None: each test
    goes its own way), for the test file at ``path`` (``module``, as node ids name it)."""
    functions = [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    takes = {f.name: {a.arg for a in f.args.args} for f in functions}
    fixtures = {f.name: scope for f in functions if (scope := _fixture_scope(f))}
    groups: dict[str, str] = {}
    for group, needs in GROUPS.items():
        names = set(needs)
        while grown := {f for f in fixtures if takes[f] & names} - names:  # through fixtures
            names |= grown
        for name, args in takes.items():
            if name.startswith("test") and args & names:
                groups.setdefault(name, group)
    if not any(scope != "function" for scope in fixtures.values()):
        return groups, None
    return groups, next((g for g in GROUPS if g in groups.values()), module)


def group_of(root: Path, nodeid: str) -> str:
    """The scheduling group of a test: ``archives``, its module's path, or its own id."""
    module = nodeid.split("::", 1)[0]
    path = root / module
    if not path.is_file():
        return module
    groups, whole = _module_groups(path, module)
    function = nodeid.rsplit("::", 1)[-1].split("[", 1)[0]
    return whole or groups.get(function, nodeid)


def _spread(among: list[str], into: list[str]) -> list[str]:
    """``into`` with the groups of ``among`` spaced evenly through it."""
    merged = list(into)
    for i, group in reversed(list(enumerate(among))):
        merged.insert(round((i + 1) * len(into) / (len(among) + 1)), group)
    return merged


@pytest.hookimpl(trylast=True)  # after tests/conftest.py has marked the slow ones
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The order xdist hands the groups out in (``make test`` runs it with
    ``--no-loadscope-reorder``, so the order of collection decides): the longest work first,
    so that the quick tests fill the gaps at the end instead of a drill finishing the run
    alone: the groups with a test marked ``long``, then those with a ``slow`` one (a lab, a
    kernel, a browser, a moto server), the larger groups first within each. The tests
    marked ``waits`` (mostly waiting out real time) are spaced among the slow ones: three of
    them at once left both cores idle."""
    # The workers collect what is scheduled, and xdist tells them only ``loadgroup``: their
    # ``dist`` is "no" (so, until this was read, the order was the files' own).
    if not getattr(config.option, "loadgroup", False):
        return
    groups = [group_of(config.rootpath, item.nodeid) for item in items]
    size = Counter(groups)
    rank: dict[str, int] = {}  # a group's rank: the first of RANKS a test of it is marked
    for group, item in zip(groups, items, strict=True):
        weight = next((n for n, m in enumerate(RANKS) if item.get_closest_marker(m)), len(RANKS))
        rank[group] = min(rank.get(group, len(RANKS)), weight)
    largest_first = sorted(size, key=lambda g: -size[g])
    long_, waits, slow, quick = (
        [g for g in largest_first if rank[g] == r] for r in range(len(RANKS) + 1)
    )
    order = {g: n for n, g in enumerate([*long_, *_spread(waits, slow), *quick])}
    ranked = sorted(zip(groups, items, strict=True), key=lambda pair: order[pair[0]])
    items[:] = [item for _, item in ranked]


def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN001 -- xdist's Producer
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        """Work units of whole groups, the largest first (xdist's loadscope order)."""

        def _split_scope(self, nodeid: str) -> str:
            return group_of(self.config.rootpath, nodeid)

    return ByGroup(config, log)
