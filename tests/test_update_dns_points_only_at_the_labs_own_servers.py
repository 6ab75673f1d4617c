"""``update_dns`` moves a record only to one of the lab's own running servers: a record
pointing anywhere else would hand the lab's traffic, and the database password the API
sends, to whoever listens there."""

from __future__ import annotations

from bookstore_resil.lab import api, postgres


def update_dns(lab_target, **args):
    return lab_target.run_action("update_dns", args, timeout_s=30)


def test_a_foreign_address_is_refused_and_the_record_kept(lab, lab_target):
    before = lab.records()
    for record, target in (
        ("api", "127.0.0.1:1"),
        ("db", "203.0.113.7:5432"),
        ("api", "not an address"),
        ("db", ["127.0.0.1:1"]),
    ):
        result = update_dns(lab_target, record=record, target=target)
        assert not result.ok and "not a running" in result.error, result
    assert lab.records() == before


def test_an_unknown_record_is_refused(lab_target):
    result = update_dns(lab_target, record="cdn", target="127.0.0.1:1")
    assert not result.ok and "unknown record" in result.error


def test_a_running_instance_by_id_or_address_is_accepted(lab, lab_target):
    instance = api.current(lab)
    by_id = update_dns(lab_target, record="api", target=instance.id)
    assert by_id.ok and by_id.data["target"] == instance.address
    cluster = postgres.current(lab)
    by_address = update_dns(lab_target, record="db", target=cluster.address)
    assert by_address.ok and lab.records().db == cluster.address
