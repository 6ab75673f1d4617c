"""How deep a YAML or JSON text nests, found without recursion.

PyYAML composes and Python's ``json`` decodes by recursion, so a file nested some thousands
of levels deep (``[[[[...]]]]``) ends in a RecursionError. The importers check the depth
first with :func:`too_deep`: PyYAML's scanner is a loop, and its tokens carry their line,
so the refusal is ``FILE:LINE`` like any other problem. JSON is YAML's flow style, so one
scan serves both.
"""

from __future__ import annotations

import yaml

from bookstore_resil.errors import Problem

# Far beyond any catalog, experiment or system file, far below Python's recursion limit.
MAX_DEPTH = 100

_OPEN = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSE = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The line where ``text`` first nests deeper than ``limit`` collections; None when it
    does not (or when it is not YAML at all: the parser that follows says why)."""
    depth = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, _OPEN):
                depth += 1
                if depth > limit:
                    return token.start_mark.line + 1
            elif isinstance(token, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def deep_message(limit: int = MAX_DEPTH) -> str:
    return f"nested more than {limit} levels deep"


def deep_problem(file: str, text: str, field: str) -> Problem:
    """The problem of a text a parser gave up on by recursion: the line where it nests too
    deep, when the scan finds one."""
    line = too_deep(text)
    message = deep_message() if line else "nested too deeply to be read"
    return Problem(file, line or 1, field, message)
