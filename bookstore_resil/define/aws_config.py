"""``aws.yaml``: where each service of a system lives on AWS, and what the aws target may touch.

The file sits in the system folder next to ``system.yaml``. It maps service ids (read from
the loaded :class:`~bookstore_resil.define.model.System`) to AWS identifiers, and holds the region
and account allow-lists that every call of the aws target is checked against. It is loaded
like the rest of a system definition: every problem is reported at once as
``FILE:LINE: field: message`` inside one :class:`~bookstore_resil.errors.DefinitionError`.
Credentials never appear here: boto3's usual chain provides them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bookstore_resil.define.loader import Collector, load_system
from bookstore_resil.define.model import System
from bookstore_resil.errors import DefinitionError, Problem

AWS_FILE = "aws.yaml"

_REGION = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$"


def _account_id(value: Any) -> Any:
    # YAML reads 012345678901 as a number and drops the leading zero: insist on a string.
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"write the account id as a quoted string, e.g. '{value:012d}'")
    return value


AccountId = Annotated[str, BeforeValidator(_account_id), Field(pattern=r"^\d{12}$")]
Region = Annotated[str, Field(pattern=_REGION)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """How long any call or wait may take. Every wait is also bounded by the step's timeout."""

    connect_timeout_s: float = Field(5.0, gt=0, le=60)
    read_timeout_s: float = Field(30.0, gt=0, le=300)
    max_attempts: int = Field(3, ge=1, le=10)
    wait_timeout_s: float = Field(900.0, gt=0, le=3600)
    poll_interval_s: float = Field(5.0, gt=0, le=60)
    http_timeout_s: float = Field(5.0, gt=0, le=60)
    probe_interval_s: float = Field(5.0, ge=0, le=300)


class Instance(_Strict):
    """An EC2-hosted service: its instance (by Name tag), launch template and AMI."""

    name: str = Field(min_length=1)
    launch_template: str = Field(min_length=1)
    image_id: str = Field(pattern=r"^ami-[0-9a-f]+$")
    url: str | None = Field(None, pattern=r"^https?://")


class Database(_Strict):
    """An RDS-hosted service: the DB instance and the identifiers its replacements get."""

    identifier: str = Field(min_length=1)
    replica: str = Field(min_length=1)
    restored: str = Field(min_length=1)


class Bucket(_Strict):
    """An S3-hosted service: the bucket, its key prefix and the local backup of its files."""

    bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    prefix: str = ""
    static_backup: Path
    probe_object: str = Field(min_length=1)
    url: str | None = Field(None, pattern=r"^https?://")

    def key(self, relative: str) -> str:
        return self.prefix + relative


class Record(_Strict):
    """A record of the hosted zone and the service it names: an ``A`` record for an
    instance service (its public IPv4), a ``CNAME`` for a database service (its endpoint)."""

    name: str = Field(min_length=1)
    service: str


class Dns(_Strict):
    """Route 53: one public hosted zone and its records, by the id playbooks use
    (``update_dns {record: ID}``)."""

    hosted_zone: str = Field(min_length=1)
    ttl_s: int = Field(60, ge=0, le=86400)
    records: dict[str, Record] = {}


class AwsConfig(_Strict):
    """The whole of ``aws.yaml``."""

    region: Region
    # What the account is for (production, staging, ...): archives can record it, and a
    # drill in production does not count as practice in a non-production environment.
    environment: str | None = None
    allowed_regions: list[Region] = Field(min_length=1)
    allowed_accounts: list[AccountId] = Field(min_length=1)
    instances: dict[str, Instance] = {}
    databases: dict[str, Database] = {}
    buckets: dict[str, Bucket] = {}
    dns: Dns | None = None
    limits: Limits = Limits()

    def record_of(self, service_id: str) -> Record | None:
        """The (first) record that names the service."""
        records = self.dns.records.values() if self.dns else []
        return next((r for r in records if r.service == service_id), None)


_SECTIONS = ("instances", "databases", "buckets")


def load_aws_config(folder: str | Path, system: System | None = None) -> AwsConfig:
    """Load ``FOLDER/aws.yaml`` and check it against ``system`` (by default, the one loaded
    from ``FOLDER``).

    Raises :class:`DefinitionError` with every problem: the system's own, or this file's.
    ``static_backup`` folders come back under ``folder`` when relative.
    """
    folder = Path(folder)
    system = system or load_system(folder)
    path = folder / AWS_FILE
    file = str(path)
    if not path.exists():
        raise DefinitionError([Problem(file, 0, "(file)", "missing: the aws target needs one")])
    found = Collector(folder)
    document = found.read(path)
    config = None if document is None else found.validate(file, AwsConfig, document)
    if config is None:
        raise DefinitionError(found.problems)

    services = {s.id for s in system.services}
    known = ", ".join(sorted(services))
    owner: dict[str, str] = {}
    for section in _SECTIONS:
        for service_id in getattr(config, section):
            if service_id not in services:
                message = f"unknown service {service_id!r} (known: {known})"
                found.add(file, (section, service_id), message)
            elif service_id in owner:
                message = f"service {service_id!r} is already under {owner[service_id]}"
                found.add(file, (section, service_id), message)
            owner.setdefault(service_id, section)
    if config.region not in config.allowed_regions:
        found.add(file, ("region",), f"{config.region!r} is not in allowed_regions")
    if config.dns is not None:
        zone = config.dns.hosted_zone.rstrip(".").lower()
        for record_id, record in config.dns.records.items():
            where = ("dns", "records", record_id)
            if owner.get(record.service) not in ("instances", "databases"):
                message = f"{record.service!r} is not a service under instances or databases"
                found.add(file, (*where, "service"), message)
            if not _in_zone(record.name, zone):
                message = f"{record.name!r} is not in the hosted zone {zone!r}"
                found.add(file, (*where, "name"), message)
    if found.problems:
        raise DefinitionError(found.problems)
    buckets = {
        service_id: bucket.model_copy(update={"static_backup": folder / bucket.static_backup})
        for service_id, bucket in config.buckets.items()
    }
    return config.model_copy(update={"buckets": buckets})


def _in_zone(name: str, zone: str) -> bool:
    name = name.rstrip(".").lower()
    return name == zone or name.endswith("." + zone)
