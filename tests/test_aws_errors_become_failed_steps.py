"""What goes wrong on AWS becomes a failed step with the AWS error code, not a traceback;
outside the allow-lists nothing runs; every wait is bounded and stops on halt."""

from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest
import yaml

from bookstore_resil.errors import TargetError
from bookstore_resil.targets.aws import AwsTarget, wait_for
from bookstore_resil.testing.aws_moto import build_seed_world, reset
from tests.conftest_aws import use_moto_env


@pytest.fixture(scope="module")
def world(moto_url, tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        use_moto_env(env)
        reset(moto_url)
        yield build_seed_world(moto_url, tmp_path_factory.mktemp("errors") / "bookstore")


@pytest.fixture
def variant(world, tmp_path):
    """A copy of the world's system folder with aws.yaml edited by ``edit(document)``."""

    def make(edit) -> str:
        folder = tmp_path / "variant"
        shutil.copytree(world.data_dir, folder)
        path = folder / "aws.yaml"
        document = yaml.safe_load(path.read_text())
        edit(document)
        path.write_text(yaml.safe_dump(document))
        return str(folder)

    return make


@pytest.fixture
def aws(world, moto_url) -> AwsTarget:
    return AwsTarget(data_dir=world.data_dir, allow_destructive=True, endpoint_url=moto_url)


def test_a_missing_db_instance_fails_with_its_aws_error_code(aws):
    for action in ("db_check", "db_restart"):
        result = aws.run_action(action, {"identifier": "bookstore-db-gone"}, timeout_s=10)
        assert not result.ok
        assert result.error.startswith("DBInstanceNotFound: "), result.error
        assert result.data["aws_error"] == "DBInstanceNotFound"
        assert "Traceback" not in result.error + result.output


def test_a_missing_instance_fails_with_its_aws_error_code(aws):
    result = aws.run_action("restart_instance", {"instance": "i-0123456789abcdef0"}, timeout_s=10)
    assert not result.ok and result.error.startswith("InvalidInstanceID.NotFound")


def test_a_missing_launch_template_fails_with_its_aws_error_code(variant, moto_url):
    def edit(document):
        document["instances"]["api"]["launch_template"] = "bookstore-api-ec2-gone"

    target = AwsTarget(data_dir=variant(edit), allow_destructive=True, endpoint_url=moto_url)
    result = target.run_action("launch_replacement", {}, timeout_s=10)
    assert not result.ok
    assert result.data["aws_error"] == "InvalidLaunchTemplateName.NotFoundException"
    assert result.error.startswith("InvalidLaunchTemplateName.NotFoundException: ")


def test_a_missing_bucket_fails_with_its_aws_error_code(variant, moto_url):
    def edit(document):
        document["buckets"]["cdn"]["bucket"] = "cdn-gone.bookstore.pingpublications.com"

    target = AwsTarget(data_dir=variant(edit), allow_destructive=True, endpoint_url=moto_url)
    for action in ("cdn_verify", "cdn_upload_static"):
        result = target.run_action(action, {}, timeout_s=10)
        assert not result.ok and result.error.startswith("NoSuchBucket: "), result.error
    probes = {p.name: p.check() for p in target.probes()}
    assert probes == {"api": True, "database": True, "cdn": False}
    with pytest.raises(TargetError, match=r"not ready: cdn: s3://cdn-gone\S+: 404"):
        target.check_ready()


def test_an_aws_error_in_a_fault_is_a_target_error(variant, moto_url):
    def edit(document):
        document["databases"]["database"]["identifier"] = "bookstore-db-gone"

    target = AwsTarget(data_dir=variant(edit), allow_destructive=True, endpoint_url=moto_url)
    with pytest.raises(TargetError, match="fault db-crash: DBInstanceNotFound: "):
        target.inject_fault("db-crash")
    result = target.run_action("db_restore_snapshot", {}, timeout_s=10)
    assert not result.ok and result.error == "aws: no available snapshot of bookstore-db-gone"


def test_an_unreachable_endpoint_fails_the_step_in_bounded_time(world):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    target = AwsTarget(data_dir=world.data_dir, endpoint_url=f"http://127.0.0.1:{port}")
    result = target.run_action("db_check", {}, timeout_s=5)
    assert not result.ok and "Could not connect to the endpoint URL" in result.error
    assert result.duration_s < 15
    assert [p.check() for p in target.probes()] == [False, False, False]


def test_unknown_actions_and_arguments_fail_without_raising(aws):
    unknown = aws.run_action("format_disk", {}, timeout_s=5)
    assert not unknown.ok and unknown.error.startswith("unknown action 'format_disk'")
    record = aws.run_action("update_dns", {"record": "mail"}, timeout_s=5)
    assert not record.ok and record.error == "aws: update_dns: unknown record 'mail' (api, db)"
    http = aws.run_action("http_check", {"service": "database"}, timeout_s=5)
    assert not http.ok and "http_check needs url, instance, or service" in http.error
    service = aws.run_action("db_check", {"service": "cdn"}, timeout_s=5)
    assert not service.ok and "'cdn' is not under databases" in service.error


def test_halt_stops_actions_before_any_call(aws):
    aws.halt_event.set()
    result = aws.run_action("db_restart", {}, timeout_s=10)
    assert not result.ok and result.error == "aws: halted" and result.data["calls"] == []


def test_waits_are_bounded_and_end_on_halt():
    halt = threading.Event()
    with pytest.raises(TargetError, match="gave up waiting for the moon: still new"):
        wait_for("the moon", lambda: (False, "new"), time.monotonic() + 0.3, 0.05, halt)

    errors: list[str] = []

    def wait() -> None:
        try:
            wait_for("the moon", lambda: (False, "new"), time.monotonic() + 3600, 3600, halt)
        except TargetError as error:
            errors.append(str(error))

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    threading.Timer(0.2, halt.set).start()
    # An hour between polls: only the halt can end the wait (a minute: a generous bound).
    waiter.join(60)
    assert not waiter.is_alive() and errors == ["aws: halted while waiting for the moon"]


def test_a_region_outside_the_allow_list_is_refused(world):
    with pytest.raises(
        TargetError, match=r"region eu-west-1 is not allowed \(aws.yaml: us-west-2\)"
    ):
        AwsTarget(data_dir=world.data_dir, region="eu-west-1")


def test_an_account_outside_the_allow_list_is_refused(variant, moto_url):
    def edit(document):
        document["allowed_accounts"] = ["000000000000"]

    target = AwsTarget(data_dir=variant(edit), allow_destructive=True, endpoint_url=moto_url)
    refused = "account 123456789012 is not allowed"
    result = target.run_action("launch_replacement", {}, timeout_s=10)
    assert not result.ok and refused in result.error and result.data["calls"] == []
    with pytest.raises(TargetError, match=refused):
        target.inject_fault("api-instance-lost")
    with pytest.raises(TargetError, match=refused):
        target.check_ready()
    assert [p.check() for p in target.probes()] == [False, False, False]
