"""``validate`` checks a system folder's ``target.yaml``: every problem at once, each as
``FILE:LINE: field: message``, first the file's own shape, then what it says against the
system (probes named for services, the faults and actions the playbooks name, the
arguments their placeholders need). The Guestbook example validates as shipped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bookstore_resil.define.target_file import load_target_file
from bookstore_resil.errors import DefinitionError

GUESTBOOK = Path(__file__).parents[1] / "data" / "guestbook"

BAD_SHAPE = """\
environment: staging
interval: 5
sustain: 2d
probes:
  - name: web
    http: {url: "ftp://x", status: 200}
  - name: store
    tcp: {host: 127.0.0.1, port: 70000}
  - name: web
    run: test -f x
    tcp: {host: h, port: 1}
  - name: store
    chaostoolkit: {type: probe, provider: {type: process}}
canary:
  write: echo {seq}
actions:
  health: {http: {url: "http://x/"}, colour: red}
  restart-web: {run: start, timeout: 0s}
  list-entries: {}
"""

SHAPE_PROBLEMS = [
    "target.yaml:2: interval: expected a duration with a unit such as '12h', got 5",
    "target.yaml:3: sustain: a wait must be under a day, got 2d",
    "target.yaml:6: probes[0].http.url: expected an http:// or https:// address, got 'ftp://x'",
    "target.yaml:8: probes[1].tcp.port: Input should be less than or equal to 65535",
    "target.yaml:9: probes[2]: give exactly one of run, http, tcp, chaostoolkit (got run and tcp)",
    "target.yaml:13: probes[3].chaostoolkit.provider: a process provider needs path",
    "target.yaml:14: canary.read: missing",
    "target.yaml:17: actions.health.colour: unknown key",
    "target.yaml:18: actions.restart-web.timeout: duration '0s' must be positive",
    "target.yaml:19: actions.list-entries: give exactly one of run, http, tcp, chaostoolkit"
    " (got none)",
]

BAD_AGAINST_SYSTEM = """\
environment: staging
probes:
  - name: web
    http: {url: "http://127.0.0.1:1/health"}
  - name: nowhere
    tcp: {host: 127.0.0.1, port: 7000}
  - name: web
    run: test -f x
  - name: users
    run: "curl {page}"
    user_facing: true
  - name: store
    user_facing: true
    tcp: {host: 127.0.0.1, port: 7001}
canary:
  write: echo {seq} {when}
  read: cat x
faults:
  web-killed: "kill {pid}"
actions:
  health: {http: {url: "http://x/"}}
  pause: sleep {second}
  restart-web: {run: start}
  restore-store: "true"
  list-entries: {http: {url: "http://x/entries"}}
  store-status: test -s run/guestbook.db
"""

SYSTEM_PROBLEMS = [
    "playbooks/store-lost.yaml:10: fault: no fault 'store-lost' in target.yaml"
    " (known: web-killed, manual)",
    "playbooks/web-crash.yaml:28: recovery_procedure[1].action.args: action 'pause' needs"
    " args: second",
    "target.yaml:5: probes[1].name: unknown service 'nowhere' (store, web)",
    "target.yaml:7: probes[2].name: duplicate probe 'web'",
    "target.yaml:10: probes[3].run: a probe has no arguments for placeholders",
    "target.yaml:13: probes[4].user_facing: only one probe can be user-facing",
    "target.yaml:16: canary.write: unknown placeholder when (seq, run)",
    "target.yaml:19: faults.web-killed: a fault has no arguments for placeholders",
]


def validate(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", "validate", "--data", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def guestbook(tmp_path: Path) -> Path:
    folder = tmp_path / "guestbook"
    shutil.copytree(GUESTBOOK, folder, ignore=shutil.ignore_patterns("run"))
    return folder


def test_the_guestbook_validates_with_its_target_yaml():
    result = validate(GUESTBOOK)
    assert (result.returncode, result.stderr) == (0, "")
    assert "valid: Guestbook, 2 services" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [(BAD_SHAPE, SHAPE_PROBLEMS), (BAD_AGAINST_SYSTEM, SYSTEM_PROBLEMS)],
    ids=["its-own-shape", "against-the-system"],
)
def test_validate_reports_every_target_yaml_problem_on_its_line(
    guestbook: Path, content: str, expected: list[str]
):
    (guestbook / "target.yaml").write_text(content, encoding="utf-8")
    result = validate(guestbook)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == expected


def test_a_folder_without_target_yaml_is_valid_and_the_system_target_says_what_is_missing(
    guestbook: Path,
):
    (guestbook / "target.yaml").unlink()
    assert validate(guestbook).returncode == 0
    with pytest.raises(DefinitionError, match=r"target.yaml:0: \(file\): missing"):
        load_target_file(guestbook)


def test_environment_is_required_so_nobody_drills_production_by_omission(guestbook: Path):
    text = (guestbook / "target.yaml").read_text(encoding="utf-8")
    (guestbook / "target.yaml").write_text(text.replace("environment: staging\n", ""))
    result = validate(guestbook)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "target.yaml:5: environment: missing"
    ]  # the mapping starts below the comments
