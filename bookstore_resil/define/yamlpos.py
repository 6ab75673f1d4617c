"""YAML read with line marks, so that a problem found after parsing can name its line.

Mappings and sequences are built as :class:`LineDict` and :class:`LineList`, which remember
the line of each key and item; duplicate keys, which PyYAML silently overwrites, are noted.
:func:`line_of` and :func:`field_name` turn a path into a validation error's ``FILE:LINE``
and ``field``. The loader's ``Collector``, which reads every file of a system folder
(``signoffs.yaml`` and ``aws.yaml`` too), parses here.

Aliases are bounded here too, for every YAML the package reads: an alias repeats a node, so
a few lines of aliases of aliases ("billion laughs") stand for billions of nodes. PyYAML
builds them shared, so parsing and validation pass, and whatever walks the document later
(a sign-off's hash, a dump, a copy) expands it until memory runs out.
:func:`check_expansion` refuses such a document before it is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # mypy reads the mixins below as the safe loader they go into
    _Mixin = yaml.SafeLoader
    _SafeLoader = yaml.SafeLoader
else:
    _Mixin = object
    # libyaml where PyYAML has it (a sign-off's playbook hash took 40 ms in pure Python)
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 1
    key_lines: dict[Any, int]


class LineList(list):
    """A YAML sequence that remembers the line of itself and of each item."""

    line: int = 1
    item_lines: list[int]


# A document may stand for at most this many times the nodes it writes out, or this many
# nodes, whichever is more: anchors reused as defaults stay far below, a bomb far above.
EXPANSION_RATIO = 10
EXPANSION_FLOOR = 100_000


def check_expansion(root: yaml.Node) -> None:
    """Raise a ConstructorError, at its node, when aliases make ``root`` expand beyond the
    bound, or when an alias names a node that contains it (an endless structure)."""
    sizes: dict[int, int] = {}  # a node's size once expanded, aliases counted each time
    open_nodes: set[int] = set()
    finished: list[yaml.Node] = []
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
            finished.append(node)
        elif id(node) in open_nodes:
            raise yaml.constructor.ConstructorError(
                None, None, "an alias refers to a node that contains it", node.start_mark
            )
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    limit = max(EXPANSION_FLOOR, EXPANSION_RATIO * len(finished))
    culprit = next((node for node in finished if sizes[id(node)] > limit), None)
    if culprit is not None:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"aliases expand this to more than {limit:,} nodes (from {len(finished):,} written)",
            culprit.start_mark,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


# An anchor (``&name``) is the only way to an alias: text without one needs no check.
_ANCHOR = re.compile(r"&[^\s,\[\]{}]")


class _BoundedDocument(_Mixin):
    """``get_single_data`` that checks the expansion of the node graph before building it;
    mixed into a loader."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.may_alias = not isinstance(stream, str) or _ANCHOR.search(stream) is not None

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        if self.may_alias:
            check_expansion(node)
        return self.construct_document(node)


class BoundedSafeLoader(_BoundedDocument, _SafeLoader):
    """``yaml.safe_load`` with aliases bounded: ``yaml.load(text, BoundedSafeLoader)``; on
    libyaml where PyYAML has it."""


class _LineConstructor(_BoundedDocument):
    """Builds LineDict/LineList, notes duplicate keys; mixed into a safe loader."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[LineDict, Any, int]] = []

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's own constructors raise plain Python errors on values such as
        # `2018-13-45` or `!!int x`; make them YAML errors with the node's line.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            collections = (yaml.MappingNode, yaml.SequenceNode)
            what = node.id if isinstance(node, collections) else node.value
            tag = node.tag.removeprefix("tag:yaml.org,2002:")
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {what!r} as {tag}", node.start_mark
            ) from exc


def _filled(
    node: yaml.MappingNode, build: Callable[[yaml.Node], Any], duplicates: list
) -> LineDict:
    """The mapping of ``node``'s pairs, each side made by ``build``, with its keys' lines; a
    repeated key is noted in ``duplicates``, a key that cannot be one (a list) refused."""
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = key_lines = {}
    for key_node, value_node in node.value:
        key = build(key_node)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        line = key_node.start_mark.line + 1
        if key in mapping:
            duplicates.append((mapping, key, line))
        mapping[key] = build(value_node)
        key_lines[key] = line
    return mapping


def _listed(node: yaml.Node, build: Callable[[yaml.Node], Any]) -> LineList:
    """A sequence node's items, with their lines."""
    sequence = LineList(build(child) for child in node.value)
    sequence.line = node.start_mark.line + 1
    sequence.item_lines = [child.start_mark.line + 1 for child in node.value]
    return sequence


