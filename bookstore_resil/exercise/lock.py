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


def _holder(fd: int) -> dict[str, Any]:
    """What the holder wrote; empty while it has not written yet."""
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        holder = json.loads(text)
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}
