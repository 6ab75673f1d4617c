"""What the aws target hands back (and so what an archive holds) never carries credentials."""

from __future__ import annotations

import json
from dataclasses import asdict
from urllib.parse import quote

import pytest

from bookstore_resil.secrets import redact, scan_for_secrets
from bookstore_resil.targets.aws import AwsTarget
from bookstore_resil.testing.aws_moto import build_seed_world, reset
from tests.conftest_aws import use_moto_env

KEY_ID = "AKIAFAKEBOOKSTORE0001"
SECRET = "fAkE/Bookstore+Secret/0123456789abcdefghijklmnopqrstuvwxyzAB"
TOKEN = "FwoGZXIvYXdzEFAKEBOOKSTORESESSIONTOKEN//////////0001"


@pytest.fixture
def world(moto_url, tmp_path, monkeypatch):
    use_moto_env(monkeypatch, KEY_ID, SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    reset(moto_url)
    return build_seed_world(moto_url, tmp_path / "bookstore")


def test_action_results_in_an_archive_hold_no_credentials(world, moto_url, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    careful = AwsTarget(data_dir=world.data_dir, endpoint_url=moto_url)
    bold = AwsTarget(data_dir=world.data_dir, endpoint_url=moto_url, allow_destructive=True)
    assert bold.credential_strings() == [KEY_ID, SECRET, TOKEN]

    results = [
        careful.run_action("launch_replacement", {}, timeout_s=10),  # dry run
        careful.run_action("update_dns", {"record": "db"}, timeout_s=10),  # dry run
        bold.run_action("launch_replacement", {}, timeout_s=10),
        bold.run_action("update_dns", {"record": "api"}, timeout_s=10),
        bold.run_action("db_restart", {"identifier": "bookstore-db-gone"}, timeout_s=10),
        bold.run_action("cdn_upload_static", {}, timeout_s=10),
        bold.run_action("http_check", {"url": "http://127.0.0.1:9/"}, timeout_s=10),
    ]
    assert [r.ok for r in results] == [True, True, True, True, False, True, False]
    fault = bold.inject_fault("cdn-bucket-deleted")
    probes = {p.name: (p.address, p.check()) for p in bold.probes()}
    with open(archive / "events.jsonl", "w") as events:
        for result in results:
            events.write(json.dumps({"type": "step_finished", **asdict(result)}) + "\n")
        events.write(json.dumps({"type": "fault_injected", **asdict(fault)}) + "\n")
        events.write(json.dumps({"type": "probes_started", "endpoints": probes}) + "\n")
    (archive / "summary.txt").write_text("\n".join(r.output for r in results))

    assert scan_for_secrets(archive, bold.credential_strings()) == []


def test_the_scan_finds_a_planted_secret_and_never_prints_it(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "clean.json").write_text('{"ok": true}\n')
    (tmp_path / "notes" / "leak.txt").write_text(f"first line\nkey = {KEY_ID}\n")
    (tmp_path / "url.log").write_text(f"GET /x?sig=1&secret={quote(SECRET, safe='')}\n")

    hits = scan_for_secrets(tmp_path, [KEY_ID, SECRET, None, ""])
    assert [(h.path.relative_to(tmp_path).as_posix(), h.line, h.secret) for h in hits] == [
        ("notes/leak.txt", 2, 0),
        ("url.log", 1, 1),
    ]
    assert all(KEY_ID not in str(h) and SECRET not in str(h) for h in hits)
    assert str(hits[0]).endswith("leak.txt:2: secret #0")


def test_redact_blanks_every_form_of_a_secret():
    text = f"id {KEY_ID} secret {SECRET} quoted {quote(SECRET, safe='')}"
    assert redact(text, [KEY_ID, SECRET, None]) == "id **** secret **** quoted ****"
