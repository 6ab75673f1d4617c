"""S3: the CDN bucket against the static backup, and the seed's bucket recovery steps
(``aws s3 mb``, ``aws s3 sync`` of the backup), with the faults that empty or delete it."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from bookstore_resil.define.aws_config import Bucket
from bookstore_resil.errors import TargetError
from bookstore_resil.targets.aws.session import NAME, Args, Run, error_code

# What S3 answers when a bucket or key is not there (HEAD requests carry no error body).
_NOT_FOUND = {"404", "NoSuchBucket", "NoSuchKey", "NotFound"}


def _backup(spec: Bucket) -> dict[str, Path]:
    """The backed-up static files by their path under the backup folder."""
    folder = spec.static_backup
    if not folder.is_dir():
        raise TargetError(NAME, f"no static backup folder {folder}")
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def _objects(run: Run, spec: Bucket) -> dict[str, int]:
    listed = run.pages("s3", "list_objects_v2", "Contents", Bucket=spec.bucket, Prefix=spec.prefix)
    return {item["Key"]: item["Size"] for item in listed}


def _bucket_exists(run: Run, spec: Bucket) -> bool:
    try:
        run.read("s3", "head_bucket", Bucket=spec.bucket)
    except ClientError as error:
        if error_code(error)[0] in _NOT_FOUND:
            return False
        raise
    return True


def cdn_verify(run: Run, args: Args) -> None:
    """Every file of the static backup is in the bucket under the prefix, with its size."""
    _, spec = run.one("buckets", args)
    files = _backup(spec)
    present = _objects(run, spec)
    missing = [f for f in files if spec.key(f) not in present]
    differ = [
        f for f, p in files.items() if f not in missing and present[spec.key(f)] != p.stat().st_size
    ]
    where = f"s3://{spec.bucket}/{spec.prefix}"
    run.say(f"{where}: {len(files) - len(missing)}/{len(files)} static files present")
    for label, names in (("missing", missing), ("size differs", differ)):
        if names:
            run.say(f"{label}: {', '.join(names[:5])}" + (" ..." if len(names) > 5 else ""))
    run.data.update(expected=len(files), missing=len(missing), differ=len(differ))
    if missing or differ or not files:
        raise TargetError(NAME, f"{where} does not hold the static backup")


def cdn_recreate_bucket(run: Run, args: Args) -> None:
    """The seed's ``aws s3 mb``; an existing bucket is left as it is."""
    _, spec = run.one("buckets", args)
    if _bucket_exists(run, spec):
        run.say(f"s3://{spec.bucket}: already exists")
        return
    params: dict[str, Any] = {"Bucket": spec.bucket}
    if run.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": run.region}
    run.change("s3", "create_bucket", **params)
    run.say(f"s3://{spec.bucket}: created in {run.region}")


def cdn_upload_static(run: Run, args: Args) -> None:
    """The seed's ``aws s3 sync ./static-backup/ s3://BUCKET/static/``: every backed-up file."""
    _, spec = run.one("buckets", args)
    files = _backup(spec)
    if not files:
        raise TargetError(NAME, f"the static backup {spec.static_backup} is empty")
    run.say(f"{len(files)} static files to upload from {spec.static_backup}")
    for relative, path in files.items():
        run.change(
            "s3",
            "put_object",
            Bucket=spec.bucket,
            Key=spec.key(relative),
            Body=path.read_bytes(),
            ContentType=mimetypes.guess_type(relative)[0] or "application/octet-stream",
        )
    run.say(f"{len(files)} static files uploaded to s3://{spec.bucket}/{spec.prefix}")
    run.data["uploaded"] = len(files)


def _remove_objects(run: Run) -> tuple[Bucket, int]:
    _, spec = run.one("buckets", {})
    listed = run.pages("s3", "list_objects_v2", "Contents", Bucket=spec.bucket)
    keys = sorted(item["Key"] for item in listed)
    for start in range(0, len(keys), 1000):
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        run.change("s3", "delete_objects", Bucket=spec.bucket, Delete={"Objects": batch})
    return spec, len(keys)


def cdn_objects_removed(run: Run) -> str:
    spec, count = _remove_objects(run)
    return f"{count} objects removed from s3://{spec.bucket}"


def cdn_bucket_deleted(run: Run) -> str:
    spec, count = _remove_objects(run)
    run.change("s3", "delete_bucket", Bucket=spec.bucket)
    return f"s3://{spec.bucket} deleted with its {count} objects"
