"""What the board keeps of an S3 parent between runs (the summaries' fields by ETag, when the
last complete listing started, the change journal's cursor, what was skipped), and the
change journal read from that cursor on. See board_archives for how a read uses them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bookstore_resil.archive import layout
from bookstore_resil.clock import iso, parse_ts
from bookstore_resil.history.history import Skipped

CACHE_VERSION = 2
# Every key under an S3 parent is listed again at least this often: archives deleted, and
# those whose writer could not journal them, are seen within a day.
MAX_AGE = timedelta(hours=24)
# The journal is read again from this long before its cursor: entries written while a
# listing ran, and writers whose clocks are behind the board's.
SKEW = timedelta(minutes=15)


@dataclass
class Cache:
    """What a board keeps of one S3 parent between runs."""

    entries: dict[str, list[Any]]  # {summary key: [etag, the board's fields]}
    skipped: list[Skipped]
    listed_at: datetime  # when the last complete listing started
    journal_after: datetime  # the journal is read from here, less SKEW


def cache_file(cache_dir: Path, uri: str) -> Path:
    """The cache of the archives under ``uri``: one file per S3 parent."""
    return cache_dir / f"board-{hashlib.sha256(uri.encode()).hexdigest()[:20]}.json"


def load_cache(path: Path) -> Cache | None:
    """The cache at ``path``; None for a missing, damaged or older one."""
    try:
        document = orjson.loads(path.read_bytes())
        if document["version"] != CACHE_VERSION:
            return None
        return Cache(
            dict(document["entries"]),
            [Skipped(where, why) for where, why in document["skipped"]],
            parse_ts(document["listed_at"]),
            parse_ts(document["journal_after"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save_cache(path: Path, cache: Cache) -> None:
    document = {
        "version": CACHE_VERSION,
        "listed_at": iso(cache.listed_at),
        "journal_after": iso(cache.journal_after),
        "skipped": [[s.path, s.reason] for s in cache.skipped],
        "entries": cache.entries,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        layout.write_atomically(path, orjson.dumps(document))
    except OSError:
        pass  # a cache that cannot be written costs the next run time, not its answer


def read_journal(
    client: Any, bucket: str, under: str, since: datetime
) -> tuple[list[str], datetime]:
    """The summaries under ``under`` the change journal names from ``SKEW`` before ``since``
    on (one listing of the journal alone), and the time of its newest entry."""
    keys, newest = set(), since
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=layout.JOURNAL, StartAfter=layout.journal_key("", since - SKEW)
    )
    for page in pages:
        for item in page.get("Contents", ()):
            entry = layout.journal_entry(item["Key"])
            if entry is not None and entry[1].startswith(under):
                keys.add(entry[1])
                newest = max(newest, entry[0])
    return sorted(keys), newest
