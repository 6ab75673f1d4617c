"""An ``s3://`` parent works wherever an archive is written or read (docs/contract.md §3): ``drill
--out s3://...`` uploads the finished archive, ``history`` and ``stage`` read it from the
bucket, ``report`` rebuilds it there. All against moto's server, on the aws target."""

from __future__ import annotations

import json

import boto3
import papermill.s3
import pytest

from bookstore_resil.cli import main
from tests.test_drill_against_aws_on_moto import web, world  # noqa: F401 -- fixtures

BUCKET = "gameday-archives"
PARENT = f"s3://{BUCKET}/team/gamedays"
ARCHIVE_FILES = {
    "events.jsonl",
    "summary.json",
    "exercise.ipynb",
    "report.ipynb",
    "report.html",
    "timeline.png",
    "objectives.png",
}


@pytest.fixture
def bucket(world, monkeypatch, tmp_path):  # noqa: F811
    """The archives' bucket in moto (the world's fixture reset moto), papermill's S3
    session renewed for this environment, and a clean working folder."""
    monkeypatch.setattr(papermill.s3.S3, "s3_session", (None, None, None))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


def keys(client, prefix: str) -> set[str]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {item["Key"].removeprefix(prefix) for item in listed}


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_drill_archived_in_s3_is_listed_staged_and_rebuilt_there(
    world,  # noqa: F811
    bucket,
    tmp_path,
    capsys,
):
    drilled = run_json(
        capsys,
        "drill",
        "cdn-failure",
        "--target=aws",
        f"--data={world.data_dir}",
        f"--out={PARENT}",
        "--exercise-id=cdn-in-s3",
        "--allow-destructive",
        "--execute",
        "--probe-interval=0.02",
        "-q",
    )
    archive = f"{PARENT}/cdn-in-s3"
    assert drilled["archive"] == archive
    assert drilled["report"] == f"{archive}/report.html"
    assert drilled["summary"]["outcome"] == "passed"
    assert ARCHIVE_FILES <= keys(bucket, "team/gamedays/cdn-in-s3/")
    # Nothing was written to a local folder named after the address.
    assert list((tmp_path / "work").iterdir()) == []

    listed = run_json(capsys, "history", f"--out={PARENT}/")
    assert [e["exercise_id"] for e in listed["exercises"]] == ["cdn-in-s3"]
    assert listed["exercises"][0] == drilled["summary"]
    assert main(["history", f"--out={PARENT}"]) == 0
    assert f"1 exercises in {PARENT}" in capsys.readouterr().out

    staged = run_json(capsys, "stage", f"--data={world.data_dir}", f"--reports={PARENT}")
    evidence = [c["evidence"] for s in staged["stages"] for c in s["checks"]]
    # The archive is named by its S3 address. It earns no stage: without a canary on AWS
    # its RPO was not measured, and an objective not measured is not met.
    assert f"{archive} (cdn-failure on aws, auto, " in "\n".join(evidence)

    before = bucket.get_object(Bucket=BUCKET, Key="team/gamedays/cdn-in-s3/report.html")
    rebuilt = run_json(capsys, "report", archive, "-q")
    assert rebuilt["html"] == f"{archive}/report.html"
    after = bucket.get_object(Bucket=BUCKET, Key="team/gamedays/cdn-in-s3/report.html")
    assert after["LastModified"] >= before["LastModified"]
    notebook = bucket.get_object(Bucket=BUCKET, Key="team/gamedays/cdn-in-s3/report.ipynb")
    assert json.loads(notebook["Body"].read())["metadata"]["papermill"]["output_path"] == (
        f"{archive}/report.ipynb"
    )


def test_an_s3_archive_is_never_overwritten(world, bucket, capsys):  # noqa: F811
    bucket.put_object(Bucket=BUCKET, Key="team/gamedays/taken/events.jsonl", Body=b"{}\n")
    argv = ["drill", "cdn-failure", "--target=aws", f"--data={world.data_dir}"]
    assert main([*argv, f"--out={PARENT}", "--exercise-id=taken"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"bookstore-resil: error: {PARENT}/taken exists: archives are never overwritten"]
    assert keys(bucket, "team/gamedays/taken/") == {"events.jsonl"}


def test_history_of_an_empty_s3_parent_and_a_missing_bucket(world, bucket, capsys):  # noqa: F811
    assert main(["history", f"--out={PARENT}"]) == 0
    assert capsys.readouterr().out == f"No exercise archived in {PARENT}.\n"
    assert main(["history", "--out=s3://no-such-bucket/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bookstore-resil: error: s3://no-such-bucket/x: S3: ")
    assert len(err.splitlines()) == 1
