"""aws.yaml is loaded like the rest of a system: typed, cross-checked against the system's
services, every problem reported as FILE:LINE: field: message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bookstore_resil.define.aws_config import AWS_FILE, load_aws_config
from bookstore_resil.errors import DefinitionError
from bookstore_resil.targets.aws import AwsTarget

SEED = Path(__file__).resolve().parents[1] / "data" / "bookstore"
SEED_TEXT = (SEED / AWS_FILE).read_text(encoding="utf-8")


@pytest.fixture
def folder(tmp_path) -> Path:
    copy = tmp_path / "bookstore"
    shutil.copytree(SEED, copy)
    return copy


def problems_after(folder: Path, old: str, new: str) -> list[str]:
    assert old in SEED_TEXT
    (folder / AWS_FILE).write_text(SEED_TEXT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_aws_config(folder)
    prefix = f"{folder / AWS_FILE}:"
    return [str(p).removeprefix(prefix) for p in caught.value.problems]


def line_of(text: str) -> int:
    """The line of the seed's aws.yaml that holds ``text``."""
    return next(i for i, line in enumerate(SEED_TEXT.splitlines(), 1) if text in line)


def test_the_seed_aws_yaml_names_the_seed_identifiers():
    config = load_aws_config(SEED)
    assert config.region == "us-west-2" and config.allowed_regions == ["us-west-2"]
    assert config.environment == "production"
    api = config.instances["api"]
    assert (api.name, api.launch_template, api.image_id) == (
        "bookstore-api",
        "bookstore-api-ec2",
        "ami-087ff330c90e99ac5",
    )
    assert config.databases["database"].identifier == "bookstore-db"
    cdn = config.buckets["cdn"]
    assert cdn.bucket == "cdn.bookstore.pingpublications.com"
    assert cdn.static_backup == SEED / "static-backup"
    records = {k: (r.name, r.service) for k, r in config.dns.records.items()}
    assert records == {
        "api": ("bookstore.pingpublications.com", "api"),
        "db": ("db.bookstore.pingpublications.com", "database"),
    }
    assert config.record_of("database").name == "db.bookstore.pingpublications.com"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "region: us-west-2",
            "region: eu-west-1",
            "{line}: region: 'eu-west-1' is not in allowed_regions",
        ),
        (
            '["532151327118"]',
            "[532151327118]",
            "{line}: allowed_accounts[0]: write the account id as a quoted string, "
            "e.g. '532151327118'",
        ),
        (
            "image_id: ami-087ff330c90e99ac5",
            "image_id: bookstore-api-ec2-image",
            "{line}: instances.api.image_id: String should match pattern '^ami-[0-9a-f]+$'",
        ),
        (
            "    url: http://bookstore.pingpublications.com/",
            "    ssh_key: gabe-ping-pub",
            "{line}: instances.api.ssh_key: unknown key",
        ),
        (
            "db: {name: db.bookstore.pingpublications.com, service: database}",
            "db: {name: db.bookstore.example.org, service: database}",
            "{line}: dns.records.db.name: 'db.bookstore.example.org' is not in the hosted "
            "zone 'pingpublications.com'",
        ),
        (
            "db: {name: db.bookstore.pingpublications.com, service: database}",
            "db: {name: db.bookstore.pingpublications.com, service: cdn}",
            "{line}: dns.records.db.service: 'cdn' is not a service under instances or databases",
        ),
        (
            "  database:\n",
            "  search: {identifier: a, replica: b, restored: c}\n  database:\n",
            "{line}: databases.search: unknown service 'search' (known: api, cdn, database)",
        ),
        (
            "  cdn:\n",
            "  api:\n",
            "{line}: buckets.api: service 'api' is already under instances",
        ),
    ],
)
def test_a_problem_is_reported_at_its_line_and_field(folder, old, new, expected):
    assert problems_after(folder, old, new) == [expected.format(line=line_of(old.strip()))]


def test_every_problem_is_reported_at_once(folder):
    text = SEED_TEXT.replace(
        "  database:\n", "  search: {identifier: a, replica: b, restored: c}\n  database:\n"
    ).replace("region: us-west-2", "region: eu-west-1")
    (folder / AWS_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_aws_config(folder)
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (line_of("region: us-west-2"), "region"),
        (line_of("  database:"), "databases.search"),
    ]
    assert caught.value.exit_code == 2


def test_a_missing_or_unreadable_aws_yaml_is_a_problem(folder):
    (folder / AWS_FILE).unlink()
    with pytest.raises(DefinitionError, match=r"aws.yaml:0: \(file\): missing"):
        load_aws_config(folder)
    (folder / AWS_FILE).write_text("region: [us-west-2\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"aws.yaml:1: \(yaml\): invalid YAML"):
        load_aws_config(folder)
    (folder / AWS_FILE).write_text("region: us-west-2\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_aws_config(folder)
    assert {p.field for p in caught.value.problems} == {"allowed_regions", "allowed_accounts"}


def test_the_system_itself_is_checked_first(folder):
    (folder / "system.yaml").write_text("system: Bookstore\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"system.yaml:\d+: entrypoint: missing"):
        load_aws_config(folder)


def test_the_target_refuses_a_broken_aws_yaml(folder):
    problems_after(folder, "region: us-west-2", "region: eu-west-1")
    with pytest.raises(DefinitionError, match="region: 'eu-west-1' is not in allowed_regions"):
        AwsTarget(data_dir=folder)
