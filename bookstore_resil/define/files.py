"""Reading a definition file as text, whatever sits at its path.

A system folder comes from anyone (a teammate's branch, a download, a catalog import), and
the tool runs with its user's rights, as root in a container. So a file is read only when
it is a regular file inside the system folder: a link that leads out of it (to
``/etc/shadow``) is refused before it is opened, so none of its content can reach an error
message; a FIFO (which would block forever) or a device (``/dev/zero``, endless) is refused
by its type; a file larger than :data:`MAX_FILE_BYTES` is refused by its size. Text that is
not UTF-8 is reported on the line that holds the bad byte. Every refusal is one
:class:`~bookstore_resil.errors.Problem` inside a
:class:`~bookstore_resil.errors.DefinitionError`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bookstore_resil.errors import DefinitionError, Problem

# Ample: a synthetic system of 50,000 services (benchmarks/bench_deps.py) is about 13 MB.
MAX_FILE_BYTES = 32 * 1024 * 1024
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refuse(file: str, message: str, line: int = 1) -> DefinitionError:
    return DefinitionError([Problem(file, line, "(file)", message)])


def _kind(mode: int) -> str:
    return next((name for is_kind, name in _KINDS if is_kind(mode)), "not a regular file")


def read_text(path: str | Path, folder: str | Path | None = None) -> str:
    """The UTF-8 text of the regular file at ``path`` (inside ``folder`` when given, links
    resolved); DefinitionError with one problem otherwise."""
    path = Path(path)
    file = str(path)
    try:
        if folder is not None:
            real = path.resolve()
            if not real.is_relative_to(Path(folder).resolve()):
                raise _refuse(file, f"refused: it leads outside the system folder (to {real})")
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(file, f"refused: {_kind(mode)}, not a regular file")
        # O_NONBLOCK: should a FIFO be swapped in after the check, opening it cannot hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(handle.fileno())
            if not stat.S_ISREG(opened.st_mode):
                raise _refuse(file, f"refused: {_kind(opened.st_mode)}, not a regular file")
            data = handle.read(MAX_FILE_BYTES + 1)
    except (OSError, RuntimeError) as error:  # RuntimeError: a symbolic link loop (3.12-)
        raise _refuse(file, f"cannot read: {getattr(error, 'strerror', None) or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(file, f"refused: larger than {MAX_FILE_BYTES // 2**20} MiB")
    return decode(file, data)


def decode(file: str, data: bytes) -> str:
    """``data`` as UTF-8; a problem on the line and column of the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", "replace")) + 1
        byte = data[error.start]
        raise _refuse(file, f"not UTF-8: byte 0x{byte:02x} at column {column}", line) from None
