"""Where archives are kept: a local folder or ``s3://BUCKET/PREFIX``, through this one layer.

Every place that reads or writes an archive in S3 comes here: ``drill --out s3://...``
(:class:`Destination`: the exercise writes to a local staging folder while it runs, and the
finished archive is uploaded when it ends), ``history``/``stage`` over an S3 parent
(:func:`local_copies`), and ``report s3://...`` (:func:`download`, :func:`upload`).

Every upload that writes a ``summary.json`` ends by writing its entry in the change journal
(:func:`~bookstore_resil.archive.layout.journal_key`, an empty object at the bucket's root),
which the board reads instead of listing every key. A journal entry that cannot be written
(a role allowed only its own prefix) is one warning: the archive is whole without it, and
the board sees it at its next complete listing.

The endpoint and credentials are boto3's usual ones (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, a profile, ...). boto3 comes with the ``aws`` extra; without it an
S3 address is one line saying what to install. Every S3 failure is a
:class:`~bookstore_resil.errors.ReportError` naming the address.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bookstore_resil import clock
from bookstore_resil.archive import layout
from bookstore_resil.display import to_stderr
from bookstore_resil.errors import MissingExtra, ReportError, UsageError

S3_SCHEME = "s3://"
# Uploaded last: an archive counts as one (for history and report) once these exist, so
# a reader never takes a half-uploaded archive for a whole one.
MARKERS = (layout.EVENTS_FILE, layout.SUMMARY_FILE)
CONTENT_TYPES = {
    **layout.CONTENT_TYPES,
    ".jsonl": "application/x-ndjson",
    ".ipynb": "application/x-ipynb+json",
}


# A bucket name as S3 allows it: 3 to 63 lower-case letters, digits, dots and hyphens.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# boto3 retries a dead endpoint for minutes by default; these bound an S3 call to seconds.
TIMEOUTS = {
    "connect_timeout": 5,
    "read_timeout": 5,
    "retries": {"mode": "standard", "total_max_attempts": 2},
}


def is_s3(address: object) -> bool:
    """True for ``s3://BUCKET[/PREFIX]``, False for a local path. An address that looks
    like S3 but is not (``s3:/x``, ``S3://x``, ``s3:x``, ``s3://`` without a bucket) is a
    UsageError: taken for a local path it would make a folder named ``s3:``."""
    text = str(address)
    if text[:3].lower() != "s3:":
        return False
    if not text.startswith(S3_SCHEME):
        raise UsageError(f"{text}: not an S3 address (write s3://BUCKET/PREFIX)")
    bucket = text.removeprefix(S3_SCHEME).partition("/")[0]
    if not bucket:
        raise UsageError(f"{text}: no bucket (write s3://BUCKET/PREFIX)")
    if not _BUCKET.fullmatch(bucket):
        raise UsageError(f"{text}: {bucket!r} is not an S3 bucket name")
    return True


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix/`` -> (``bucket``, ``some/prefix``); the prefix may be ""."""
    bucket, _, prefix = uri.removeprefix(S3_SCHEME).partition("/")
    if not bucket:
        raise ReportError(uri, "an S3 address is s3://BUCKET/PREFIX")
    return bucket, prefix.strip("/")


def s3_archive(uri: str) -> tuple[str, str]:
    """:func:`split_s3` of one exercise's archive, which needs a prefix."""
    bucket, prefix = split_s3(uri)
    if not prefix:
        raise ReportError(uri, "an S3 archive is s3://BUCKET/PREFIX/EXERCISE_ID")
    return bucket, prefix


def s3_join(parent: str, name: str) -> str:
    bucket, prefix = split_s3(parent)
    return f"{S3_SCHEME}{bucket}/{prefix + '/' if prefix else ''}{name}"


def _client() -> Any:
    try:
        import boto3
    except ImportError:
        raise MissingExtra("boto3") from None
    from botocore.config import Config

    return boto3.client("s3", config=Config(**TIMEOUTS))


@contextlib.contextmanager
def _s3(uri: str) -> Iterator[Any]:
    """A client, and any S3 or network failure inside the block as one ReportError line."""
    client = _client()
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield client
    except ClientError as error:
        raise ReportError(uri, f"S3: {error}") from None
    except BotoCoreError as error:
        raise ReportError(uri, f"S3: {error}") from None


def _code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


def download(uri: str, names: Iterable[str], local: Path) -> list[str]:
    """Copy the named files of the archive at ``uri`` into ``local``; the names of those
    that exist there (a missing one is no error: the caller decides what it needs)."""
    from botocore.exceptions import ClientError

    bucket, prefix = s3_archive(uri)
    found = []
    with _s3(uri) as client:
        for name in names:
            try:
                client.download_file(bucket, f"{prefix}/{name}", str(local / name))
            except ClientError as error:
                if _code(error) in ("404", "NoSuchKey"):
                    continue
                raise
            found.append(name)
    return found


def upload(uri: str, files: Iterable[Path], overwrite: bool) -> list[str]:
    """Put ``files`` under the archive at ``uri``, in the order given; their addresses.

    Without ``overwrite`` every object is written only where none exists (S3's
    ``If-None-Match: *``): an archive is never overwritten, even by a race. A summary among
    them is journaled once every file is up.
    """
    from botocore.exceptions import ClientError

    bucket, prefix = s3_archive(uri)
    written = []
    with _s3(uri) as client:
        for path in files:
            extra = {} if overwrite else {"IfNoneMatch": "*"}
            try:
                client.put_object(
                    Bucket=bucket,
                    Key=f"{prefix}/{path.name}",
                    Body=path.read_bytes(),
                    ContentType=CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                    **extra,
                )
            except ClientError as error:
                if _code(error) in ("PreconditionFailed", "412"):
                    raise ReportError(
                        uri, f"{path.name} exists; archives are never overwritten"
                    ) from None
                raise
            written.append(f"{uri}/{path.name}")
        if f"{uri}/{layout.SUMMARY_FILE}" in written:
            _journal(client, bucket, f"{prefix}/{layout.SUMMARY_FILE}")
    return written


def _journal(client: Any, bucket: str, summary_key: str) -> None:
    """The journal entry of the summary at ``summary_key``; one warning when it cannot be
    written."""
    from botocore.exceptions import BotoCoreError, ClientError

    key = layout.journal_key(summary_key, clock.now())
    try:
        client.put_object(Bucket=bucket, Key=key, Body=b"")
    except (ClientError, BotoCoreError) as error:
        to_stderr(
            f"warning: {S3_SCHEME}{bucket}/{key} not written ({_code(error) or error}): "
            "the board will see this archive at its next complete listing"
        )


def _holds_anything(uri: str) -> bool:
    bucket, prefix = s3_archive(uri)
    with _s3(uri) as client:
        listed = client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/", MaxKeys=1)
    return bool(listed.get("KeyCount"))


def children(parent: str) -> list[str]:
    """The names directly under an S3 parent (``s3://bucket/prefix``), sorted."""
    bucket, prefix = split_s3(parent)
    names: set[str] = set()
    with _s3(parent) as client:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"{prefix}/" if prefix else "", Delimiter="/"
        )
        for page in pages:
            for common in page.get("CommonPrefixes", []):
                names.add(common["Prefix"].rstrip("/").rpartition("/")[2])
    if not prefix:  # the change journal at the bucket's root is no archive
        names.discard(layout.JOURNAL.rstrip("/"))
    return sorted(names)


