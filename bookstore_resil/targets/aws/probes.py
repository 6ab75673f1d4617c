"""Health of each service ``aws.yaml`` places: the check of an instance, a database and a
bucket that ``check_ready`` and the availability probes run, and the throttle that keeps
probes from asking AWS more often than ``limits.probe_interval_s``."""

from __future__ import annotations

import time
from collections.abc import Callable

from botocore.exceptions import ClientError

from bookstore_resil.define.aws_config import AwsConfig
from bookstore_resil.errors import TargetError
from bookstore_resil.targets.aws.ec2 import find_instance, instance_state
from bookstore_resil.targets.aws.endpoints import http_get
from bookstore_resil.targets.aws.rds import current_db, db_state
from bookstore_resil.targets.aws.session import NAME, Run, error_code

#: A health check: raises TargetError (or AWS's error) when the service is unhealthy.
Check = Callable[[Run, str], None]


def api_health(run: Run, service_id: str) -> None:
    """The instance runs, passes its status checks, and its url answers 2xx/3xx."""
    spec = run.config.instances[service_id]
    instance_id = find_instance(run, spec, None)["InstanceId"]
    ok, state = instance_state(run, instance_id, checks=True)
    if not ok:
        raise TargetError(NAME, f"instance {instance_id} is {state}")
    if spec.url is not None and not 200 <= http_get(run, spec.url) < 400:
        raise TargetError(NAME, f"GET {spec.url} does not answer 2xx/3xx")


def database_health(run: Run, service_id: str) -> None:
    """The DB instance the database's record names is available."""
    identifier = current_db(run, service_id, run.config.databases[service_id])
    ok, status = db_state(run, identifier)
    if not ok:
        raise TargetError(NAME, f"DB instance {identifier} is {status}")


def bucket_health(run: Run, service_id: str) -> None:
    """The bucket holds its probe object."""
    spec = run.config.buckets[service_id]
    key = spec.key(spec.probe_object)
    try:
        run.read("s3", "head_object", Bucket=spec.bucket, Key=key)
    except ClientError as error:
        code = error_code(error)[0]
        raise TargetError(NAME, f"s3://{spec.bucket}/{key}: {code}") from None


def health_checks(config: AwsConfig) -> list[tuple[str, str, Check]]:
    """(service id, address, check) for every service of aws.yaml."""
    checks: list[tuple[str, str, Check]] = [
        (sid, spec.url or f"ec2:{spec.name}", api_health) for sid, spec in config.instances.items()
    ]
    checks += [
        (sid, f"rds:{spec.identifier}", database_health) for sid, spec in config.databases.items()
    ]
    checks += [
        (sid, f"s3://{spec.bucket}/{spec.key(spec.probe_object)}", bucket_health)
        for sid, spec in config.buckets.items()
    ]
    return checks


class ThrottledProbe:
    """A probe's check that calls ``ask`` (which raises when the service is down) at most
    every ``interval_s`` and repeats its last answer in between: AWS throttles API calls."""

    def __init__(self, ask: Callable[[], None], interval_s: float):
        self.ask = ask
        self.interval_s = interval_s
        self.asked_at: float | None = None
        self.up = False

    def __call__(self) -> bool:
        at = time.monotonic()
        if self.asked_at is None or at - self.asked_at >= self.interval_s:
            try:
                self.ask()
                self.up = True
            except Exception:  # a probe never raises: whatever went wrong, it is down
                self.up = False
            self.asked_at = at
        return self.up
