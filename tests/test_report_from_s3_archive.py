"""`report s3://bucket/prefix/EXERCISE_ID` rebuilds an archive kept in S3 (moto's server)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import papermill.s3
import pytest

from bookstore_resil.archive import layout
from bookstore_resil.cli import main
from bookstore_resil.report.build import build_report
from bookstore_resil.testing.aws_moto import reset

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
BUCKET = "gameday-archives"


@pytest.fixture
def s3(moto_url, monkeypatch):
    """A fresh bucket on moto's server, with boto3 (and papermill's S3 handler) pointed at it.
    moto is reset first: a test before this one on the worker may have left a bucket of the
    same name (in us-east-1, creating it again is no error), with archives in it."""
    reset(moto_url)
    env = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # papermill keeps one boto3 session per process; make it pick up this environment.
    monkeypatch.setattr(papermill.s3.S3, "s3_session", (None, None, None))
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def upload_fixture(client, name: str, prefix: str) -> str:
    events = (FIXTURES / name / "events.jsonl").read_bytes()
    client.put_object(Bucket=BUCKET, Key=f"{prefix}/events.jsonl", Body=events)
    return f"s3://{BUCKET}/{prefix}"


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET)["Contents"]}


def test_a_database_archive_in_s3_gets_its_report_written_back(s3):
    uri = upload_fixture(s3, "database-data-loss", "reports/20240319T093000Z-database-failure")
    lines: list[str] = []
    paths = build_report(uri, progress=lines.append)

    prefix = "reports/20240319T093000Z-database-failure/"
    written = {
        "summary.json",
        "timeline.png",
        "objectives.png",
        "canary.png",
        "report.ipynb",
        "report.html",
    }
    journal = {k for k in keys(s3) if k.startswith(layout.JOURNAL)}
    entries = [layout.journal_entry(key) for key in journal]
    assert [entry[1] for entry in entries if entry] == [prefix + "summary.json"]
    assert keys(s3) - journal == {prefix + name for name in written | {"events.jsonl"}}
    assert set(paths.files()) == {f"{uri}/{name}" for name in written}

    summary = json.loads(s3.get_object(Bucket=BUCKET, Key=prefix + "summary.json")["Body"].read())
    assert (summary["outcome"], summary["measured_data_loss_s"]) == ("passed", 4.1)
    notebook = json.loads(s3.get_object(Bucket=BUCKET, Key=prefix + "report.ipynb")["Body"].read())
    assert notebook["metadata"]["papermill"]["output_path"] == f"{uri}/report.ipynb"
    page = s3.get_object(Bucket=BUCKET, Key=prefix + "report.html")
    assert page["ContentType"] == "text/html"
    assert b"data:image/png;base64," in page["Body"].read()
    assert lines[0].startswith(f"report: events.jsonl: downloaded from {uri}")
    assert lines[-1].startswith(
        f"report: uploaded 5 files to {uri}"
    )  # papermill wrote the notebook


def test_the_report_command_prints_the_s3_paths(s3, capsys):
    uri = upload_fixture(s3, "api-crashed", "team/reports/crashed")
    assert main(["report", uri + "/"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == f"{uri}/summary.json"
    assert out.splitlines()[-1] == f"{uri}/report.html"
    assert "report: summary.json: error from" in err


def test_an_s3_prefix_without_an_event_log_is_one_line(s3, capsys):
    assert main(["report", f"s3://{BUCKET}/reports/missing"]) == 2
    _, err = capsys.readouterr()
    assert err == (
        f"bookstore-resil: error: s3://{BUCKET}/reports/missing: "
        "no events.jsonl: not an exercise archive\n"
    )


def test_a_bucket_that_does_not_exist_is_one_line(s3, capsys):
    assert main(["report", "s3://no-such-bucket/reports/x"]) == 2  # no archive there
    _, err = capsys.readouterr()
    assert err.startswith("bookstore-resil: error: s3://no-such-bucket/reports/x:")
    assert len(err.splitlines()) == 1
