"""The archives under the board's ``--out``, read for the board: each archive's
``summary.json`` and nothing else, at any depth (teams may write under sub-prefixes).

Locally the folder tree is walked once; a folder holding ``summary.json`` is an archive and
is not searched further, one holding only ``events.jsonl`` (an exercise that crashed before
its summary) is summarized from its log as ``history`` does.

In S3 the prefix is listed once, without a delimiter (every key under it, however deep),
and only the ``summary.json`` objects are fetched, concurrently. A local cache keyed by each
object's ETag keeps what the board reads of every summary, so a second run fetches only the
summaries that are new or changed. That second run still lists every key: only a complete
listing shows a summary rewritten (``report`` uploads it again) or deleted since, and listing
only what is newer than each team's newest archive (``StartAfter``) would cost a request per
team, more requests than the complete listing's pages of 1,000 keys while teams hold fewer
keys than that. Each page's XML loses what the board does not read (LastModified, which
botocore parses with dateutil, size, storage class) before botocore parses it. The listing
is not split into key ranges listed at once: moto's server scans the whole bucket for each
request and serves them one at a time, so 16 ranges over 160,000 keys outlasted the 5 s read
timeout (benchmarks/bench_board.py). An archive whose summary cannot be read is skipped with
one line naming it, as in ``history``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from bookstore_resil.archive import layout, storage
from bookstore_resil.archive.fields import summary_problem
from bookstore_resil.clock import parse_ts
from bookstore_resil.define.heap import collector_paused
from bookstore_resil.errors import (
    EventLogError,
    MissingExtra,
    ReportError,
    ResilError,
    UsageError,
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
CACHE_VERSION = 1


@dataclass(frozen=True)
class Read:
    """The summaries read (each with the address of its archive), what was skipped, and for
    S3 how many summaries were fetched and how many came from the cache."""

    exercises: list[tuple[dict[str, Any], str]]
    skipped: list[Skipped]
    fetched: int = 0
    cached: int = 0


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


def _listing(client: Any, bucket: str, prefix: str) -> tuple[dict[str, str], set[str]]:
    """One listing of everything under ``prefix``: each summary's key and ETag, and the
    archives holding an event log."""
    summaries, logs = {}, set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", ()):
            folder, _, name = item["Key"].rpartition("/")
            if name == layout.SUMMARY_FILE:
                summaries[item["Key"]] = item["ETag"]
            elif name == layout.EVENTS_FILE:
                logs.add(folder)
    return summaries, logs


def cache_file(cache_dir: Path, uri: str) -> Path:
    """The cache of the archives under ``uri``: one file per S3 parent."""
    return cache_dir / f"board-{hashlib.sha256(uri.encode()).hexdigest()[:20]}.json"


def _load_cache(path: Path) -> dict[str, Any]:
    """The cached entries ``{key: [etag, fields]}``; a missing or damaged cache is empty."""
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    ok = isinstance(document, dict) and document.get("version") == CACHE_VERSION
    return document.get("entries", {}) if ok else {}


def _save_cache(path: Path, entries: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"version": CACHE_VERSION, "entries": entries}
        layout.write_atomically(path, orjson.dumps(document))
    except OSError:
        pass  # a cache that cannot be written costs the next run time, not its answer


@collector_paused()
def read_s3(uri: str, cache_dir: Path | None, threads: int = THREADS) -> Read:
    uri = uri.rstrip("/")
    bucket, prefix = storage.split_s3(uri)
    cache = cache_file(cache_dir, uri) if cache_dir else None
    old = _load_cache(cache) if cache else {}
    with _client(uri, threads) as client, ThreadPoolExecutor(threads) as pool:
        listed, logs = _listing(client, bucket, f"{prefix}/" if prefix else "")
        wanted = [key for key, etag in listed.items() if old.get(key, ("",))[0] != etag]

        def fetch(key: str) -> tuple[str, str, dict[str, Any] | Exception]:
            try:
                answer = client.get_object(Bucket=bucket, Key=key)
            except client.exceptions.NoSuchKey:  # deleted since the listing
                return key, "", ValueError("deleted while the board read it")
            try:
                return key, answer["ETag"], _kept(orjson.loads(answer["Body"].read()))
            except (ValueError, RecursionError) as error:
                return key, answer["ETag"], error

        fetched = list(pool.map(fetch, wanted))
    entries = {key: old[key] for key, etag in listed.items() if key in old and old[key][0] == etag}
    skipped: list[Skipped] = []
    for key, etag, doc in fetched:
        if isinstance(doc, Exception):
            skipped.append(Skipped(f"s3://{bucket}/{key}", str(doc) or type(doc).__name__))
        else:
            entries[key] = [etag, doc]
    if cache is not None:
        _save_cache(cache, entries)
    with_summary = {key.rpartition("/")[0] for key in listed}
    skipped += [
        Skipped(f"s3://{bucket}/{folder}/{layout.EVENTS_FILE}", "no summary.json beside it")
        for folder in sorted(logs - with_summary)
    ]
    exercises = [
        (doc, f"s3://{bucket}/{key.rpartition('/')[0]}") for key, (_, doc) in entries.items()
    ]
    return Read(exercises, skipped, len(wanted), len(listed) - len(wanted))


def read_archives(out: str | Path, cache_dir: Path | None = None, threads: int = THREADS) -> Read:
    """Every archive under ``out`` (a folder or an ``s3://`` parent), oldest first."""
    found = read_s3(str(out), cache_dir, threads) if storage.is_s3(out) else read_local(Path(out))
    found.exercises.sort(key=_order)
    return found


def _order(item: tuple[dict[str, Any], str]) -> tuple[datetime, str]:
    return parse_ts(item[0]["started_at"]), item[0]["exercise_id"]
