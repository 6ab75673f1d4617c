"""Chaos Toolkit activities in ``target.yaml`` run through chaostoolkit-lib itself: a step
through each of the process, http and python providers (a python provider's module may sit
in the system folder, as an extension's would be installed), a probe whose tolerance
decides up or down, Chaos Toolkit's ``configuration`` and ``secrets`` read from the
environment, a step's args as configuration, and secret values never in an output."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.system_target_builders import system_target

pytest.importorskip("chaoslib")

CHECKS_MODULE = """
import time


def count_words(text, configuration=None):
    return {"words": len(text.split()), "unit": configuration.get("unit")}


def fail(reason):
    raise RuntimeError(reason)


def whoami(secrets=None):
    return "token is " + secrets["token"]


def hang():
    time.sleep(300)
"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        status = 200 if self.path == "/health" else 404
        body = b'{"status": "fine"}' if status == 200 else b"no such page"
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def activity(provider: dict, **more: object) -> dict:
    return {"chaostoolkit": {"type": "action", "provider": provider, **more}}


def test_a_process_provider_step_gets_its_args_as_configuration(tmp_path: Path):
    say = {"type": "process", "path": "sh", "arguments": ["-c", "echo ${greeting} from ctk"]}
    target = system_target(tmp_path, actions={"say": activity(say)})
    result = target.run_action("say", {"greeting": "hello"}, timeout_s=30)
    assert (result.ok, result.error, result.output) == (True, None, "hello from ctk\n")


def test_a_process_provider_that_exits_non_zero_fails_the_step(tmp_path: Path):
    fail = {"type": "process", "path": "sh", "arguments": "-c 'echo oops >&2; exit 4'"}
    target = system_target(tmp_path, actions={"fail": activity(fail)})
    result = target.run_action("fail", {}, timeout_s=30)
    assert (result.ok, result.error, result.output) == (False, "exit status 4", "oops\n")


def test_an_http_provider_step_succeeds_within_its_tolerance(tmp_path: Path, web: str):
    health = {"type": "http", "url": f"{web}/health"}
    missing = {"type": "http", "url": f"{web}/missing"}
    target = system_target(
        tmp_path,
        actions={
            "health": activity(health, tolerance=200),
            "missing": activity(missing),
            "missing-expected": activity(missing, tolerance=404),
        },
    )
    ok = target.run_action("health", {}, timeout_s=30)
    assert (ok.ok, ok.output) == (True, 'HTTP 200\n{"status": "fine"}')
    failed = target.run_action("missing", {}, timeout_s=30)
    assert (failed.ok, failed.error) == (False, "HTTP 404")
    assert target.run_action("missing-expected", {}, timeout_s=30).ok


def test_a_python_provider_step_runs_a_function_from_the_system_folder(tmp_path: Path):
    (tmp_path / "checks.py").write_text(CHECKS_MODULE)
    count = {
        "type": "python",
        "module": "checks",
        "func": "count_words",
        "arguments": {"text": "${sentence}"},
    }
    fail = {"type": "python", "module": "checks", "func": "fail", "arguments": {"reason": "no"}}
    target = system_target(
        tmp_path,
        configuration={"unit": "words"},
        actions={"count": activity(count), "fail": activity(fail)},
    )
    result = target.run_action("count", {"sentence": "one two three"}, timeout_s=30)
    assert (result.ok, result.output) == (True, '{"words": 3, "unit": "words"}')
    failed = target.run_action("fail", {}, timeout_s=30)
    assert not failed.ok
    assert failed.error == "chaostoolkit: RuntimeError: no"


@pytest.mark.waits
def test_a_hanging_python_activity_is_killed_at_its_timeout(tmp_path: Path):
    (tmp_path / "checks.py").write_text(CHECKS_MODULE)
    hang = {"type": "python", "module": "checks", "func": "hang"}
    target = system_target(tmp_path, actions={"hang": {**activity(hang), "timeout": "1s"}})
    result = target.run_action("hang", {}, timeout_s=120)
    assert not result.ok
    assert "timed out" in result.error
    assert result.duration_s < 10


def test_secrets_come_from_the_environment_and_never_appear_in_an_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GUESTBOOK_TOKEN", "s3cr3t-t0ken/+")
    (tmp_path / "checks.py").write_text(CHECKS_MODULE)
    whoami = {"type": "python", "module": "checks", "func": "whoami", "secrets": ["app"]}
    target = system_target(
        tmp_path,
        secrets={"app": {"token": {"type": "env", "key": "GUESTBOOK_TOKEN"}}},
        actions={"whoami": activity(whoami)},
    )
    result = target.run_action("whoami", {}, timeout_s=30)
    assert (result.ok, result.output) == (True, "token is ****")


def test_a_missing_secret_is_one_clear_error_when_the_target_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from bookstore_resil.errors import TargetError

    monkeypatch.delenv("GUESTBOOK_TOKEN", raising=False)
    say = {"type": "process", "path": "true"}
    with pytest.raises(TargetError, match="environment key that does not exist: GUESTBOOK_TOKEN"):
        system_target(
            tmp_path,
            secrets={"app": {"token": {"type": "env", "key": "GUESTBOOK_TOKEN"}}},
            actions={"say": activity(say)},
        )


def test_a_probe_is_up_only_within_its_tolerance(tmp_path: Path, web: str):
    # 30 s, not the default second: a loaded machine can take longer than that to answer,
    # and a probe that timed out would read down whatever its tolerance.
    probes = [
        {
            "name": "web",
            "timeout": "30s",
            "chaostoolkit": {
                "type": "probe",
                "tolerance": 200,
                "provider": {"type": "http", "url": f"{web}/health"},
            },
        },
        {
            "name": "page",
            "timeout": "30s",
            "chaostoolkit": {
                "type": "probe",
                "tolerance": 200,
                "provider": {"type": "http", "url": f"{web}/missing"},
            },
        },
        {
            "name": "json",
            "timeout": "30s",
            "chaostoolkit": {
                "type": "probe",
                "provider": {"type": "http", "url": f"{web}/health"},
                "tolerance": {
                    "type": "jsonpath",
                    "path": "$.status",
                    "expect": "fine",
                    "target": "body",
                },
            },
        },
        {
            "name": "gone",
            "timeout": "30s",
            "chaostoolkit": {
                "type": "probe",
                "tolerance": 200,
                "provider": {"type": "http", "url": "http://127.0.0.1:9/"},
            },
        },
    ]
    target = system_target(tmp_path, probes=probes)
    answers = {probe.name: probe.check() for probe in target.probes()}
    assert {name: a.up for name, a in answers.items()} == {
        "web": True,
        "page": False,
        "json": True,
        "gone": False,
    }
    assert answers["page"].reason and answers["gone"].reason  # why each is down
