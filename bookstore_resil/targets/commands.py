"""Running a team's commands: bounded in time, bounded in memory, nothing left behind.

A command runs as ``/bin/sh -c COMMAND`` in a session of its own, so that at its timeout
the whole process group (the shell and every child it started) is killed at once, not only
the shell. Its output (stdout and stderr together) is read in chunks as it comes: the first
and the last :data:`OUTPUT_CAP` / 2 bytes are kept and the middle is counted, so a command
that prints 100 MB costs a few kilobytes. A command that starts a daemon keeps running it
after the shell exits; the output that daemon still holds open is given up after a moment.
"""

from __future__ import annotations

import os
import re
import selectors
import shlex
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bookstore_resil.define.placeholders import PLACEHOLDER, misplaced
from bookstore_resil.errors import TargetError

OUTPUT_CAP = 64 * 1024
CHUNK = 64 * 1024
# How long to keep reading after the shell exited, for output its children still write.
LINGER_S = 0.2
SHELL = "/bin/sh"


def fill(command: str, args: Mapping[str, Any]) -> str:
    """``command`` with each ``{name}`` replaced by ``args[name]``, shell-quoted.

    ``${name}`` is the shell's own and stays as written. A placeholder without an argument,
    or one where the shell would not read its argument as one word (inside quotes: see
    :mod:`~bookstore_resil.define.placeholders`), raises :class:`TargetError`: a step must
    never run half a command, nor its argument as code.
    """
    wrong = misplaced(command)
    if wrong:
        raise TargetError("system", f"{wrong[0]}, in {command!r}")
    missing = [m.group(1) for m in PLACEHOLDER.finditer(command) if m.group(1) not in args]
    if missing:
        raise TargetError("system", f"no argument for {{{missing[0]}}} in {command!r}")
    return PLACEHOLDER.sub(lambda m: shlex.quote(str(args[m.group(1)])), command)


SAFE_TIME = re.compile(r"[0-9TZ:.+-]+")


def fill_times(command: str, times: Mapping[str, str]) -> str:
    """``command`` with the workbook's own times in place of their placeholders, as written:
    digits and ``TZ:.+-`` need no quoting, so they may stand inside the command's quotes
    (SQL's ``'{before}'``). Anything else is refused, never filled."""
    for name, value in times.items():
        if not SAFE_TIME.fullmatch(value):
            raise TargetError("system", f"{{{name}}}: not a time: {value!r}")
    return PLACEHOLDER.sub(lambda m: times.get(m.group(1), m.group(0)), command)


@dataclass(frozen=True)
class CommandResult:
    """What a command did: its exit status (None when it was killed at its timeout), its
    output (head and tail when longer than the cap), and how many bytes it printed."""

    command: str
    exit_code: int | None
    output: str
    duration_s: float
    timed_out: bool = False
    output_bytes: int = 0
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def error(self) -> str | None:
        """Why it failed, in words; None when it succeeded."""
        if self.timed_out:
            return f"timed out after {self.duration_s:.1f}s: its process group was killed"
        if self.exit_code != 0:
            return f"exit status {self.exit_code}"
        return None


class HeadTail:
    """Keeps the first and last ``cap // 2`` bytes of a stream and counts the rest."""

    def __init__(self, cap: int):
        self.half = cap // 2
        self.head = bytearray()
        self.tail: deque[bytes] = deque()
        self.tail_size = 0
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self.tail.append(chunk)
        self.tail_size += len(chunk)
        while self.tail_size - len(self.tail[0]) >= self.half:
            self.tail_size -= len(self.tail.popleft())

    def text(self) -> tuple[str, bool]:
        tail = b"".join(self.tail)[-self.half :] if self.half else b""
        kept = len(self.head) + len(tail)
        head = self.head.decode("utf-8", "replace")
        if kept == self.total:
            return head + tail.decode("utf-8", "replace"), False
        dropped = self.total - kept
        note = f"\n[... {dropped} bytes of output not kept, of {self.total} ...]\n"
        return head + note + tail.decode("utf-8", "replace"), True


def cap_text(text: str, cap: int = OUTPUT_CAP) -> str:
    """``text`` cut to its head and tail as a command's output is."""
    captured = HeadTail(cap)
    captured.add(text.encode("utf-8", "replace"))
    return captured.text()[0]


def run_command(
    command: str,
    timeout_s: float,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    cap: int = OUTPUT_CAP,
    cancel: threading.Event | None = None,
) -> CommandResult:
    """Run ``command`` with ``/bin/sh -c``; never raises for a command that fails or hangs.

    ``cancel`` set while it runs ends it as its timeout would (the exercise was halted).
    """
    began = time.monotonic()
    try:
        process = subprocess.Popen(
            [SHELL, "-c", command],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
    except OSError as error:
        return CommandResult(command, None, f"cannot start {SHELL}: {error}", 0.0)
    if stdin is not None:
        _feed(process, stdin)
    output_pipe = process.stdout
    assert output_pipe is not None  # stdout=PIPE
    captured = HeadTail(cap)
    deadline = began + timeout_s
    ended = _read(process, output_pipe, captured, deadline, cancel)
    timed_out = ended == "deadline"
    while not timed_out and process.poll() is None:
        # The output ended before the shell did: wait for it, as bounded as the reading.
        if time.monotonic() >= deadline or (cancel is not None and cancel.is_set()):
            timed_out = True
        else:
            time.sleep(0.02)
    if timed_out:
        kill_group(process)
    output_pipe.close()
    output, truncated = captured.text()
    if ended == "left-open":
        output += "\n[output still held open by a process the command left running: not read]"
    return CommandResult(
        command,
        None if timed_out else process.returncode,
        output,
        time.monotonic() - began,
        timed_out,
        captured.total,
        truncated,
    )


def _feed(process: subprocess.Popen, data: bytes) -> None:
    pipe = process.stdin
    assert pipe is not None  # stdin=PIPE when there is data
    try:
        pipe.write(data)
    except BrokenPipeError:  # the command did not read its input: that is its business
        pass
    finally:
        pipe.close()


def _read(
    process: subprocess.Popen,
    output_pipe: IO[bytes],
    captured: HeadTail,
    deadline: float,
    cancel: threading.Event | None,
) -> str:
    """Read the output until it ends (``eof``), the deadline comes or ``cancel`` is set
    (``deadline``), or the shell is gone while a child it left running holds the output
    open (``left-open``)."""
    fd = output_pipe.fileno()
    exited_at: float | None = None
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            now = time.monotonic()
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > LINGER_S:
                return "left-open"
            if now >= deadline or (cancel is not None and cancel.is_set()):
                return "deadline"
            wait = min(deadline - now, 0.05 if exited_at is None else LINGER_S)
            if selector.select(wait):
                chunk = os.read(fd, CHUNK)
                if not chunk:
                    return "eof"
                captured.add(chunk)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process group of ``process`` (its own session): the shell and its children."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
