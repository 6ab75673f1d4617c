"""EC2: finding the API's instance, its state, and the seed's instance recovery steps
(reboot or start, run-instances from the launch template, describe-instances), with the
faults that stop or terminate it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from bookstore_resil.define.aws_config import Instance
from bookstore_resil.errors import TargetError
from bookstore_resil.targets.aws.session import NAME, Args, Run, error_code, shown_time

# Instance states in which the API's instance still exists (not terminated).
_LIVE_STATES = ["pending", "running", "stopping", "stopped"]


def describe(run: Run, **params: Any) -> list[dict[str, Any]]:
    """Instances matching ``params``, newest launch first."""
    found = [
        instance
        for reservation in run.pages("ec2", "describe_instances", "Reservations", **params)
        for instance in reservation["Instances"]
    ]
    return sorted(found, key=lambda i: i["LaunchTime"], reverse=True)


def running(run: Run, spec: Instance) -> list[dict[str, Any]]:
    """The seed's describe-instances query: running instances of the AMI, newest first.

    (The seed filters on ``instance-state-code=16``, which moto lacks; the state name is
    the same filter.)
    """
    found = describe(
        run,
        Filters=[
            {"Name": "image-id", "Values": [spec.image_id]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ],
    )
    if not found:
        raise TargetError(NAME, f"no running instance of {spec.image_id}")
    return found


def find_instance(run: Run, spec: Instance, which: str | None) -> dict[str, Any]:
    """``newest``: the newest running one of the AMI; ``i-...``: that one; else the newest
    instance tagged with the service's Name that is not terminated."""
    if which == "newest":
        return running(run, spec)[0]
    if which:
        return describe(run, InstanceIds=[which])[0]
    found = describe(
        run,
        Filters=[
            {"Name": "tag:Name", "Values": [spec.name]},
            {"Name": "instance-state-name", "Values": _LIVE_STATES},
        ],
    )
    if not found:
        raise TargetError(NAME, f"no instance named {spec.name!r} that is not terminated")
    return found[0]


def instance_state(run: Run, instance_id: str, checks: bool) -> tuple[bool, str]:
    """Running (and, with ``checks``, both status checks ok)?"""
    try:
        statuses = run.read(
            "ec2", "describe_instance_status", InstanceIds=[instance_id], IncludeAllInstances=True
        )["InstanceStatuses"]
    except ClientError as error:
        # A new instance may not be visible yet (EC2 is eventually consistent).
        if error_code(error)[0] == "InvalidInstanceID.NotFound":
            return False, "not visible yet"
        raise
    if not statuses:
        return False, "unknown"
    status = statuses[0]
    state = status["InstanceState"]["Name"]
    if state != "running" or not checks:
        return state == "running", state
    instance, system = status["InstanceStatus"]["Status"], status["SystemStatus"]["Status"]
    return instance == system == "ok", f"running, status checks {instance}/{system}"


def _wait_running(run: Run, instance_id: str, checks: bool) -> str:
    what = f"instance {instance_id} to run" + (" and pass its status checks" if checks else "")
    return run.wait(what, lambda: instance_state(run, instance_id, checks))


def _restart(run: Run, args: Args, why: str) -> None:
    """Reboot a running instance, start a stopped one; then wait for the status checks."""
    _, spec = run.one("instances", args)
    instance = find_instance(run, spec, args.get("instance"))
    instance_id, state = instance["InstanceId"], instance["State"]["Name"]
    run.say(f"instance {instance_id} is {state}{why}")
    if state == "running":
        run.change("ec2", "reboot_instances", InstanceIds=[instance_id])
    elif state == "stopped":
        run.change("ec2", "start_instances", InstanceIds=[instance_id])
    else:
        raise TargetError(NAME, f"instance {instance_id} is {state}: it cannot be restarted")
    run.say(f"instance {instance_id}: {_wait_running(run, instance_id, checks=True)}")
    run.data["instance"] = instance_id


def restart_app(run: Run, args: Args) -> None:
    """No shell on AWS: reboot the instance, which restarts gunicorn (a systemd unit)."""
    _restart(run, args, "; no SSH: rebooting it instead of `sudo systemctl restart gunicorn`")


def restart_instance(run: Run, args: Args) -> None:
    """The seed's reboot-instances (a stopped instance is started)."""
    _restart(run, args, "")


def launch_replacement(run: Run, args: Args) -> None:
    """run-instances from the launch template and the AMI backup, tagged with the Name."""
    _, spec = run.one("instances", args)
    response = run.change(
        "ec2",
        "run_instances",
        LaunchTemplate={"LaunchTemplateName": spec.launch_template, "Version": "$Latest"},
        ImageId=spec.image_id,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": spec.name}]}
        ],
    )
    instance_id = response["Instances"][0]["InstanceId"]
    _wait_running(run, instance_id, checks=False)
    instance = describe(run, InstanceIds=[instance_id])[0]
    address = instance.get("PublicIpAddress")
    run.say(f"{shown_time(instance['LaunchTime'])}\t{instance_id}\t{address}\tlaunched")
    run.data.update(instance=instance_id, address=address, dns=instance.get("PublicDnsName"))


def describe_instances(run: Run, args: Args) -> None:
    """Running instances of the AMI, newest first: LaunchTime, public DNS name, address."""
    _, spec = run.one("instances", args)
    found = running(run, spec)
    rows = [
        {
            "id": i["InstanceId"],
            "launched_at": shown_time(i["LaunchTime"]),
            "dns": i.get("PublicDnsName") or None,
            "address": i.get("PublicIpAddress"),
        }
        for i in found
    ]
    for row in rows:
        run.say(f"{row['launched_at']}\t{row['dns']}\t{row['address']}\t{row['id']}")
    run.data.update(instances=rows, newest=rows[0])


def _api_instance(run: Run) -> str:
    _, spec = run.one("instances", {})
    return find_instance(run, spec, None)["InstanceId"]


def api_crash(run: Run) -> str:
    instance_id = _api_instance(run)
    run.change("ec2", "stop_instances", InstanceIds=[instance_id])
    return f"instance {instance_id} stopped"


def api_instance_lost(run: Run) -> str:
    instance_id = _api_instance(run)
    run.change("ec2", "terminate_instances", InstanceIds=[instance_id])
    return f"instance {instance_id} terminated"
