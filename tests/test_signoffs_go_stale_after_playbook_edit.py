"""A sign-off holds the hash of the playbook's content: re-formatting keeps it current, a change
of content makes it stale. One record per (contact, scenario), the latest wins, earlier ones
kept as history; a broken signoffs.yaml is reported as FILE:LINE: field: message."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bookstore_resil.analyse.signoff import (
    record_signoff,
    signoff_form,
    signoff_statuses,
    signoff_table,
)
from bookstore_resil.cli import main
from bookstore_resil.define.loader import load_system
from bookstore_resil.define.signoffs import SIGNOFFS_FILE, load_signoffs, playbook_hash
from bookstore_resil.errors import DefinitionError, UsageError
from tests.contract import one_line_error
from tests.readiness_builders import copy_bookstore, edit_yaml

MAY_1 = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
MAY_2 = datetime(2024, 5, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def folder(tmp_path) -> Path:
    return copy_bookstore(tmp_path)


def status(folder: Path, name: str, scenario: str) -> str:
    system = load_system(folder)
    found = {
        (s.name, s.scenario): s.status for s in signoff_statuses(system, load_signoffs(folder))
    }
    return found[(name, scenario)]


def test_signing_without_a_scenario_covers_every_scenario_that_concerns_the_contact(folder):
    system = load_system(folder)
    records = record_signoff(system, "Bob", at=MAY_1)
    # Bob covers api and is the secondary lead of database-failure; the CDN is not his.
    assert [(r.scenario, r.decision) for r in records] == [
        ("api-failure", "agreed"),
        ("database-failure", "agreed"),
    ]
    assert records[0].sha256 == playbook_hash(system.scenario("api-failure"))
    assert records[0].at == MAY_1
    table = signoff_table(system, load_signoffs(folder))
    assert table.loc["Bob"].to_dict() == {
        "api-failure": "agreed",
        "cdn-failure": "-",
        "database-failure": "agreed",
    }
    assert table.loc["Alice"].to_dict() == dict.fromkeys(table.columns, "missing")


def test_reformatting_a_playbook_keeps_the_signoff_current(folder):
    record_signoff(load_system(folder), "Alice", "api-failure", at=MAY_1)
    path = folder / "playbooks" / "api-failure.yaml"
    document = yaml.safe_load(path.read_text())
    # New comments, another indentation, flow style and the keys in reverse order.
    reordered = dict(reversed(list(document.items())))
    path.write_text(
        "# reviewed on 2 May\n" + yaml.safe_dump(reordered, indent=4, default_flow_style=True)
    )
    assert load_system(folder).scenario("api-failure").title == "Bookstore API Failure"
    assert status(folder, "Alice", "api-failure") == "agreed"


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc: doc.update(rto="6h"),
        lambda doc: doc["recovery_procedure"][1].update(title="Restart gunicorn"),
        lambda doc: doc["recovery_procedure"].reverse(),
    ],
    ids=["objective", "step-title", "step-order"],
)
def test_a_content_edit_makes_the_signoff_stale(folder, edit):
    record_signoff(load_system(folder), "Alice", at=MAY_1)
    edit_yaml(folder / "playbooks" / "api-failure.yaml", edit)
    assert status(folder, "Alice", "api-failure") == "stale"
    assert status(folder, "Alice", "cdn-failure") == "agreed"


def test_signing_again_replaces_the_record_and_keeps_the_history(folder):
    record_signoff(load_system(folder), "Alice", "api-failure", at=MAY_1)
    edit_yaml(folder / "playbooks" / "api-failure.yaml", lambda doc: doc.update(rto="6h"))
    old_hash = load_signoffs(folder)[0].sha256
    record_signoff(
        load_system(folder),
        "Alice",
        "api-failure",
        agree=False,
        comment="6h is too tight",
        at=MAY_2,
    )
    [record] = load_signoffs(folder)
    assert (record.decision, record.comment, record.at) == ("disagreed", "6h is too tight", MAY_2)
    assert record.sha256 != old_hash
    assert [(h.decision, h.sha256, h.at) for h in record.history] == [("agreed", old_hash, MAY_1)]
    assert status(folder, "Alice", "api-failure") == "disagreed"

    record_signoff(load_system(folder), "Alice", "api-failure", at=MAY_2)
    [record] = load_signoffs(folder)
    assert [h.decision for h in record.history] == ["agreed", "disagreed"]
    assert status(folder, "Alice", "api-failure") == "agreed"


def test_the_file_is_readable_yaml_with_one_record_per_contact_and_scenario(folder):
    system = load_system(folder)
    for name in ("Alice", "Bob", "Alice"):
        record_signoff(system, name, at=MAY_1)
    text = (folder / SIGNOFFS_FILE).read_text()
    assert text.startswith("# Written by `bookstore-resil signoff`")
    records = yaml.safe_load(text)["signoffs"]
    assert [(r["name"], r["scenario"]) for r in records] == [
        ("Alice", "api-failure"),
        ("Alice", "cdn-failure"),
        ("Alice", "database-failure"),
        ("Bob", "api-failure"),
        ("Bob", "database-failure"),
    ]
    assert list(records[0]) == [
        "name",
        "scenario",
        "decision",
        "sha256",
        "at",
        "comment",
        "history",
    ]
    assert records[0]["at"] == "2024-05-01T10:00:00Z"


def test_a_disagreement_needs_a_comment(folder):
    with pytest.raises(UsageError, match="needs a comment"):
        record_signoff(load_system(folder), "Bob", agree=False)
    assert not (folder / SIGNOFFS_FILE).exists()


def test_unknown_names_and_scenarios_are_usage_errors(folder):
    edit_yaml(
        folder / "contacts.yaml",
        lambda doc: doc["contacts"].append({"name": "Dan", "services": []}),
    )
    system = load_system(folder)
    with pytest.raises(
        UsageError, match="unknown contact 'Zed' \\(known: Alice, Bob, Christina, Dan\\)"
    ):
        record_signoff(system, "Zed")
    with pytest.raises(UsageError, match="unknown scenario 'dns-failure'"):
        record_signoff(system, "Bob", "dns-failure")
    with pytest.raises(UsageError, match="no scenario concerns Dan; name one with --scenario"):
        record_signoff(system, "Dan")
    # Anyone may still sign a scenario they are not concerned by, when it is named.
    assert record_signoff(system, "Dan", "cdn-failure")[0].decision == "agreed"
    assert signoff_table(system, load_signoffs(folder)).loc["Dan"].to_dict() == {
        "api-failure": "-",
        "cdn-failure": "agreed",
        "database-failure": "-",
    }


BROKEN = [
    ("signoffs: [\n  {name: Bob\n", 2, "(yaml)", "invalid YAML"),
    (
        "signoffs:\n  - name: Bob\n    scenario: api-failure\n    sha256: " + "a" * 64 + "\n"
        "    at: '2024-05-01T10:00:00Z'\n",
        2,
        "signoffs[0].decision",
        "missing",
    ),
    (
        "signoffs:\n  - name: Bob\n    scenario: api-failure\n    decision: maybe\n"
        "    sha256: " + "a" * 64 + "\n    at: '2024-05-01T10:00:00Z'\n",
        4,
        "signoffs[0].decision",
        "Input should be 'agreed' or 'disagreed'",
    ),
    (
        "signoffs:\n  - name: Bob\n    scenario: api-failure\n    decision: agreed\n"
        "    sha256: abc\n    at: '2024-05-01T10:00:00Z'\n",
        5,
        "signoffs[0].sha256",
        "String should match pattern",
    ),
    (
        "signoffs:\n  - name: Bob\n    scenario: api-failure\n    decision: disagreed\n"
        "    sha256: " + "a" * 64 + "\n    at: '2024-05-01T10:00:00Z'\n",
        2,
        "signoffs[0]",
        "a disagreement needs a comment saying why",
    ),
    (
        "signoffs:\n  - {name: Bob, scenario: api-failure, decision: agreed, sha256: "
        + "a" * 64
        + ", at: '2024-05-01T10:00:00Z'}\n"
        "  - {name: Bob, scenario: api-failure, decision: agreed, sha256: "
        + "a" * 64
        + ", at: '2024-05-01T10:00:00Z'}\n",
        3,
        "signoffs[1]",
        "a second record for Bob on api-failure: keep one",
    ),
    ("signoff: []\n", 1, "signoff", "unknown key"),
]


@pytest.mark.parametrize(("text", "line", "field", "message"), BROKEN)
def test_a_broken_signoffs_file_is_reported_by_file_line_and_field(
    folder, capsys, text, line, field, message
):
    path = folder / SIGNOFFS_FILE
    path.write_text(text)
    with pytest.raises(DefinitionError) as caught:
        load_signoffs(folder)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), line, field)
    assert problem.message.startswith(message)

    # validate lists it too and exits 2.
    assert main(["validate", "--data", str(folder)]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err.splitlines()) == ("", [str(problem)])


def test_validate_lists_signoff_and_definition_problems_together(folder, capsys):
    (folder / SIGNOFFS_FILE).write_text("signoff: []\n")
    edit_yaml(folder / "contacts.yaml", lambda doc: doc["contacts"][0].update(availability="9ish"))
    assert main(["validate", "--data", str(folder)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[1] for line in lines] == ["contacts[0].availability", "signoff"]


def test_cli_records_and_reports(folder, capsys):
    assert main(["signoff", "Christina", "--scenario", "cdn-failure", "--data", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Christina agreed on cdn-failure (playbook sha256 ")
    assert out[-1] == f"{folder / SIGNOFFS_FILE}: written"
    code = main(
        ["signoff", "Bob", "--disagree", "--comment", "step 2 needs sudo", "--data", str(folder)]
    )
    assert code == 0
    assert [(r.name, r.scenario, r.decision) for r in load_signoffs(folder)] == [
        ("Christina", "cdn-failure", "agreed"),
        ("Bob", "api-failure", "disagreed"),
        ("Bob", "database-failure", "disagreed"),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["signoff", "Zed"], "unknown contact 'Zed'"),
        (["signoff", "Bob", "--scenario", "dns-failure"], "unknown scenario 'dns-failure'"),
        (["signoff", "Bob", "--disagree"], "a disagreement needs a comment saying why"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(folder, argv, message):
    assert message in one_line_error(*argv, "--data", str(folder))


def test_the_facilitator_form_records_through_the_same_file(folder):
    system = load_system(folder)
    recorded = []
    form = signoff_form(system, on_record=recorded.append)
    (contact, scenario), comment, (agree, disagree), message = (
        form.children[0].children,
        form.children[1],
        form.children[2].children,
        form.children[3],
    )
    contact.value, scenario.value = "Bob", "api-failure"
    disagree.click()
    assert "Not recorded" in message.value and "comment" in message.value
    assert not (folder / SIGNOFFS_FILE).exists()

    comment.value = "the AMI is a month old"
    disagree.click()
    assert message.value == "Recorded: Bob disagreed on api-failure."
    assert comment.value == ""
    contact.value, scenario.value = "Alice", scenario.options[0]  # every scenario of hers
    agree.click()
    assert [[r.scenario for r in records] for records in recorded] == [
        ["api-failure"],
        ["api-failure", "cdn-failure", "database-failure"],
    ]
    assert signoff_table(system, load_signoffs(folder)).loc["Bob", "api-failure"] == "disagreed"
