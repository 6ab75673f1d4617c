"""data/bookstore holds everything the seed (staged resiliency, stage 1) gives the Bookstore.

Expected values are copied from the seed's tables and scenarios; where the seed leaves
something to the team (the org chart's links, the notification procedures, step ids), the
team's choice in data/bookstore is what is expected.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bookstore_resil import cli
from bookstore_resil.define.loader import load_system
from bookstore_resil.define.model import Scenario, System

BOOKSTORE = Path(__file__).parents[1] / "data" / "bookstore"
HOUR = 3600.0


@pytest.fixture(scope="module")
def bookstore() -> System:
    return load_system(BOOKSTORE)


def test_the_system_and_its_core_application(bookstore: System):
    assert (bookstore.system, bookstore.description, bookstore.entrypoint) == (
        "Bookstore",
        "Public API for a bookstore",
        "api",
    )
    assert [s.id for s in bookstore.services] == ["api", "database", "cdn"]


# Prerequisite 0, the architecture table: name, purpose, supports, platform, technologies,
# identifier, AZ, VPC, subnet, endpoint ("N/A" cells of AZ, VPC and subnet are absent).
ARCHITECTURE = {
    "api": (
        "API",
        "Bookstore API",
        "N/A",
        "Amazon EC2",
        ["Django", "Nginx"],
        "bookstore-api",
        "us-west-2a",
        "bookstore-vpc",
        "bookstore-subnet-2a",
        "bookstore.pingpublications.com",
    ),
    "database": (
        "Database",
        "Application data",
        "Bookstore API",
        "Amazon RDS",
        ["PostgreSQL 10.4"],
        "bookstore-db",
        "us-west-2a",
        "bookstore-vpc",
        "bookstore-subnet-2a",
        "db.bookstore.pingpublications.com",
    ),
    "cdn": (
        "CDN",
        "Static assets",
        "Bookstore API",
        "Amazon S3",
        ["Amazon S3"],
        "cdn.bookstore.pingpublications.com",
        None,
        None,
        None,
        "cdn.bookstore.pingpublications.com",
    ),
}


@pytest.mark.parametrize("service_id", ARCHITECTURE)
def test_the_architecture_table(bookstore: System, service_id: str):
    s = bookstore.service(service_id)
    row = (
        s.name,
        s.purpose,
        s.supports,
        s.platform,
        s.technologies,
        s.identifier,
        s.az,
        s.vpc,
        s.subnet,
        s.endpoint,
    )
    assert row == ARCHITECTURE[service_id]


# Prerequisite 1, the critical dependency table: critical, criticality period, manual
# workaround, RTO, RPO, child dependencies (each a critical edge: "everything is critical").
DEPENDENCIES = {
    "api": (
        True,
        "always",
        "Manual Amazon EC2 Instance Restart",
        12 * HOUR,
        24 * HOUR,
        [("database", True), ("cdn", True)],
    ),
    "database": (True, "always", "Manual Amazon RDS Instance Restart", 12 * HOUR, 24 * HOUR, []),
    "cdn": (True, "always", "Manual Amazon S3 Bucket Verification", 24 * HOUR, 24 * HOUR, []),
}


@pytest.mark.parametrize("service_id", DEPENDENCIES)
def test_the_critical_dependency_table(bookstore: System, service_id: str):
    s = bookstore.service(service_id)
    row = (
        s.critical,
        s.criticality_period.text,
        s.manual_workaround,
        s.rto_s,
        s.rpo_s,
        [(edge.service, edge.critical) for edge in s.depends_on],
    )
    assert row == DEPENDENCIES[service_id]
    assert s.criticality_period.always


# Prerequisite 3, the contact table, plus the org chart's reports_to.
CONTACTS = [
    (
        "Alice",
        "Director of Technology",
        ["ALL"],
        "alice@example.com",
        "555-555-5550",
        "9 - 5, M - F",
        None,
    ),
    (
        "Bob",
        "Lead Developer, Bookstore API",
        ["api"],
        "bob@example.com",
        "555-555-5551",
        "9 - 5, M - F; 10 - 2, S & S",
        "Alice",
    ),
    (
        "Christina",
        "Site Reliability Engineer",
        ["ALL"],
        "christina@example.com",
        "555-555-5552",
        "On-call",
        "Alice",
    ),
]


def test_the_contact_table_and_org_chart(bookstore: System):
    rows = [
        (c.name, c.position, c.services, c.email, c.phone, c.availability, c.reports_to)
        for c in bookstore.contacts
    ]
    assert rows == CONTACTS


def test_notification_procedures_answer_who_what_when_why_how(bookstore: System):
    assert [n.who for n in bookstore.notification] == [
        "The scenario's primary disaster recovery lead",
        "The scenario's secondary lead",
        "Every contact whose relevant services include the failed service",
        "The contact each lead reports to (up the org chart)",
        "Everyone on the contact list",
    ]
    for procedure in bookstore.notification:
        assert all([procedure.what, procedure.when, procedure.why, procedure.how]), procedure


# Prerequisites 3 and 4, the scenarios: title, playbook, service, strategy, leads, severity,
# RTO, RPO, recovery platform.
SCENARIOS = {
    "api-failure": (
        "Bookstore API Failure",
        "disaster-recovery",
        "api",
        "Backup & Restore",
        ("Bob", "Alice"),
        "critical",
        12 * HOUR,
        24 * HOUR,
        "Amazon EC2 t2.micro instance on us-west-2a Availability Zone with Nginx, Python, and "
        "Django Bookstore application configured and installed from latest release.",
    ),
    "database-failure": (
        "Database Failure",
        "critical-dependency",
        "database",
        "Backup & Restore",
        ("Alice", "Bob"),
        "critical",
        12 * HOUR,
        24 * HOUR,
        "PostgreSQL 10.4 database with identical configuration running on Amazon RDS with "
        "minimal us-west-2a Availability Zone.",
    ),
    "cdn-failure": (
        "CDN Failure",
        "critical-dependency",
        "cdn",
        "Backup & Restore",
        ("Alice", "Christina"),
        "critical",
        24 * HOUR,
        24 * HOUR,
        "Amazon S3 private bucket accessible by administrator AWS account.",
    ),
}


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_the_scenario_headers(bookstore: System, scenario_id: str):
    s = bookstore.scenario(scenario_id)
    row = (
        s.title,
        s.playbook,
        s.service,
        s.strategy,
        (s.leads.primary, s.leads.secondary),
        s.severity,
        s.rto_s,
        s.rpo_s,
        s.recovery_platform,
    )
    assert row == SCENARIOS[scenario_id]


def test_every_scenario_is_there_once(bookstore: System):
    assert [s.id for s in bookstore.scenarios] == sorted(SCENARIOS)


OVERVIEWS = {
    "api-failure": [
        "Manually verify if the API server has failed, or if the server is available but the "
        "Django API app failed. If server failure: manually restart API server. If Django API "
        "app failure: manually restart Django API app.",
        "If neither restart solution works, propagate replacement server using prepared backup "
        "Amazon Machine Image (AMI).",
        "Verify backup instance is functional.",
        "Update DNS routing.",
    ],
    "database-failure": [
        "Manually verify database availability through Amazon RDS monitoring.",
        "If unavailable, restart.",
        "If still unavailable, manually propagate replica.",
        "If necessary, restore from most recent snapshot.",
    ],
    "cdn-failure": [
        "Manual verification of applicable Amazon S3 bucket.",
        "If unavailable, manually recreate bucket and upload backup snapshot of static data.",
    ],
}

ASSUMPTIONS = {
    "api-failure": [
        "Amazon S3, Amazon RDS, Amazon Route 53, and Amazon EC2 are all online and functional.",
        "Frequent AMI backups are generated for application instance.",
        "Application code can be restored from code repository with minimal manual effort.",
    ],
    "database-failure": [
        "Amazon RDS is online and functional.",
        "Database backups are available.",
        "AWS Support contact is available for additional assistance.",
    ],
    "cdn-failure": [
        "Amazon S3 is online and functional.",
        "Static asset backups are available.",
        "Static collection can be performed from remote EC2 bookstore-api server or locally via "
        "Django manage.py collectstatic command.",
        "AWS Support contact is available for additional assistance.",
    ],
}


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_the_overview_and_assumptions(bookstore: System, scenario_id: str):
    s = bookstore.scenario(scenario_id)
    assert (s.overview, s.assumptions) == (OVERVIEWS[scenario_id], ASSUMPTIONS[scenario_id])


# The seed's numbered steps, one step each (the API's first step is split by its branches).
PROCEDURES = {
    "api-failure": (
        [
            "verify-instance",
            "restart-app",
            "restart-instance",
            "launch-replacement",
            "describe-instances",
            "ssh-instance",
            "pull-code",
            "restart-gunicorn",
            "verify-new-instance",
            "update-dns",
            "verify-endpoint",
        ],
        ["test-endpoint", "test-dependencies"],
        ["service-restored"],
    ),
    "database-failure": (
        [
            "verify-database",
            "restart-database",
            "launch-replica",
            "update-db-dns",
            "restore-snapshot",
        ],
        ["test-db-endpoint", "test-api-database"],
        ["service-restored", "manual-data-recovery"],
    ),
    "cdn-failure": (
        ["verify-bucket", "recreate-bucket", "upload-static", "route-to-backup"],
        ["test-content", "test-public-endpoint", "test-api-cdn"],
        ["service-restored"],
    ),
}


@pytest.mark.parametrize("scenario_id", PROCEDURES)
def test_the_procedures_step_by_step(bookstore: System, scenario_id: str):
    s = bookstore.scenario(scenario_id)
    ids = tuple(
        [step.id for step in procedure]
        for procedure in (s.recovery_procedure, s.test_procedure, s.resume_procedure)
    )
    assert ids == PROCEDURES[scenario_id]
    assert all(step.title for step in s.steps)


def _commands(scenario: Scenario) -> dict[str, str | None]:
    return {step.id: step.command for step in scenario.steps}


def test_the_api_recovery_has_the_seeds_commands_and_outputs(bookstore: System):
    s = bookstore.scenario("api-failure")
    commands = _commands(s)
    assert commands["verify-instance"] == "curl http://bookstore.pingpublications.com"
    assert commands["restart-app"] == "sudo systemctl restart gunicorn"
    launch = commands["launch-replacement"].splitlines()
    assert (
        launch[0] == "aws ec2 run-instances --launch-template LaunchTemplateName=bookstore-api-ec2"
    )
    for override in (
        "--image-id ami-087ff330c90e99ac5",
        "--instance-type t2.micro",
        "--key-name gabe-ping-pub",
        "--security-group-ids sg-25268a50 sg-0f818c22884a88694",
        "--subnet-id subnet-47ebaf0c",
    ):
        assert any(line.strip().startswith(override) for line in launch), override
    assert commands["describe-instances"] == (
        'aws ec2 describe-instances --filters "Name=image-id,Values=ami-087ff330c90e99ac5,'
        'Name=instance-state-code,Values=16" --query '
        '"Reservations[*].Instances[*].[LaunchTime,PublicDnsName,PublicIpAddress]"'
    )
    assert commands["ssh-instance"] == "ssh ec2-54-188-3-235.us-west-2.compute.amazonaws.com"
    assert commands["pull-code"] == "cd ~/apps/bookstore_api && git pull"
    assert commands["restart-gunicorn"] == "sudo systemctl restart gunicorn"
    assert commands["verify-new-instance"] == (
        "curl ec2-54-188-3-235.us-west-2.compute.amazonaws.com | jq"
    )
    assert "Route 53 DNS A record" in s.step("update-dns").title
    assert commands["verify-endpoint"] == "curl bookstore.pingpublications.com | jq"

    assert s.step("verify-instance").output == (
        "curl: (7) Failed to connect to bookstore.pingpublications.com port 80: Connection refused"
    )
    assert s.step("describe-instances").output == (
        "2018-11-09T04:37:32.000Z\tec2-54-188-3-235.us-west-2.compute.amazonaws.com\t54.188.3.235"
    )
    assert s.step("pull-code").output == "Already up to date."
    # "If active but failing, restart the app; if it remains offline, restart the instance".
    assert [s.step(i).next for i in ("verify-instance", "restart-app", "restart-instance")] == [
        {"ok": "test", "failed": "restart-app"},
        {"ok": "test", "failed": "restart-instance"},
        {"ok": "test", "failed": "launch-replacement"},
    ]


def test_the_database_recovery_branches_as_the_seed_says(bookstore: System):
    s = bookstore.scenario("database-failure")
    # "If bookstore-db is back online, proceed to Resume Procedure."
    assert s.step("restart-database").next == {"ok": "resume", "failed": "launch-replica"}
    assert "db.bookstore.pingpublications.com" in s.step("update-db-dns").title
    # "(Optional): Restore data ..." and "If necessary, perform manual data recovery."
    assert [step.id for step in s.steps if step.optional] == [
        "restore-snapshot",
        "manual-data-recovery",
    ]


def test_the_cdn_recovery_names_the_bucket_in_every_step(bookstore: System):
    s = bookstore.scenario("cdn-failure")
    bucket = "cdn.bookstore.pingpublications.com"
    assert all(bucket in step.title for step in s.recovery_procedure + s.test_procedure)
    assert s.step("verify-bucket").next == {"ok": "test", "failed": "recreate-bucket"}
    # "If the bucket exists but is non-functional ... route system to backup": a side path.
    assert [step.id for step in s.steps if step.optional] == ["route-to-backup"]


def test_validate_accepts_the_bookstore(capsys: pytest.CaptureFixture[str]):
    assert cli.main(["validate", "--data", str(BOOKSTORE)]) == 0
    assert capsys.readouterr().out == (
        f"{BOOKSTORE}: valid: Bookstore, 3 services, 3 contacts, 3 scenarios, 31 steps\n"
    )


def test_the_whole_team_agreed_to_every_playbook_as_the_seed_reports():
    from bookstore_resil.analyse.signoff import signoff_statuses
    from bookstore_resil.define.signoffs import load_signoffs

    statuses = signoff_statuses(load_system(BOOKSTORE), load_signoffs(BOOKSTORE))
    concerned = [s for s in statuses if s.concerned]
    assert len(concerned) == 8
    assert {s.status for s in concerned} == {"agreed"}
