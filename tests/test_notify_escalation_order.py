"""Who to notify comes out in the order to call: the scenario's leads, then the people who
cover the service, then up the org chart; each person once, with a reason and whether they are
available. ``notify --json`` prints exactly docs/contract.md §2's shape."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bookstore_resil.analyse.people import notify_now, notify_table, who_to_notify
from bookstore_resil.cli import main
from bookstore_resil.define.loader import load_system
from bookstore_resil.errors import UsageError
from tests.contract import one_line_error
from tests.readiness_builders import BOOKSTORE, add_playbook, copy_bookstore, edit_yaml

MONDAY_MORNING_LA = datetime(2024, 5, 6, 16, 30, tzinfo=timezone.utc)  # 09:30 PDT
SATURDAY_NOON_LA = datetime(2024, 5, 11, 19, 0, tzinfo=timezone.utc)  # 12:00 PDT
SUNDAY_NIGHT_LA = datetime(2024, 5, 13, 6, 0, tzinfo=timezone.utc)  # Sunday 23:00 PDT
CONTACT_KEYS = ["name", "position", "reason", "available", "email", "phone"]


def order(escalations) -> list[tuple[str, str, bool]]:
    return [(e.contact.name, e.reason, e.available) for e in escalations]


@pytest.fixture(scope="module")
def bookstore():
    return load_system(BOOKSTORE)


def test_api_failure_calls_its_leads_then_who_covers_api(bookstore):
    assert order(who_to_notify(bookstore, "api", SATURDAY_NOON_LA)) == [
        ("Bob", "primary lead of api-failure", True),  # 10 - 2 on weekends
        ("Alice", "secondary lead of api-failure", False),  # weekdays only
        ("Christina", "covers api", True),  # on call
    ]


def test_database_failure_on_a_weekday_morning(bookstore):
    assert order(who_to_notify(bookstore, "database", MONDAY_MORNING_LA)) == [
        ("Alice", "primary lead of database-failure", True),
        ("Bob", "secondary lead of database-failure", True),
        ("Christina", "covers database", True),
    ]


def test_cdn_failure_at_night_reaches_only_the_on_call_engineer(bookstore):
    assert order(who_to_notify(bookstore, "cdn", SUNDAY_NIGHT_LA)) == [
        ("Alice", "primary lead of cdn-failure", False),
        ("Christina", "secondary lead of cdn-failure", True),
    ]


def deeper_org(tmp_path):
    """The Bookstore plus a search service and two people under Christina."""
    folder = copy_bookstore(tmp_path)

    def add_people(doc):
        doc["contacts"][0]["services"] = ["api", "database", "cdn"]  # Alice no longer ALL
        doc["contacts"][2]["services"] = ["database", "cdn"]
        doc["contacts"] += [
            {"name": "Dan", "position": "Search Engineer", "services": ["search"],
             "availability": "09:00-17:00, Mon-Fri", "timezone": "Europe/London",
             "reports_to": "Erin", "email": "dan@example.com", "phone": "555-555-5553"},
            {"name": "Erin", "position": "Search Lead", "services": [],
             "availability": "On-call", "timezone": "Europe/London",
             "reports_to": "Christina"},
        ]  # fmt: skip

    def add_search(doc):
        doc["services"].append(
            {"id": "search", "name": "Search", "critical": False, "rto": "1h", "rpo": "1h"}
        )
        doc["services"][0]["depends_on"].append(
            {"service": "search", "critical": False, "degraded": "no full-text search"}
        )

    edit_yaml(folder / "contacts.yaml", add_people)
    edit_yaml(folder / "system.yaml", add_search)
    return folder


def test_the_org_chart_is_climbed_from_everyone_listed(tmp_path):
    system = load_system(deeper_org(tmp_path))
    assert order(who_to_notify(system, "search", MONDAY_MORNING_LA)) == [
        ("Dan", "covers search", False),  # 17:30 in London
        ("Erin", "manager of Dan", True),
        ("Christina", "manager of Erin", True),
        ("Alice", "manager of Christina", True),
    ]


def test_several_scenarios_of_one_service_call_all_their_leads_in_order(tmp_path):
    folder = deeper_org(tmp_path)
    add_playbook(
        folder, "search-reindex", service="search", leads={"primary": "Bob", "secondary": "Erin"}
    )
    add_playbook(
        folder, "search-failure", service="search", leads={"primary": "Erin", "secondary": "Dan"}
    )
    system = load_system(folder)
    # Playbooks load in file name order: search-failure, then search-reindex.
    assert [(e.contact.name, e.reason) for e in who_to_notify(system, "search")] == [
        ("Erin", "primary lead of search-failure"),
        ("Dan", "secondary lead of search-failure"),
        ("Bob", "primary lead of search-reindex"),
        ("Christina", "manager of Erin"),
        ("Alice", "manager of Bob"),
    ]


def test_notify_now_puts_the_exercised_scenarios_leads_first(bookstore):
    scenario = bookstore.scenario("database-failure")
    assert order(notify_now(bookstore, scenario, SATURDAY_NOON_LA)) == [
        ("Alice", "primary lead of database-failure", False),
        ("Bob", "secondary lead of database-failure", True),
        ("Christina", "covers database", True),
    ]
    default = notify_now(bookstore, scenario)  # now
    assert [e.name for e in default] == ["Alice", "Bob", "Christina"]


def test_a_reports_to_cycle_ends(bookstore):
    # validate refuses such an org chart; a System built in code can still hold one.
    alice, *others = bookstore.contacts
    system = bookstore.model_copy(
        update={"contacts": [alice.model_copy(update={"reports_to": "Bob"}), *others]}
    )
    assert [e.contact.name for e in who_to_notify(system, "cdn")] == ["Alice", "Christina", "Bob"]


def test_unknown_service_is_a_usage_error(bookstore):
    with pytest.raises(
        UsageError, match="unknown service 'search' \\(known: api, database, cdn\\)"
    ):
        who_to_notify(bookstore, "search")


def test_the_call_list_table_is_numbered_in_order(bookstore):
    table = notify_table(who_to_notify(bookstore, "api", SATURDAY_NOON_LA))
    assert list(table.index) == [1, 2, 3]
    assert list(table["Name"]) == ["Bob", "Alice", "Christina"]
    assert list(table["Available"]) == ["yes", "no", "yes"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--data", str(BOOKSTORE)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_json_is_exactly_the_contract_shape(capsys):
    code, out, err = run(capsys, "notify", "api", "--at", "2024-05-11T12:00:00-07:00", "--json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert list(document) == ["service", "at", "contacts"]
    assert document["service"] == "api"
    assert datetime.fromisoformat(document["at"]) == SATURDAY_NOON_LA
    assert [list(c) for c in document["contacts"]] == [CONTACT_KEYS] * 3
    assert document["contacts"][0] == {
        "name": "Bob",
        "position": "Lead Developer, Bookstore API",
        "reason": "primary lead of api-failure",
        "available": True,
        "email": "bob@example.com",
        "phone": "555-555-5551",
    }
    assert [(c["name"], c["available"]) for c in document["contacts"]] == [
        ("Bob", True),
        ("Alice", False),
        ("Christina", True),
    ]


def test_cli_at_defaults_to_now_and_a_naive_time_is_utc(capsys):
    before = datetime.now(timezone.utc)
    code, out, _ = run(capsys, "notify", "cdn", "--json")
    assert code == 0
    assert before <= datetime.fromisoformat(json.loads(out)["at"]) <= datetime.now(timezone.utc)
    _, out, _ = run(capsys, "notify", "cdn", "--json", "--at", "2024-05-06T16:30:00")
    assert datetime.fromisoformat(json.loads(out)["at"]) == MONDAY_MORNING_LA


def test_cli_text_lists_the_call_order(capsys):
    code, out, err = run(capsys, "notify", "database", "--at", "2024-05-06T16:30:00Z")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "When database fails at 2024-05-06T16:30:00+00:00, call in this order:"
    assert [line.split()[:2] for line in lines[3:]] == [
        ["1", "Alice"],
        ["2", "Bob"],
        ["3", "Christina"],
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["notify", "search"], "unknown service 'search' (known: api, database, cdn)"),
        (["notify", "api", "--at", "tomorrow"], "cannot read 'tomorrow' as an ISO time"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(argv, message):
    assert message in one_line_error(*argv, "--data", str(BOOKSTORE))
