"""The archives under the board's ``--out``, read for the board: each archive's
``summary.json`` and nothing else, at any depth (teams may write under sub-prefixes).

Locally the folder tree is walked once; a folder holding ``summary.json`` is an archive and
is not searched further, one holding only ``events.jsonl`` (an exercise that crashed before
its summary) is summarized from its log as ``history`` does.

In S3 the prefix is listed once, without a delimiter (every key under it, however deep),
and only the ``summary.json`` objects are fetched, concurrently. A local cache keyed by each
object's ETag keeps what the board reads of every summary, so a second run fetches only the
summaries that are new or changed. An archive whose summary cannot be read is skipped with
one line naming it, as in ``history``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
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
    return {name: document[name] for name in FIELDS if name in document}


def _summary_bytes(folder: str) -> bytes | None:
    """The folder's ``summary.json``, None when it has none: one open, no listing (a board
    reads thousands of archive folders)."""
    try:
        with open(os.path.join(folder, layout.SUMMARY_FILE), "rb") as file:
            return file.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _archives(root: Path) -> Iterator[tuple[str, bytes | None]]:
    """Each archive folder under ``root`` (itself included) and its summary's bytes (None
    for an archive holding only its event log)."""
    folders = [str(root)]
    while folders:
        folder = folders.pop()
        data = _summary_bytes(folder)
        if data is not None or os.path.isfile(os.path.join(folder, layout.EVENTS_FILE)):
            yield folder, data
            continue
        with os.scandir(folder) as entries:
            below = [
                e.path
                for e in entries
                if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)
            ]
        folders += sorted(below, reverse=True)


@collector_paused()  # thousands of summaries that stay alive: see define.heap
def read_local(root: Path) -> Read:
    exercises, skipped = [], []
    if not root.is_dir():  # a mistyped --out would show every system as never exercised
        raise UsageError(f"--out {root}: no such folder")
    for folder, data in _archives(root):
        try:
            if data is not None:
                exercises.append((_kept(orjson.loads(data)), folder))
            else:
                exercises.append((_kept(_read_summary(Path(folder))), folder))
        except EventLogError as error:
            skipped.append(Skipped(error.path, f"{error.field}: {error.message}", error.line))
        except (ResilError, ValueError, RecursionError, OSError) as error:
            name = layout.SUMMARY_FILE if data is not None else layout.EVENTS_FILE
            where = os.path.join(folder, name)
            skipped.append(Skipped(where, str(error) or type(error).__name__))
    return Read(exercises, skipped)


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
        yield boto3.client("s3", config=config)
    except (ClientError, BotoCoreError) as error:
        raise ReportError(uri, f"S3: {error}") from None


def _listing(client: Any, bucket: str, prefix: str) -> tuple[dict[str, str], set[str]]:
    """One listing of everything under ``prefix``: each summary's key and ETag, and the
    archives holding an event log."""
    summaries, logs = {}, set()
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""
    )
    for page in pages:
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
    entries: dict[str, Any] = {}
    skipped: list[Skipped] = []
    with _client(uri, threads) as client:
        listed, logs = _listing(client, bucket, prefix)
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

        with ThreadPoolExecutor(max_workers=threads) as pool:
            fetched = list(pool.map(fetch, wanted))
    for key, etag in listed.items():
        if key in old and old[key][0] == etag:
            entries[key] = old[key]
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
