"""Whatever a system folder holds, the loader returns a System or raises DefinitionError.

Hypothesis writes one file of a copy of data/bookstore (system.yaml, contacts.yaml or a
playbook) as random text or bytes, as random YAML structures built from the real keys and
values, as the real document with one part replaced or deleted, and as the real file with
lines deleted, swapped or repeated. Any other exception fails; so does a DefinitionError
without problems, or with a problem that is not one line inside the folder.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookstore_resil.define.loader import load_system
from bookstore_resil.errors import DefinitionError

BOOKSTORE = Path(__file__).parents[1] / "data" / "bookstore"
FILES = ("system.yaml", "contacts.yaml", "playbooks/api-failure.yaml")
DOCUMENTS = {file: yaml.safe_load((BOOKSTORE / file).read_text(encoding="utf-8")) for file in FILES}

# YAML counts these as line breaks, so its lines can run past the count of "\n".
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")

fuzz = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a document, the document itself included."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _leaves(node: Any) -> set[Any]:
    if isinstance(node, dict):
        return set(node) | {leaf for value in node.values() for leaf in _leaves(value)}
    if isinstance(node, list):
        return {leaf for value in node for leaf in _leaves(value)}
    return {node}


# The real keys and values ("api", "12h", "Bob", "rto") reach the checks past the schema.
REAL_WORDS = sorted(
    {leaf for doc in DOCUMENTS.values() for leaf in _leaves(doc) if isinstance(leaf, str)}
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(REAL_WORDS)
)
keys = st.sampled_from(REAL_WORDS) | st.text(max_size=10)
structures = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)


def assert_loads_or_reports(file: str, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "system"
        shutil.copytree(BOOKSTORE, folder)
        (folder / file).write_bytes(data)
        try:
            load_system(folder)
        except DefinitionError as error:
            assert error.problems
            for problem in error.problems:
                path = Path(problem.file)
                assert path == folder or folder in path.parents, problem
                text = path.read_bytes().decode("utf-8", "replace") if path.is_file() else ""
                assert 0 <= problem.line <= len(LINE_BREAK.findall(text)) + 1, problem
                assert len(str(problem).splitlines()) == 1, problem


@fuzz
@given(file=st.sampled_from(FILES), content=st.text() | st.binary())
def test_random_text_or_bytes(file: str, content: str | bytes):
    assert_loads_or_reports(file, content)


@fuzz
@given(file=st.sampled_from(FILES), document=structures)
def test_random_yaml_structures(file: str, document: Any):
    assert_loads_or_reports(file, yaml.safe_dump(document, allow_unicode=True))


@fuzz
@given(file=st.sampled_from(FILES), data=st.data())
def test_the_real_document_with_one_part_replaced_or_deleted(file: str, data: st.DataObject):
    document = DOCUMENTS[file]
    path = data.draw(st.sampled_from(_paths(document)[1:]), label="path")
    replacement = data.draw(st.just(None) | structures, label="replacement (None: delete)")

    def rebuild(node: Any, rest: tuple[Any, ...]) -> Any:
        head, *tail = rest
        copy = dict(node) if isinstance(node, dict) else list(node)
        if tail:
            copy[head] = rebuild(node[head], tuple(tail))
        elif replacement is None:
            del copy[head]
        else:
            copy[head] = replacement
        return copy

    assert_loads_or_reports(file, yaml.safe_dump(rebuild(document, path), allow_unicode=True))


@fuzz
@given(file=st.sampled_from(FILES), data=st.data())
def test_the_real_file_with_lines_deleted_swapped_or_repeated(file: str, data: st.DataObject):
    lines = (BOOKSTORE / file).read_text(encoding="utf-8").splitlines(keepends=True)
    index = st.integers(0, len(lines) - 1)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        edit = data.draw(st.sampled_from(["delete", "swap values", "repeat"]), label="edit")
        i, j = data.draw(index, label="line"), data.draw(index, label="other line")
        if edit == "delete" and len(lines) > 1:
            del lines[i]
        elif edit == "swap values" and ":" in lines[i] and ":" in lines[j]:
            (key_i, value_i), (key_j, value_j) = (lines[i].split(":", 1), lines[j].split(":", 1))
            lines[i], lines[j] = f"{key_i}:{value_j}", f"{key_j}:{value_i}"
        elif edit == "repeat":
            lines.insert(j, lines[i])
        index = st.integers(0, len(lines) - 1)
    assert_loads_or_reports(file, "".join(lines))
