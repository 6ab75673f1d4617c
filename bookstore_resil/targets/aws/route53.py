"""Route 53: the public hosted zone of ``aws.yaml``, what one of its records holds, and an
UPSERT of a record waited on until Route 53 reports it INSYNC."""

from __future__ import annotations

from bookstore_resil.define.aws_config import Dns
from bookstore_resil.errors import TargetError
from bookstore_resil.targets.aws.session import NAME, Run


def _dns(run: Run) -> Dns:
    if run.config.dns is None:
        raise TargetError(NAME, "aws.yaml has no dns: section (the hosted zone and its records)")
    return run.config.dns


def zone_id(run: Run) -> str:
    """The id of the one public hosted zone named ``dns.hosted_zone``."""
    zone = _dns(run).hosted_zone.rstrip(".").lower() + "."
    zones = run.read("route53", "list_hosted_zones_by_name", DNSName=zone)["HostedZones"]
    public = [z for z in zones if z["Name"] == zone and not z.get("Config", {}).get("PrivateZone")]
    if len(public) != 1:
        raise TargetError(NAME, f"{len(public)} public hosted zones named {zone} (need one)")
    return public[0]["Id"]


def record_values(run: Run, zone: str, name: str, kind: str) -> list[str]:
    """The values of the ``kind`` record ``name`` in the zone; none when there is no such
    record."""
    found = run.read(
        "route53",
        "list_resource_record_sets",
        HostedZoneId=zone,
        StartRecordName=name,
        StartRecordType=kind,
        MaxItems="1",
    )["ResourceRecordSets"]
    # The listing starts at the name: the first record may be a later one.
    if not found or found[0]["Name"].rstrip(".") != name.rstrip(".") or found[0]["Type"] != kind:
        return []
    return [r["Value"] for r in found[0].get("ResourceRecords", [])]


def upsert_record(run: Run, record_id: str, name: str, kind: str, value: str) -> None:
    """Point the record at ``value`` and wait until the change is INSYNC."""
    zone = zone_id(run)
    before = record_values(run, zone, name, kind)
    change = run.change(
        "route53",
        "change_resource_record_sets",
        HostedZoneId=zone,
        ChangeBatch={
            "Comment": f"bookstore-resil update_dns {record_id}",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": kind,
                        "TTL": _dns(run).ttl_s,
                        "ResourceRecords": [{"Value": value}],
                    },
                }
            ],
        },
    )["ChangeInfo"]

    def insync() -> tuple[bool, str]:
        status = run.read("route53", "get_change", Id=change["Id"])["ChangeInfo"]["Status"]
        return status == "INSYNC", status

    status = run.wait(f"Route 53 change {change['Id']}", insync)
    run.say(f"{name} {kind}: {', '.join(before) or 'none'} -> {value} ({status})")
    run.data.update(record=name, type=kind, previous=before, target=value)
