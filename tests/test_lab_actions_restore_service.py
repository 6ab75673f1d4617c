"""The playbook actions of the three seed scenarios bring each component back."""

import threading

from bookstore_resil.lab import actions, api, pgclient
from bookstore_resil.lab.http import http_get

from .conftest_lab import probe_states

ALL_UP = {"api": True, "database": True, "cdn": True, "users": True}


def act(lab_target, name, **args):
    return lab_target.run_action(name, args, timeout_s=60)


def test_restart_app_brings_a_crashed_api_back(lab, lab_target):
    lab_target.inject_fault("api-crash")
    check = act(lab_target, "http_check", service="api")
    assert not check.ok and "502" in check.output

    result = act(lab_target, "restart_app")

    assert result.ok, result.error
    assert act(lab_target, "http_check", service="api").ok
    assert probe_states(lab) == ALL_UP


def test_restart_instance_brings_a_crashed_api_back(lab, lab_target):
    lab_target.inject_fault("api-crash")
    assert act(lab_target, "restart_instance").ok
    assert probe_states(lab)["api"]


def test_a_lost_instance_is_replaced_and_dns_moves_the_traffic(lab, lab_target):
    lost = api.current(lab)
    lab_target.inject_fault("api-instance-lost")
    assert not act(lab_target, "restart_app").ok
    assert "lost" in act(lab_target, "restart_instance").error

    launched = act(lab_target, "launch_replacement")
    assert launched.ok, launched.error
    assert not probe_states(lab)["api"], "the record still names the lost instance"
    described = act(lab_target, "describe_instances")
    newest = described.data["instances"][0]
    assert newest["address"] == launched.data["address"]
    assert lost.id not in described.output
    assert act(lab_target, "restart_app", instance="newest").ok
    direct = act(lab_target, "http_check", instance="newest")
    assert direct.ok and direct.data["url"].startswith(f"http://{newest['address']}/")

    moved = act(lab_target, "update_dns", record="api")

    assert moved.ok and moved.data["target"] == newest["address"]
    assert lab.records().api == newest["address"]
    assert probe_states(lab) == ALL_UP


def test_db_restart_brings_a_crashed_database_back(lab_target):
    lab_target.inject_fault("db-crash")
    assert not act(lab_target, "db_check").ok

    assert act(lab_target, "db_restart").ok

    checked = act(lab_target, "db_check", through_api=True)
    assert checked.ok, checked.output
    assert checked.data["books"] >= 5


def test_a_lost_database_is_replaced_from_a_snapshot_and_the_api_follows_the_record(
    lab, lab_target
):
    lab_target.inject_fault("db-lost")
    assert "gone" in act(lab_target, "db_restart").error

    replica = act(lab_target, "db_launch_replica")
    assert replica.ok, replica.error
    assert not act(lab_target, "db_check").ok, "the record still names the lost database"

    assert act(lab_target, "update_dns", record="db").data["target"] == replica.data["address"]

    checked = act(lab_target, "db_check", through_api=True)
    assert checked.ok, checked.output
    books = http_get(lab.router_url() + "/books/1/")
    assert books.status == 200 and b"The Stand" in books.body


def test_the_api_leaves_a_database_still_running_once_the_record_moves(lab, lab_target):
    """The API keeps its database connections between requests; a switchover to a replica
    while the old server still answers is followed from the very next request."""
    books = lab.router_url() + "/books/1/"
    old = lab.records().db
    for _ in range(6):  # each gunicorn worker holds a connection to the old server now
        assert http_get(books).status == 200
    replica = act(lab_target, "db_launch_replica")
    assert replica.ok, replica.error
    host, port = replica.data["address"].rsplit(":", 1)
    with pgclient.connect(lab, host, int(port)) as db:
        db.execute("UPDATE books_book SET title = 'On the replica' WHERE id = 1")
    try:
        assert act(lab_target, "update_dns", record="db").data["target"] == replica.data["address"]
        answers = [http_get(books) for _ in range(6)]
        assert all(a.status == 200 and b"On the replica" in a.body for a in answers)
    finally:
        assert act(lab_target, "update_dns", record="db", target=old).ok
    assert b"The Stand" in http_get(books).body


def test_missing_static_files_are_uploaded_again(lab_target):
    lab_target.inject_fault("cdn-objects-removed")
    verify = act(lab_target, "cdn_verify")
    assert not verify.ok and verify.data["missing"] > 0

    assert act(lab_target, "cdn_upload_static").ok

    assert act(lab_target, "cdn_verify").ok
    assert act(lab_target, "http_check", service="cdn").ok


def test_a_deleted_bucket_is_recreated_and_refilled(lab, lab_target):
    lab_target.inject_fault("cdn-bucket-deleted")
    assert "missing" in act(lab_target, "cdn_verify").output
    assert not act(lab_target, "cdn_upload_static").ok

    assert act(lab_target, "cdn_recreate_bucket").ok
    assert act(lab_target, "cdn_upload_static").ok

    assert act(lab_target, "cdn_verify").ok
    assert probe_states(lab) == ALL_UP


def test_http_check_reads_a_path_of_the_public_address(lab_target):
    books = act(lab_target, "http_check", service="api", path="/books/")
    assert books.ok and "The Stand" in books.output
    assert act(lab_target, "http_check", service="api", path="/books/?format=api").ok


def test_http_check_takes_a_url_too(lab, lab_target):
    assert act(lab_target, "http_check", url=lab.router_url() + "/authors/").ok
    assert not act(lab_target, "http_check", url=lab.router_url() + "/nowhere/").ok


def test_an_action_never_raises_and_never_hangs(lab_target, monkeypatch):
    assert not act(lab_target, "teleport").ok
    assert not act(lab_target, "update_dns", record="mx").ok
    # The action ends only when the test lets it: only the timeout can end the step.
    release = threading.Event()
    monkeypatch.setitem(actions.ACTIONS, "slow", lambda lab, args, timeout_s: release.wait(600))

    result = lab_target.run_action("slow", {}, timeout_s=0.2)
    release.set()

    assert not result.ok and "timed out" in result.error
