"""Archives in S3: ``s3://BUCKET/PREFIX`` addresses, downloads and uploads with boto3.

The endpoint and credentials are boto3's usual ones (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ...).
"""

from __future__ import annotations

from bookstore_resil.errors import ReportError

S3_SCHEME = "s3://"


def is_s3(address: object) -> bool:
    return str(address).startswith(S3_SCHEME)


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix/`` -> (``bucket``, ``some/prefix``)."""
    bucket, _, prefix = uri.removeprefix(S3_SCHEME).partition("/")
    prefix = prefix.strip("/")
    if not bucket or not prefix:
        raise ReportError(uri, "an S3 archive is s3://BUCKET/PREFIX/EXERCISE_ID")
    return bucket, prefix
