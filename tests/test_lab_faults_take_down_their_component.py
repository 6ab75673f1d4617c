"""Each lab fault takes down its own component, and only that one, and is recorded; what
users see (``/books/``) goes down with the API and with the database, not with the CDN."""

import json

import pytest

from bookstore_resil.errors import TargetError

from .conftest_lab import probe_states, wait_until

FAULT_COMPONENT = {
    "api-crash": "api",
    "api-instance-lost": "api",
    "db-crash": "database",
    "db-lost": "database",
    "cdn-bucket-deleted": "cdn",
    "cdn-objects-removed": "cdn",
}
USERS_SEE = {"api": False, "database": False, "cdn": True}  # whether /books/ still answers


@pytest.mark.parametrize("fault", list(FAULT_COMPONENT))
def test_fault_takes_down_its_component_only(lab, lab_target, fault):
    assert probe_states(lab) == {"api": True, "database": True, "cdn": True, "users": True}

    record = lab_target.inject_fault(fault)

    component = FAULT_COMPONENT[fault]
    assert wait_until(lambda: not probe_states(lab)[component], timeout_s=5)
    states = probe_states(lab)
    others = {name: up for name, up in states.items() if name not in (component, "users")}
    assert all(others.values()), others
    assert states["users"] is USERS_SEE[component]
    assert record.name == fault and record.ts and record.detail
    logged = [json.loads(line) for line in lab.faults_file.read_text().splitlines()]
    assert logged[-1] == {"name": fault, "ts": record.ts, "detail": record.detail}


def test_lost_things_are_gone_not_just_stopped(lab, lab_target):
    from bookstore_resil.lab import api, postgres

    instance, cluster = api.current(lab), postgres.current(lab)
    lab_target.inject_fault("api-instance-lost")
    lab_target.inject_fault("db-lost")
    assert api.state(lab, instance) == "lost"
    assert postgres.state(lab, cluster) == "lost"


def test_an_unknown_fault_is_an_error_naming_the_known_ones(lab_target):
    with pytest.raises(TargetError, match="api-crash"):
        lab_target.inject_fault("meteor-strike")
