"""An address that looks like S3 but is not one is refused (exit 2, one line) by every
command that takes an archive address, and nothing is written; an S3 endpoint that accepts
connections and never answers fails the command instead of holding it for minutes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from bookstore_resil.cli import main
from tests.dependency_builders import BOOKSTORE

LOOKALIKES = {
    "s3:/gameday-archives/x": "not an S3 address (write s3://BUCKET/PREFIX)",
    "S3://gameday-archives/x": "not an S3 address (write s3://BUCKET/PREFIX)",
    "s3:gameday-archives": "not an S3 address (write s3://BUCKET/PREFIX)",
    "s3://": "no bucket (write s3://BUCKET/PREFIX)",
    "s3:///x": "no bucket (write s3://BUCKET/PREFIX)",
    "s3://Not_A_Bucket/x": "'Not_A_Bucket' is not an S3 bucket name",
}
COMMANDS = {
    "drill": ["drill", "api-failure", "--data", str(BOOKSTORE), "--out"],
    "history": ["history", "--out"],
    "stage": ["stage", "--data", str(BOOKSTORE), "--reports"],
    "report": ["report"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("address", sorted(LOOKALIKES))
def test_an_address_that_looks_like_s3_is_refused(command, address, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([*COMMANDS[command], address]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"bookstore-resil: error: {address}: {LOOKALIKES[address]}\n"
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def black_hole():
    """A local endpoint that accepts every connection and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.waits
def test_an_s3_endpoint_that_never_answers_fails_the_command(black_hole, tmp_path):
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": black_hole,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    # Without bounded timeouts and retries boto3 waits minutes here: the run times out.
    result = subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", "history", "--out=s3://gameday-archives/x"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("bookstore-resil: error: s3://gameday-archives/x: S3: ")
    assert "timeout" in line.lower()
