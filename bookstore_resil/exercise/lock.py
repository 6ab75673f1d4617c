"""One exercise at a time per target.

Two exercises on one target break each other: the second one's fault kills the first
one's fresh replacement, and the first then reports a downtime it never had. So an exercise
holds its target's lock file (:meth:`~bookstore_resil.targets.base.Target.lock_file`) from
before anything is broken until it finishes. The lock is an ``flock``: the kernel drops it
when its holder dies, so a killed drill leaves no stale lock behind. The file names the
exercise holding it, for the one refused.

``drill`` takes the lock itself, then runs the game-day notebook in a kernel it starts:
that kernel's exercise, of the same id and a child of the holder, goes ahead under its
parent's lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
from typing import Any

from bookstore_resil import clock
from bookstore_resil.errors import TargetBusy, TargetError


class ExerciseLock:
    """The lock of the target whose lock file is ``path``, for ``exercise_id``."""

    def __init__(self, path: Path, exercise_id: str, target: str):
        self.path = path
        self.exercise_id = exercise_id
        self.target = target
        self._fd: int | None = None

    def acquire(self) -> ExerciseLock:
        """Hold the lock, or go ahead under a parent holding it for this same exercise;
        :class:`TargetBusy` (exit 2) naming the exercise that holds it otherwise."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise TargetError(self.target, f"cannot open {self.path}: {error.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if holder.get("exercise_id") == self.exercise_id and holder.get("pid") == os.getppid():
                return self
            raise TargetBusy(
                str(holder.get("exercise_id") or "unknown"),
                f"target {self.target} is in this exercise (pid {holder.get('pid', '?')}, "
                f"since {holder.get('since', '?')}); one exercise at a time per target",
            ) from None
        holding = {
            "exercise_id": self.exercise_id,
            "pid": os.getpid(),
            "since": clock.iso(clock.now()),
        }
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(holding).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Let the target go (the file stays: removing it would race with a new holder)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ExerciseLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(path: Path) -> dict[str, Any] | None:
    """What the exercise holding the lock file ``path`` wrote (``exercise_id``, ``pid``,
    ``since``; empty while it has not written yet), or None when no exercise holds it.
    Looked up without taking the lock, so an exercise starting meanwhile is never turned
    away: in the kernel's table of locks (``/proc/locks``), or where there is none, by
    trying for a shared lock and letting it go."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        held = _in_lock_table(os.fstat(fd))
        if held is None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                held = True
            else:
                held = False
        return _holder(fd) if held else None
    finally:
        os.close(fd)


def _in_lock_table(info: os.stat_result) -> bool | None:
    """Is there an ``flock`` on this file, by ``/proc/locks``; None where it cannot tell.
    Its lines: ``1: FLOCK  ADVISORY  WRITE 368 fe:00:2147380 0 EOF``."""
    try:
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    wanted = (os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)
    for line in table.splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[3] == "WRITE":
            major, minor, inode = fields[5].split(":")
            if (int(major, 16), int(minor, 16), int(inode)) == wanted:
                return True
    return False


def _holder(fd: int) -> dict[str, Any]:
    """What the holder wrote; empty while it has not written yet."""
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        holder = json.loads(text)
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}