@contextlib.contextmanager
def local_copies(parent: str | Path, names: tuple[str, ...]) -> Iterator[Path]:
    """A local folder of archives to read: ``parent`` itself, or for an S3 parent a
    temporary copy holding the named files of each archive under it (removed after)."""
    if not is_s3(parent):
        yield Path(parent)
        return
    parent = str(parent).rstrip("/")
    with tempfile.TemporaryDirectory(prefix="bookstore-archives-") as tmp:
        for name in children(parent):
            folder = Path(tmp) / name
            folder.mkdir()
            download(s3_join(parent, name), names, folder)
        yield Path(tmp)


@dataclass
class Destination:
    """Where a new archive goes (``--out``). A local parent is written in place. For an
    S3 parent the exercise writes to a local staging folder while it runs (the kernel
    appends to its event log line by line, which S3 cannot do), and :meth:`publish`
    uploads the finished archive, its markers last."""

    address: str
    local: Path
    remote: str | None = None

    @classmethod
    def of(cls, out: str | Path) -> Destination:
        if is_s3(out):
            remote = str(out).rstrip("/")
            split_s3(remote)
            staging = Path(tempfile.mkdtemp(prefix="bookstore-drill-"))
            return cls(remote, staging, remote)
        local = Path(out).resolve()
        return cls(str(local), local)

    def archive(self, exercise_id: str) -> str:
        """The address of the archive ``exercise_id``: a local path or an ``s3://`` URI."""
        local = layout.exercise_dir(self.local, exercise_id)
        return s3_join(self.remote, exercise_id) if self.remote else str(local)

    def exists(self, exercise_id: str) -> bool:
        if self.remote:
            return _holds_anything(self.archive(exercise_id))
        return layout.exercise_dir(self.local, exercise_id).exists()

    def publish(self, archive_dir: Path) -> list[str]:
        """Upload a finished local archive to S3 (nothing to do for a local parent), then
        drop the staging folder; on failure the folder stays, and the error names it."""
        if self.remote is None:
            return []
        uri = self.archive(archive_dir.name)
        files = sorted(p for p in archive_dir.iterdir() if p.is_file())
        ordered = [p for p in files if p.name not in MARKERS] + [
            archive_dir / name for name in MARKERS if (archive_dir / name).is_file()
        ]
        try:
            written = upload(uri, ordered, overwrite=False)
        except ReportError as error:
            reason = str(error).partition(": ")[2]
            raise ReportError(uri, f"{reason} (the archive stays in {archive_dir})") from None
        shutil.rmtree(self.local, ignore_errors=True)
        return written

    def discard(self) -> None:
        """Remove the staging folder of an S3 destination that was never used."""
        if self.remote is not None:
            shutil.rmtree(self.local, ignore_errors=True)