def _deep(loader: _LineConstructor) -> Callable[[yaml.Node], Any]:
    return lambda node: loader.construct_object(node, deep=True)


def _construct_mapping(loader: _LineConstructor, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    return _filled(node, _deep(loader), loader.duplicates)


def _construct_sequence(loader: _LineConstructor, node: yaml.SequenceNode) -> LineList:
    return _listed(node, _deep(loader))


class _LineLoader(_LineConstructor, yaml.SafeLoader):
    """The pure-Python parser: its messages and lines are the ones problems report."""


_STR = "tag:yaml.org,2002:str"
_MAP = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
_SEQ = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG
_MERGING = {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}


class _DocumentWalk:
    """The document straight from the composed nodes, in one walk.

    What PyYAML's ``construct_object`` does per node (its recursion guards, its object
    cache, a generator per collection) costs about as much again as libyaml's parse; on a
    large definition, plain strings, mappings and sequences are nearly every node, so they
    are built here directly, in the same depth-first order (duplicate keys are noted in the
    same order). Anything else (numbers, booleans, dates, explicit tags, merge keys) goes
    through the loader's own constructors, so its value and its errors are PyYAML's.

    An object, not a closure that calls itself: such a closure is a reference cycle, which
    kept the loader and every object built until a full collection (at exit, 0.4 s of
    ``deps`` over 10,000 services).
    """

    def __init__(self, loader: _LineConstructor):
        self.loader = loader
        self.built: dict[int, Any] = {}  # id(node) -> object: an alias yields its anchor's
        self.open_nodes: set[int] = set()

    def build(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR and isinstance(node, yaml.ScalarNode):
            return node.value
        loader = self.loader
        mapping = tag == _MAP and isinstance(node, yaml.MappingNode)
        if not mapping and not (tag == _SEQ and isinstance(node, yaml.SequenceNode)):
            return loader.construct_object(node, deep=True)
        key = id(node)
        if key in self.built:
            return self.built[key]
        if key in self.open_nodes:  # an alias inside its own anchor: PyYAML's error, not a loop
            return loader.construct_object(node, deep=True)
        self.open_nodes.add(key)
        if isinstance(node, yaml.MappingNode):
            if any(key_node.tag in _MERGING for key_node, _ in node.value):
                loader.flatten_mapping(node)
            result: Any = _filled(node, self.build, loader.duplicates)
        else:
            result = _listed(node, self.build)
        self.open_nodes.discard(key)
        self.built[key] = result
        return result


class _WalkingConstructor(_LineConstructor):
    """Builds the document in one walk (:class:`_DocumentWalk`); mixed into libyaml's loader."""

    def construct_document(self, node: yaml.Node) -> Any:
        return _DocumentWalk(self).build(node)


class _FastLineLoader(_WalkingConstructor, _SafeLoader):
    """libyaml's parser, several times faster on large definitions; it only ever reads files
    that parse cleanly, since what it refuses is parsed again by the pure-Python one."""


_HAS_LIBYAML = _SafeLoader is not yaml.SafeLoader
for _loader in (_LineLoader, _FastLineLoader):
    _loader.add_constructor(_MAP, _construct_mapping)
    _loader.add_constructor(_SEQ, _construct_sequence)


def parse_with_lines(text: str) -> tuple[Any, list[tuple[LineDict, Any, int]]]:
    """The document and its duplicate keys; raises the pure-Python parser's YAML errors."""
    if _HAS_LIBYAML:
        fast = _FastLineLoader(text)
        try:
            return fast.get_single_data(), fast.duplicates
        except (yaml.YAMLError, RecursionError):
            pass
        finally:
            fast.dispose()
    loader = _LineLoader(text)  # which refuses control characters at once
    return loader.get_single_data(), loader.duplicates


def line_of(document: Any, path: tuple[Any, ...]) -> int:
    """The line of the deepest node along ``path`` that exists in ``document``."""
    node, line = document, getattr(document, "line", 1)
    for part in path:
        if isinstance(node, LineDict) and part in node:
            line, node = node.key_lines[part], node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.item_lines[part], node[part]
        else:
            break
    return line


def path_to(document: Any, target: Any) -> tuple[Any, ...]:
    """The path from ``document`` to the node ``target`` (an object inside it)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(document, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:  # an alias: its children were already visited
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            stack.extend((value, (*path, key)) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*path, index)) for index, value in enumerate(node))
    return ()


def field_name(path: tuple[Any, ...]) -> str:
    """``("services", 0, "rto")`` -> ``services[0].rto``."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            # A key holding a line break or a control character would break the problem's line.
            key = str(part) if str(part).isprintable() else repr(part)
            name += f".{key}" if name else key
    return name or "(document)"
