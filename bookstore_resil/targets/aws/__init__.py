"""The ``aws`` target: the seed's recovery steps through boto3, safe by default.

Where things are comes from the system folder's ``aws.yaml`` (:mod:`.aws_config`); the
credentials come from boto3's usual chain only. Without ``allow_destructive`` every action
is a dry run: EC2 calls go out with ``DryRun=True`` (``DryRunOperation`` means "would have
succeeded"), any other change is recorded (service, operation, parameters) and not sent,
and the action stops there. Faults are refused unless ``allow_destructive``. Every call has
a connect and read timeout and bounded retries; every wait is bounded by the step's timeout
and by ``limits.wait_timeout_s``, and ends at once when :attr:`AwsTarget.halt_event` is set.
An error from AWS becomes a failed step whose error starts with the AWS error code.

This module is the driver and the names of its actions and faults; each AWS service's
steps live in their own module (:mod:`.ec2`, :mod:`.rds`, :mod:`.s3`, :mod:`.route53`,
:mod:`.endpoints`), the health checks in :mod:`.probes`, the boto3 plumbing in
:mod:`.session`. There is no canary: books cannot be written without the API, so data loss
is not measured on AWS. See docs/aws.md for the action -> boto3 mapping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bookstore_resil.clock import iso, now
from bookstore_resil.define.aws_config import AwsConfig, load_aws_config
from bookstore_resil.errors import TargetError
from bookstore_resil.secrets import redact
from bookstore_resil.targets.aws import ec2, endpoints, rds, s3
from bookstore_resil.targets.aws.probes import Check, ThrottledProbe, health_checks
from bookstore_resil.targets.aws.session import (
    NAME,
    Args,
    AwsSession,
    Run,
    WouldChange,
    as_target_error,
    error_code,
    wait_for,
)
from bookstore_resil.targets.base import ActionResult, FaultRecord, Probe, Target

__all__ = ["ACTIONS", "FAULTS", "AwsTarget", "wait_for"]

ACTIONS: dict[str, Callable[[Run, Args], None]] = {
    "http_check": endpoints.http_check,
    "restart_app": ec2.restart_app,
    "restart_instance": ec2.restart_instance,
    "launch_replacement": ec2.launch_replacement,
    "describe_instances": ec2.describe_instances,
    "update_dns": endpoints.update_dns,
    "db_check": rds.db_check,
    "db_restart": rds.db_restart,
    "db_launch_replica": rds.db_launch_replica,
    "db_promote_replica": rds.db_promote_replica,
    "db_restore_snapshot": rds.db_restore_snapshot,
    "cdn_verify": s3.cdn_verify,
    "cdn_recreate_bucket": s3.cdn_recreate_bucket,
    "cdn_upload_static": s3.cdn_upload_static,
}

FAULTS: dict[str, Callable[[Run], str]] = {
    "api-crash": ec2.api_crash,
    "api-instance-lost": ec2.api_instance_lost,
    "db-crash": rds.db_crash,
    "db-lost": rds.db_lost,
    "cdn-objects-removed": s3.cdn_objects_removed,
    "cdn-bucket-deleted": s3.cdn_bucket_deleted,
}


class AwsTarget(Target):
    """The Bookstore on AWS, as ``aws.yaml`` in ``data_dir`` places it.

    ``allow_destructive=False`` (the default) makes every action a dry run and refuses every
    fault. ``endpoint_url`` (or boto3's own ``AWS_ENDPOINT_URL``) points every client at
    another endpoint, such as moto's server. ``region`` overrides aws.yaml's and must be in
    its ``allowed_regions``. Credentials come from boto3's chain, never from here.
    """

    name = NAME

    def __init__(
        self,
        data_dir: str | Path = "data/bookstore",
        allow_destructive: bool = False,
        endpoint_url: str | None = None,
        region: str | None = None,
        baseline_s: float | None = None,
        sustain_s: float | None = None,
        recovery_wait_s: float | None = None,
    ):
        self.data_dir = Path(data_dir).absolute()
        self._waits = self._take_waits(
            baseline_s=baseline_s, sustain_s=sustain_s, recovery_wait_s=recovery_wait_s
        )
        self.config: AwsConfig = load_aws_config(self.data_dir)
        self.region = region or self.config.region
        if self.region not in self.config.allowed_regions:
            allowed = ", ".join(self.config.allowed_regions)
            raise TargetError(NAME, f"region {self.region} is not allowed (aws.yaml: {allowed})")
        self.allow_destructive = allow_destructive
        self.endpoint_url = endpoint_url
        self.environment = self.config.environment or self.environment
        #: Set it to stop every wait at once; later actions fail as halted.
        self.halt_event = threading.Event()
        self._aws = AwsSession(self.config, self.region, endpoint_url)

    def options(self) -> dict[str, Any]:
        return {
            "data_dir": str(self.data_dir),
            "allow_destructive": self.allow_destructive,
            "endpoint_url": self.endpoint_url,
            "region": self.region,
            **self._waits,
        }

    def _run(self, timeout_s: float, probe: bool = False) -> Run:
        """A run that is a dry run unless ``allow_destructive``, and stops at a halt."""
        return Run(self._aws, timeout_s, not self.allow_destructive, self.halt_event, probe)

    @property
    def injects_faults(self) -> bool:
        return self.allow_destructive

    def halt(self) -> None:
        self.halt_event.set()

    def credential_strings(self) -> list[str]:
        """The key id, secret and token boto3's chain gives: what an archive must not hold."""
        return self._aws.credential_strings()

    # -- the interface ----------------------------------------------------------------

    def actions(self) -> list[str]:
        return list(ACTIONS)

    def faults(self) -> list[str]:
        return list(FAULTS)

    def run_action(self, name: str, args: dict[str, Any], timeout_s: float) -> ActionResult:
        began = time.monotonic()
        action = ACTIONS.get(name)
        if action is None:
            return ActionResult(
                False, error=f"unknown action {name!r} (known: {', '.join(ACTIONS)})"
            )
        run = self._run(timeout_s)
        error = None
        try:
            if self.halt_event.is_set():
                raise TargetError(NAME, "halted")
            self._aws.check_account(run.probe)
            action(run, dict(args or {}))
        except WouldChange as stop:
            run.record(stop.call)
            run.say("dry run: stopped at the first change, nothing changed (allow_destructive)")
            run.data["dry_run"] = True
        except ClientError as exc:
            code, message = error_code(exc)
            error = f"{code}: {message}"
            run.data["aws_error"] = code
        except (BotoCoreError, TargetError) as exc:
            error = str(exc)
        except Exception as exc:  # an action that fails is a result, not a crash
            error = f"{type(exc).__name__}: {exc}"
        secrets = self.credential_strings()
        return ActionResult(
            ok=error is None,
            output=redact("\n".join(run.lines), secrets),
            duration_s=time.monotonic() - began,
            error=redact(error, secrets) if error else None,
            data={**run.data, "calls": [asdict(c) for c in run.calls]},
        )

    def inject_fault(self, fault: str) -> FaultRecord:
        action = FAULTS.get(fault)
        if action is None:
            raise TargetError(NAME, f"unknown fault {fault!r} (known: {', '.join(FAULTS)})")
        if not self.allow_destructive:
            raise TargetError(
                NAME, f"fault {fault} changes real resources: refused without allow_destructive"
            )
        run = self._run(self.config.limits.wait_timeout_s)
        with as_target_error(f"fault {fault}: "):
            self._aws.check_account(run.probe)
            ts = iso(now())
            detail = action(run)
        return FaultRecord(fault, ts, detail)

    def _healthy(self, service_id: str, check: Check) -> None:
        """Raises TargetError when the service is unhealthy or cannot be asked."""
        run = self._run(self.config.limits.http_timeout_s, probe=True)
        with as_target_error():
            self._aws.check_account(run.probe)
            check(run, service_id)

    def check_ready(self) -> None:
        with as_target_error():
            self._aws.check_account(probe=True)
        problems = []
        for service_id, _, check in health_checks(self.config):
            try:
                self._healthy(service_id, check)
            except TargetError as error:
                problems.append(f"{service_id}: {str(error).removeprefix(NAME + ': ')}")
        if problems:
            raise TargetError(NAME, "not ready: " + "; ".join(problems))

    def probes(self) -> list[Probe]:
        """One probe per service of aws.yaml, named by service id. Each asks AWS at most
        every ``limits.probe_interval_s`` (AWS throttles API calls) and repeats its last
        answer in between."""
        interval_s = self.config.limits.probe_interval_s
        return [
            Probe(sid, address, ThrottledProbe(partial(self._healthy, sid, check), interval_s))
            for sid, address, check in health_checks(self.config)
        ]
