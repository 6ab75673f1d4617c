"""The archives under the board's ``--out``, read for the board: each archive's
``summary.json`` and nothing else, at any depth (teams may write under sub-prefixes).

Locally the folder tree is walked once; a folder holding ``summary.json`` is an archive and
is not searched further, one holding only ``events.jsonl`` (an exercise that crashed before
its summary) is summarized from its log as ``history`` does.

In S3 only the ``summary.json`` objects are fetched, concurrently, and a local cache keeps
what the board reads of each, keyed by its ETag. The keys come one of two ways:

- a complete listing of the prefix, without a delimiter (every key under it, however deep):
  when there is no cache, with ``board --relist``, and when the last one started more than
  MAX_AGE ago, so archives deleted, and those whose writer could not journal them, are seen
  within a day. Each page's XML loses what the board does not read (LastModified, which
  botocore parses with dateutil, size, storage class) before botocore parses it. It is not
  split into key ranges listed at once: moto's server scans the whole bucket for each
  request and serves them one at a time (benchmarks/bench_board.py).
- otherwise the change journal: every upload of a summary (``drill --out s3://``, ``report``
  again) ends with an empty object ``_bookstore-resil-journal/<UTC time>/<summary key>`` at
  the bucket's root (:func:`~bookstore_resil.archive.layout.journal_key`). One listing of
  the journal from the cursor on (less board_cache.SKEW, for writers' clocks behind the board's and
  entries written while the last listing ran) names the summaries written since; those
  under the prefix are fetched, a summary gone since is dropped. The cursor moves to the
  newest entry read; entries before it are never read again (a lifecycle rule expires them).

A summary read again under the ETag the cache holds answers 304 and counts as cached. An
archive whose summary cannot be read is skipped with one line naming it, as in
``history``; the cache keeps those lines for the runs that read only the journal.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bookstore_resil.archive import layout, storage
from bookstore_resil.archive.fields import summary_problem
from bookstore_resil.clock import now, parse_ts
from bookstore_resil.define.heap import collector_paused
from bookstore_resil.errors import (
    EventLogError,
    MissingExtra,
    ReportError,
    ResilError,
    UsageError,
)
from bookstore_resil.history.board_cache import (
    MAX_AGE,
    Cache,
    cache_file,
    load_cache,
    read_journal,
    save_cache,
)
from bookstore_resil.history.history import Skipped, _read_summary

THREADS = 16
# What the board reads of a summary: the cache keeps only these.
FIELDS = (
    "exercise_id",
    "scenario",
    "system",
    "title",
    "service",
    "target",
    "environment",
    "mode",
    "started_at",
    "outcome",
    "rto_s",
    "rpo_s",
    "measured_downtime_s",
    "measured_user_downtime_s",
    "measured_data_loss_s",
    "rto_met",
    "rpo_met",
    "fault_observed",
    "data_loss_bound",
    "dry_run",
    "fail_on_breach",
    "ci",
)
_ALONE = f"no {layout.SUMMARY_FILE} beside it"


@dataclass(frozen=True)
class Read:
    """The summaries read (each with the address of its archive), what was skipped, and for
    S3 how many summaries were fetched and how many came from the cache, when the last
    complete listing started, and the cursor the change journal was read from (None: this
    read listed every key)."""

    exercises: list[tuple[dict[str, Any], str]]
    skipped: list[Skipped]
    fetched: int = 0
    cached: int = 0
    listed_at: datetime | None = None
    journal_since: datetime | None = None


def _kept(document: Any) -> dict[str, Any]:
    """The board's fields of a summary; ValueError naming the first field that is wrong."""
    wrong = summary_problem(document)
    if wrong is not None:
        raise ValueError(f"{wrong[0]}: {wrong[1]}")
    try:  # a summary a drill wrote holds every field: one lookup each
        return {name: document[name] for name in FIELDS}
    except KeyError:
        return {name: document[name] for name in FIELDS if name in document}


_SUMMARY = os.sep + layout.SUMMARY_FILE
_EVENTS = os.sep + layout.EVENTS_FILE
_READ = 1 << 16


