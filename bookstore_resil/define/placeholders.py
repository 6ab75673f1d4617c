"""``{name}`` placeholders in a ``target.yaml`` command, and where the shell reads them.

A placeholder is filled with its argument shell-quoted (``shlex.quote``), which keeps the
argument one word only where the shell reads a bare word. Inside quotes, backticks, a
``${...}`` or arithmetic expansion, a here-document, a comment or after a backslash, the
quoting itself becomes text and the argument is read as shell code: ``echo "{msg}"`` with
``msg: "$(touch PWN)"`` runs ``touch``. :func:`misplaced` finds those placeholders so that
``validate`` refuses them and :func:`~bookstore_resil.targets.commands.fill` never fills them.

The scan follows POSIX ``sh`` quoting; a ``{name}`` inside ``sh -c '...'`` is inside single
quotes, so it is refused too. A command that hands a bare word to a shell again (``eval``,
``sh -c {script}``, ``ssh host {cmd}``) gets that argument as code, by its own choice.
"""

from __future__ import annotations

import re

# `{name}` is a placeholder; `${name}` is the shell's own and stays as written.
PLACEHOLDER = re.compile(r"(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)\}")

_WHERE = {
    "'": "single quotes",
    "$'": "$'...' quotes",
    '"': "double quotes",
    "`": "backticks",
    "${": "a ${...} expansion",
    "$((": "an arithmetic expansion",
    "#": "a comment",
    "<<": "a here-document",
    "\\": "a backslash escape",
}
# Openers recognised where the shell reads words or inside double quotes, longest first.
_OPENERS = ("$((", "$(", "${", "$'", "'", '"', "`", "(")
_IN_DOUBLE = ("$((", "$(", "${", "`")
_WORD_END = " \t\n;&|()<>"
_HEREDOC = re.compile(r"<<(-?)[ \t]*([^\s;&|()<>]+)")


def placeholders(command: str) -> list[str]:
    """The placeholder names of a command, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(command)))


def misplaced(command: str) -> list[str]:
    """One message per placeholder the shell would not read as a bare word, in order."""
    quoting = _quoting(command)
    return [
        f"{match.group(0)} is inside {_WHERE[quoting[match.start()]]}: write it bare "
        "(it is filled shell-quoted, one word)"
        for match in PLACEHOLDER.finditer(command)
        if quoting[match.start()]
    ]


def _quoting(command: str) -> list[str]:
    """For each character of ``command``, the quoting it sits in (a key of ``_WHERE``), or
    "" where the shell reads words: at top level, in ``$(...)`` or a ``(...)`` subshell."""
    where = [""] * (len(command) + 1)
    stack: list[str] = [""]
    pending: list[tuple[str, bool]] = []  # here-documents whose body starts at the next line
    i = 0
    while i < len(command):
        top, char = stack[-1], command[i]
        where[i] = _label(stack)
        if top in ("'", "$'", "`", "#"):
            if char == "\\" and top in ("$'", "`"):
                where[i + 1] = top
                i += 2
                continue
            if char == ("\n" if top == "#" else top[-1]):
                stack.pop()
                if top == "#":
                    continue  # the newline ends a command line: read it as one
            i += 1
            continue
        if char == "\\":
            where[i + 1] = "\\" if top != '"' else '"'
            i += 2
            continue
        if top == '"' or top == "${":
            if char == ("}" if top == "${" else '"'):
                stack.pop()
                i += 1
                continue
            openers = _IN_DOUBLE if top == '"' else _OPENERS
        else:
            openers = _OPENERS
            if char == ")" and top in ("$(", "("):
                stack.pop()
                i += 1
                continue
            if top == "$((":
                if command.startswith("))", i):
                    stack.pop()
                    i += 2
                    continue
            elif char == "#" and (i == 0 or command[i - 1] in _WORD_END):
                stack.append("#")
                continue
            elif (heredoc := _HEREDOC.match(command, i)) and not command.startswith("<<<", i):
                delimiter = re.sub(r"[\"'\\]", "", heredoc.group(2))
                pending.append((delimiter, heredoc.group(1) == "-"))
                i = heredoc.end()
                continue
            elif char == "\n" and pending:
                i = _skip_bodies(command, i + 1, pending, where)
                pending = []
                continue
        opener = next((o for o in openers if command.startswith(o, i)), None)
        if opener is not None:
            stack.append(opener)
            i += len(opener)
            continue
        i += 1
    return where


def _label(stack: list[str]) -> str:
    """The innermost quoting of ``stack``: a subshell or ``$(...)`` reads words again."""
    for entry in reversed(stack):
        if entry in ("$(", ""):
            return ""
        if entry != "(":
            return entry
    return ""


def _skip_bodies(command: str, i: int, pending: list[tuple[str, bool]], where: list[str]) -> int:
    """Mark the bodies of ``pending`` here-documents from ``i``; where the command goes on."""
    for delimiter, strip_tabs in pending:
        while i < len(command):
            end = command.find("\n", i)
            end = len(command) if end < 0 else end
            line = command[i:end]
            for at in range(i, end + 1):
                where[at] = "<<"
            i = end + 1
            if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                break
    return i
