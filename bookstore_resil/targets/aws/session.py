"""How the ``aws`` driver talks to AWS: one boto3 session and its clients, the account check,
the :class:`Run` every action, fault and probe works through, and AWS's errors as TargetError.

Every client has a connect and read timeout and bounded retries. A :class:`Run` is where the
dry run is enforced: its :meth:`Run.change` is the only way an action changes anything.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bookstore_resil.clock import iso
from bookstore_resil.define.aws_config import AwsConfig
from bookstore_resil.errors import TargetError

NAME = "aws"
Args = dict[str, Any]


@dataclass(frozen=True)
class AwsCall:
    """One change made, or in a dry run the change that would have been made."""

    service: str
    operation: str
    params: dict[str, Any]
    sent: bool
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.service} {self.operation} {json.dumps(self.params, sort_keys=True)}"
        text = text if self.sent else "DRY RUN " + text
        return f"{text}: {self.note}" if self.note else text


class WouldChange(Exception):
    """Raised in a dry run at an action's first change, which is recorded and not made."""

    def __init__(self, call: AwsCall):
        super().__init__(str(call))
        self.call = call


def wait_for(
    what: str,
    check: Callable[[], tuple[bool, str]],
    deadline: float,
    poll_s: float,
    halt: threading.Event,
) -> str:
    """Poll ``check`` (done, state) until done; return the last state.

    Raises :class:`TargetError` once ``deadline`` (``time.monotonic()``) passes, or at once
    when ``halt`` is set.
    """
    while True:
        if halt.is_set():
            raise TargetError(NAME, f"halted while waiting for {what}")
        done, state = check()
        if done:
            return state
        left = deadline - time.monotonic()
        if left <= 0:
            raise TargetError(NAME, f"gave up waiting for {what}: still {state}")
        halt.wait(min(poll_s, left))


# botocore's service models, parsed once per process rather than once per session.
_MODELS = botocore.loaders.create_loader()


def aws_session(region: str) -> boto3.session.Session:
    """A new boto3 session (credentials from boto3's chain) sharing the parsed models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    return boto3.session.Session(botocore_session=core, region_name=region)


def _shown(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as recorded: file contents become their size."""
    return {k: f"<{len(v)} bytes>" if isinstance(v, bytes) else v for k, v in params.items()}


def shown_time(value: Any) -> str:
    """A time AWS answered, as ISO 8601."""
    return iso(value) if isinstance(value, datetime) else str(value)


def error_code(error: ClientError) -> tuple[str, str]:
    """AWS's error code and message."""
    details = error.response.get("Error", {})
    return details.get("Code", "Unknown"), details.get("Message", "") or str(error)


@contextmanager
def as_target_error(prefix: str = "") -> Iterator[None]:
    """AWS's errors as TargetError, led by the AWS error code."""
    try:
        yield
    except ClientError as exc:
        raise TargetError(NAME, prefix + ": ".join(error_code(exc))) from None
    except BotoCoreError as exc:
        raise TargetError(NAME, f"{prefix}{exc}") from None


class AwsSession:
    """The boto3 session of one region and ``aws.yaml``, its clients, and the account they
    reach. ``endpoint_url`` (or boto3's own ``AWS_ENDPOINT_URL``) points every client at
    another endpoint, such as moto's server."""

    def __init__(self, config: AwsConfig, region: str, endpoint_url: str | None):
        self.config = config
        self.region = region
        self.endpoint_url = endpoint_url
        self._session = aws_session(region)
        self._clients: dict[tuple[str, bool], Any] = {}
        self._lock = threading.Lock()
        self._account: str | None = None

    def client(self, service: str, probe: bool) -> Any:
        """A client with bounded timeouts and retries; a probe's answers fast or not at all."""
        limits = self.config.limits
        with self._lock:  # a boto3 session is not thread-safe; its clients are
            if (service, probe) not in self._clients:
                if probe:
                    timeouts = (min(limits.connect_timeout_s, 2.0), min(limits.read_timeout_s, 5.0))
                else:
                    timeouts = (limits.connect_timeout_s, limits.read_timeout_s)
                config = Config(
                    connect_timeout=timeouts[0],
                    read_timeout=timeouts[1],
                    retries={
                        "mode": "standard",
                        "max_attempts": 1 if probe else limits.max_attempts,
                    },
                )
                self._clients[service, probe] = self._session.client(
                    service, endpoint_url=self.endpoint_url, config=config
                )
            return self._clients[service, probe]

    def check_account(self, probe: bool) -> None:
        """Refuse an account outside ``allowed_accounts`` (asked of STS once)."""
        if self._account is not None:
            return
        account = self.client("sts", probe).get_caller_identity()["Account"]
        if account not in self.config.allowed_accounts:
            allowed = ", ".join(self.config.allowed_accounts)
            raise TargetError(NAME, f"account {account} is not allowed (aws.yaml: {allowed})")
        self._account = account

    def credential_strings(self) -> list[str]:
        """The key id, secret and token boto3's chain gives: what an archive must not hold."""
        with self._lock:
            try:
                credentials = self._session.get_credentials()
            except BotoCoreError:  # no usable chain: nothing was signed with anything
                return []
        if credentials is None:
            return []
        frozen = credentials.get_frozen_credentials()
        return [s for s in (frozen.access_key, frozen.secret_key, frozen.token) if s]