@collector_paused()  # thousands of summaries that stay alive: see define.heap
def read_local(root: Path) -> Read:
    """The folder tree walked once, each folder tried for its summary with one open and no
    listing (a board reads thousands of archive folders): a folder holding ``summary.json``
    is an archive, one holding only ``events.jsonl`` an archive summarized from its log,
    any other is listed and its sub-folders tried in turn."""
    if not root.is_dir():  # a mistyped --out would show every system as never exercised
        raise UsageError(f"--out {root}: no such folder")
    exercises: list[tuple[dict[str, Any], str]] = []
    skipped: list[Skipped] = []
    folders = [str(root)]
    while folders:
        folder = folders.pop()
        try:
            data = _read_file(folder + _SUMMARY)
        except (FileNotFoundError, NotADirectoryError):
            if os.path.isfile(folder + _EVENTS):
                _read_log(folder, exercises, skipped)
            else:
                folders += _below(folder)
            continue
        except OSError as error:
            skipped.append(Skipped(folder + _SUMMARY, error.strerror or str(error)))
            continue
        try:
            exercises.append((_kept(orjson.loads(data)), folder))
        except (ValueError, RecursionError) as error:
            skipped.append(Skipped(folder + _SUMMARY, str(error) or type(error).__name__))
    return Read(exercises, skipped)


