"""The one owner of an exercise archive's layout (docs/contract.md §3): its file names, where an
exercise's folder is, reading the record back, and writing the summary; and the key of the
change journal's entry saying a summary was written to S3 (docs/scheduling.md)."""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.measure import Summary, summarize
from bookstore_resil.errors import EventLogError, NotAnArchive, UsageError

EVENTS_FILE = "events.jsonl"
SUMMARY_FILE = "summary.json"
EXERCISE_NOTEBOOK = "exercise.ipynb"
REPORT_IPYNB = "report.ipynb"
REPORT_HTML = "report.html"
CONTENT_TYPES = {".json": "application/json", ".png": "image/png", ".html": "text/html"}
# An archive is shared with the team (a web server, a colleague): readable, as before.
ARCHIVE_FILE_MODE = 0o644
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
# At the bucket's root, so one listing finds the entries of every prefix teams write under.
JOURNAL = "_bookstore-resil-journal/"
_JOURNAL_TIME = "%Y%m%dT%H%M%S.%fZ"


def new_exercise_id(scenario: str, moment: datetime | None = None) -> str:
    stamp = (moment or clock.now()).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{scenario}-{uuid.uuid4().hex[:6]}"


def exercise_dir(out_dir: str | Path, exercise_id: str) -> Path:
    """``OUT/EXERCISE_ID``; the id must be a plain name, so the folder stays inside OUT."""
    if not _PLAIN_NAME.match(exercise_id) or exercise_id in (".", ".."):
        raise UsageError(
            f"exercise id {exercise_id!r}: a plain name (letters, digits, '.', '_', '-')"
        )
    return Path(out_dir) / exercise_id


def check_writable(out_dir: Path) -> Path:
    """Make ``out_dir`` (the archives' parent) if needed and prove a file can be written in
    it, before any exercise breaks anything: a read-only or misnamed ``--out`` is a usage
    error, not an exercise that ran and could not be recorded."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except FileExistsError:
        raise UsageError(f"--out {out_dir}: not a folder") from None
    except OSError as error:
        raise UsageError(f"--out {out_dir}: {error.strerror or error}") from None
    return out_dir


def events_path(archive_dir: str | Path) -> Path:
    return Path(archive_dir) / EVENTS_FILE


def summary_path(archive_dir: str | Path) -> Path:
    return Path(archive_dir) / SUMMARY_FILE


def holds_exercise(archive_dir: str | Path) -> bool:
    return events_path(archive_dir).exists()


@dataclass(frozen=True)
class Record:
    """An archive's event log read back: the events, whether the last line was torn, and
    the ``exercise_started`` event (None when the log has none)."""

    archive_dir: Path
    events: list[dict[str, Any]]
    truncated: bool
    start: dict[str, Any] | None

    def summary(self) -> Summary:
        if self.start is None:
            path = str(events_path(self.archive_dir))
            raise EventLogError(path, 1, "no exercise_started event: not an exercise", "type")
        return summarize(self.events, self.truncated)


def read_archive(archive_dir: str | Path) -> Record:
    """The record of the archive at ``archive_dir``; NotAnArchive when it holds none."""
    folder = Path(archive_dir)
    path = events_path(folder)
    if not path.is_file():
        raise NotAnArchive(str(folder), f"no {EVENTS_FILE}: not an exercise archive")
    contents = ev.read_events(path)
    start = next((e for e in contents.events if e["type"] == ev.STARTED), None)
    return Record(folder, contents.events, contents.truncated, start)


def write_atomically(path: Path, content: str | bytes) -> Path:
    """Write ``content`` to a temporary file beside ``path``, then rename it into place: a
    full disk or a crash leaves the old file whole, never half of the new one. Every file of
    an archive but the event log is written this way."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, ARCHIVE_FILE_MODE)
        os.replace(temporary, path)
    except OSError as error:  # named for the file it was for, not the temporary one
        Path(temporary).unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror or str(error), str(path)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def partial_path(path: Path) -> Path:
    """Where a writer that writes a file in pieces (papermill saves its output notebook
    after every cell) writes it until it is whole and renamed into place:
    ``.exercise.partial.ipynb`` for ``exercise.ipynb``."""
    return path.with_name(f".{path.stem}.partial{path.suffix}")


def write_summary(archive_dir: str | Path, summary: Summary) -> Path:
    text = json.dumps(summary.to_dict(), indent=2, default=str) + "\n"
    return write_atomically(summary_path(archive_dir), text)


def journal_key(summary_key: str, moment: datetime) -> str:
    """The journal entry ``_bookstore-resil-journal/<UTC time>/<summary key>``: the summary at
    ``summary_key`` was written at ``moment``. With ``summary_key`` "", the key every entry
    of ``moment`` or later sorts after."""
    return f"{JOURNAL}{moment.astimezone(timezone.utc).strftime(_JOURNAL_TIME)}/{summary_key}"


def journal_entry(key: str) -> tuple[datetime, str] | None:
    """The time and the summary key of the journal entry ``key``; None for any other key."""
    stamp, _, summary_key = key.removeprefix(JOURNAL).partition("/")
    if not key.startswith(JOURNAL) or summary_key.rpartition("/")[2] != SUMMARY_FILE:
        return None
    try:
        return datetime.strptime(stamp, _JOURNAL_TIME).replace(tzinfo=timezone.utc), summary_key
    except ValueError:
        return None