class Run:
    """One action (or fault, or probe): its clients, deadline, output lines and changes.

    ``dry_run`` makes :meth:`change` record the first change and stop the action there;
    ``halt`` ends every wait at once.
    """

    def __init__(
        self,
        aws: AwsSession,
        timeout_s: float,
        dry_run: bool,
        halt: threading.Event,
        probe: bool = False,
    ):
        self.aws = aws
        self.config = aws.config
        self.region = aws.region
        self.dry_run = dry_run
        self.halt = halt
        self.probe = probe
        self.deadline = time.monotonic() + min(timeout_s, aws.config.limits.wait_timeout_s)
        self.lines: list[str] = []
        self.calls: list[AwsCall] = []
        self.data: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        return self.aws.client(service, self.probe)

    def read(self, service: str, method: str, **params: Any) -> dict[str, Any]:
        return getattr(self.client(service), method)(**params)

    def pages(self, service: str, method: str, key: str, **params: Any) -> list[Any]:
        paginator = self.client(service).get_paginator(method)
        return [item for page in paginator.paginate(**params) for item in page.get(key, [])]

    def change(self, service: str, method: str, **params: Any) -> dict[str, Any]:
        """Make a change, or in a dry run record it and stop the action (:class:`WouldChange`)."""
        client = self.client(service)
        operation = client.meta.method_to_api_mapping[method]
        if not self.dry_run:
            response = getattr(client, method)(**params)
            self.record(AwsCall(service, operation, _shown(params), sent=True))
            return response
        members = client.meta.service_model.operation_model(operation).input_shape.members
        note = "not sent"
        if "DryRun" in members:
            try:
                getattr(client, method)(DryRun=True, **params)
            except ClientError as error:
                code = error_code(error)[0]
                if code != "DryRunOperation":  # e.g. UnauthorizedOperation: it would fail
                    self.record(AwsCall(service, operation, _shown(params), False, code))
                    raise
            note = "EC2 DryRun: would have succeeded"
        raise WouldChange(AwsCall(service, operation, _shown(params), sent=False, note=note))

    def record(self, call: AwsCall) -> None:
        self.calls.append(call)
        self.lines.append(str(call))

    def say(self, line: str) -> None:
        self.lines.append(line)

    def wait(self, what: str, check: Callable[[], tuple[bool, str]]) -> str:
        poll = self.config.limits.poll_interval_s
        return wait_for(what, check, self.deadline, poll, self.halt)

    def one(self, section: str, args: Args) -> tuple[str, Any]:
        """The service of a section of aws.yaml that ``args["service"]`` names, or its only
        one."""
        entries: dict[str, Any] = getattr(self.config, section)
        wanted = args.get("service")
        if wanted is not None:
            if wanted not in entries:
                raise TargetError(NAME, f"service {wanted!r} is not under {section} in aws.yaml")
            return wanted, entries[wanted]
        if len(entries) != 1:
            have = ", ".join(entries) or "none"
            raise TargetError(NAME, f"name the service: {section} in aws.yaml has {have}")
        return next(iter(entries.items()))