def _read_file(path: str) -> bytes:
    """The file's bytes in one open, one read and one close for a summary's few kilobytes
    (Python's ``open`` adds two stats, two seeks, a terminal check and a read to find the
    end)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        data = os.read(descriptor, _READ)
        if len(data) == _READ:
            chunks = [data]
            while chunk := os.read(descriptor, _READ):
                chunks.append(chunk)
            data = b"".join(chunks)
    finally:
        os.close(descriptor)
    return data


def _below(folder: str) -> list[str]:
    """The sub-folders of ``folder``, hidden ones left out, last name first (the walk pops
    from the end, so archives are met in name order)."""
    with os.scandir(folder) as entries:
        below = [e.path for e in entries if e.name[0] != "." and e.is_dir(follow_symlinks=False)]
    return sorted(below, reverse=True)


def _read_log(
    folder: str, exercises: list[tuple[dict[str, Any], str]], skipped: list[Skipped]
) -> None:
    """An archive holding only its event log (an exercise that crashed before its summary),
    summarized from the log as ``history`` does."""
    try:
        exercises.append((_kept(_read_summary(Path(folder))), folder))
    except EventLogError as error:
        skipped.append(Skipped(error.path, f"{error.field}: {error.message}", error.line))
    except (ResilError, ValueError, RecursionError, OSError) as error:
        skipped.append(Skipped(folder + _EVENTS, str(error) or type(error).__name__))


@contextlib.contextmanager
def _client(uri: str, threads: int) -> Iterator[Any]:
    """An S3 client with a connection for each thread; any S3 or network failure inside
    the block is one ReportError naming ``uri``."""
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise MissingExtra("boto3") from None
    config = Config(max_pool_connections=threads, **storage.TIMEOUTS)
    try:
        client = boto3.client("s3", config=config)
        client.meta.events.register("before-parse.s3.ListObjectsV2", _trim)
        yield client
    except (ClientError, BotoCoreError) as error:
        raise ReportError(uri, f"S3: {error}") from None


def _trim(response_dict: dict[str, Any], **_: Any) -> None:
    """A listing's XML without what the board does not read of each object (its time, size,
    storage class, owner, checksum): botocore parses each LastModified with dateutil, which
    cost the client more than the rest of the page."""
    if response_dict.get("status_code") == 200:
        response_dict["body"] = _UNREAD.sub(b"", response_dict["body"])


_UNREAD = re.compile(
    rb"<(LastModified|Size|StorageClass|Owner|ChecksumAlgorithm|ChecksumType)>.*?</\1>", re.S
)


def _listing(client: Any, bucket: str, under: str) -> tuple[dict[str, str], set[str]]:
    """One listing of everything under ``under``: each summary's key and ETag, and the
    archives holding an event log."""
    summaries, logs = {}, set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=under):
        for item in page.get("Contents", ()):
            folder, _, name = item["Key"].rpartition("/")
            if name == layout.SUMMARY_FILE and not folder.startswith(layout.JOURNAL):
                summaries[item["Key"]] = item["ETag"]
            elif name == layout.EVENTS_FILE:
                logs.add(folder)
    return summaries, logs


_Fetched = tuple[str, str, "dict[str, Any] | Exception | None"]


def _fetcher(client: Any, bucket: str, known: dict[str, list[Any]]) -> Callable[[str], _Fetched]:
    """Each summary's GET: (key, ETag, the board's fields, or None when the cached ETag still
    holds, or why it cannot be read: FileNotFoundError when it is gone)."""

    def fetch(key: str) -> _Fetched:
        etag = known[key][0] if key in known else ""
        try:  # a summary cached under its current ETag answers 304, without a body
            answer = client.get_object(
                Bucket=bucket, Key=key, **({"IfNoneMatch": etag} if etag else {})
            )
        except client.exceptions.NoSuchKey:
            return key, "", FileNotFoundError("deleted while the board read it")
        except client.exceptions.ClientError as error:
            if error.response["Error"]["Code"] != "304":
                raise
            return key, etag, None
        try:
            return key, answer["ETag"], _kept(orjson.loads(answer["Body"].read()))
        except (ValueError, RecursionError) as error:
            return key, answer["ETag"], error

    return fetch


@collector_paused()
def read_s3(
    uri: str,
    cache_dir: Path | None,
    threads: int = THREADS,
    relist: bool = False,
    max_age: timedelta = MAX_AGE,
) -> Read:
    """The summaries under the S3 parent ``uri``: every key listed when there is no cache,
    with ``relist``, or when the last complete listing is older than ``max_age``; else those
    the change journal names since the last read, fetched over the cache."""
    uri = uri.rstrip("/")
    bucket, prefix = storage.split_s3(uri)
    under = f"{prefix}/" if prefix else ""
    cache = cache_file(cache_dir, uri) if cache_dir else None
    old = load_cache(cache) if cache else None
    began = now()
    since = None
    with _client(uri, threads) as client, ThreadPoolExecutor(threads) as pool:
        if old is None or relist or began - old.listed_at > max_age:
            listed, logs = _listing(client, bucket, under)
            known = old.entries if old else {}
            wanted = [key for key, etag in listed.items() if known.get(key, ("",))[0] != etag]
            alone = sorted(logs - {key.rpartition("/")[0] for key in listed})
            new = Cache(
                {key: known[key] for key in listed.keys() & known.keys()},
                [Skipped(f"s3://{bucket}/{f}/{layout.EVENTS_FILE}", _ALONE) for f in alone],
                began,
                began,
            )
        else:
            since = old.journal_after
            wanted, newest = read_journal(client, bucket, under, since)
            again = {f"s3://{bucket}/{key.rpartition('/')[0]}" for key in wanted}
            kept = [s for s in old.skipped if s.path.rpartition("/")[0] not in again]
            # A writer's clock ahead of the board's must not carry the cursor past entries to come.
            new = Cache(dict(old.entries), kept, old.listed_at, min(newest, began))
        fetched = list(pool.map(_fetcher(client, bucket, new.entries), wanted))
    count = 0
    for key, etag, doc in fetched:
        if isinstance(doc, dict):
            new.entries[key] = [etag, doc]
            count += 1
        elif doc is not None:
            new.entries.pop(key, None)
            if since is None or not isinstance(doc, FileNotFoundError):  # else: since deleted
                new.skipped.append(Skipped(f"s3://{bucket}/{key}", str(doc) or type(doc).__name__))
    new.skipped.sort(key=lambda skipped: skipped.path)
    if cache is not None:
        save_cache(cache, new)
    exercises = [
        (doc, f"s3://{bucket}/{key.rpartition('/')[0]}") for key, (_, doc) in new.entries.items()
    ]
    return Read(exercises, new.skipped, count, len(new.entries) - count, new.listed_at, since)


def read_archives(
    out: str | Path, cache_dir: Path | None = None, threads: int = THREADS, relist: bool = False
) -> Read:
    """Every archive under ``out`` (a folder or an ``s3://`` parent), oldest first;
    ``relist``: an S3 parent's keys listed whatever the cache holds."""
    if storage.is_s3(out):
        found = read_s3(str(out), cache_dir, threads, relist)
    else:
        found = read_local(Path(out))
    found.exercises.sort(key=_order)
    return found


def _order(item: tuple[dict[str, Any], str]) -> tuple[datetime, str]:
    return parse_ts(item[0]["started_at"]), item[0]["exercise_id"]
