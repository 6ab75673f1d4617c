"""import-chaostoolkit on an experiment that uses what a game day does otherwise: the fault is
the first method action not run in the background (or ``--fault``); background activities,
pauses, controls, contributions and extensions each get a note saying what became of them;
secrets no kept activity uses stay out; URLs are checked; rollbacks become the rollback
procedure; the lines of target.yaml the import does not change stay byte for byte; and
nothing is written through a link out of the system folder."""

from __future__ import annotations

import difflib
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from bookstore_resil.cli import main
from bookstore_resil.define.incomplete import load_incomplete
from tests.dependency_builders import BOOKSTORE


def process(name: str, path: str, **extra: object) -> dict:
    return {"type": "action", "name": name, "provider": {"type": "process", "path": path}, **extra}


EXPERIMENT = {
    "title": "The shop survives losing its API pod under load",
    "description": "A description long enough that a dumper folding lines at a hundred "
    "characters would wrap it onto a second line of the playbook, which it must not do.",
    "contributions": {"availability": "high", "reliability": "medium"},
    "extensions": [{"name": "chaosiq", "experiment_id": "x"}],
    "controls": [
        {
            "name": "tracing",
            "provider": {"type": "python", "module": "chaostracing.control"},
            "secrets": ["tracing"],
        }
    ],
    "secrets": {
        "tracing": {"token": {"type": "env", "key": "TRACE_TOKEN"}},
        "k8s": {"token": {"type": "env", "key": "KUBE_TOKEN"}},
    },
    "steady-state-hypothesis": {
        "title": "The API answers",
        "probes": [
            {
                "type": "probe",
                "name": "api-must-answer",
                "tolerance": 200,
                "provider": {"type": "http", "url": "http://127.0.0.1:8000/health"},
            }
        ],
    },
    "method": [
        process("generate-load", "hey", background=True),
        process("kill-api-pod", "kubectl", secrets=["k8s"], pauses={"after": 5}),
        process("scale-api", "kubectl", controls=[{"name": "slack-notify"}]),
    ],
    "rollbacks": [process("restore-api", "kubectl")],
}


@pytest.fixture
def bookstore(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BOOKSTORE, tmp_path / "bookstore"))


def run(tmp_path: Path, folder: Path, experiment: dict, *options: str) -> int:
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps(experiment, indent=2), encoding="utf-8")
    return main(["import-chaostoolkit", str(path), "--data", str(folder), *options])


def written(folder: Path) -> dict:
    return yaml.safe_load(
        (folder / "playbooks" / "the-shop-survives-losing-its-api-pod-under-load.yaml").read_text()
    )


def test_the_fault_is_the_first_action_not_in_the_background(bookstore, tmp_path, capsys):
    assert run(tmp_path, bookstore, EXPERIMENT) == 0
    scenario = written(bookstore)
    assert scenario["fault"] == "kill-api-pod"
    assert [s["id"] for s in scenario["recovery_procedure"]] == ["generate-load", "scale-api"]
    notes = [
        line.removeprefix("bookstore-resil: note: ")
        for line in capsys.readouterr().err.splitlines()
    ]
    assert notes == [
        "activity 'generate-load' runs in the background in the experiment; here it is step "
        "'generate-load', run in turn (start it by hand before the fault if it must run alongside)",
        "activity 'kill-api-pod' pauses (after 5s): not kept; the next step starts when it is "
        "done, so wait by hand where the pause matters",
        "control 'slack-notify' of activity 'scale-api': not imported (a game day runs no Chaos "
        "Toolkit controls)",
        "control 'tracing': not imported (a game day runs no Chaos Toolkit controls)",
        "contributions: kept as a line of the scenario's overview",
        "extension 'chaosiq': not imported (the scenario has no place for it)",
        "secrets 'tracing': used by no imported activity, not imported",
    ]
    assert (
        "Chaos Toolkit contributions: availability high, reliability medium" in scenario["overview"]
    )
    target = yaml.safe_load((bookstore / "target.yaml").read_text())
    assert target["secrets"] == {"k8s": {"token": {"type": "env", "key": "KUBE_TOKEN"}}}
    # Not re-wrapped: the description is one line of the playbook.
    text = (
        bookstore / "playbooks" / "the-shop-survives-losing-its-api-pod-under-load.yaml"
    ).read_text()
    assert f"description: {EXPERIMENT['description']}\n" in text


def test_fault_option_chooses_the_action(bookstore, tmp_path, capsys):
    assert run(tmp_path, bookstore, EXPERIMENT, "--fault", "scale-api") == 0
    scenario = written(bookstore)
    assert scenario["fault"] == "scale-api"
    assert [s["id"] for s in scenario["recovery_procedure"]] == ["generate-load", "kill-api-pod"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nope", "--fault nope: no activity of the method, not one of its actions"),
        ("api-must-answer", "--fault api-must-answer: no activity of the method, not one of"),
    ],
)
def test_fault_option_naming_no_method_action_is_refused(
    bookstore, tmp_path, capsys, name, message
):
    assert run(tmp_path, bookstore, EXPERIMENT, "--fault", name) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"bookstore-resil: error: {message}")
    assert not (bookstore / "target.yaml").exists()


def test_rollbacks_become_the_rollback_procedure_of_automated_steps(bookstore, tmp_path):
    assert run(tmp_path, bookstore, EXPERIMENT) == 0
    scenario = next(
        s for s in load_incomplete(bookstore).system.scenarios if s.id.startswith("the-shop")
    )
    assert [(s.id, s.action.name) for s in scenario.rollback_procedure] == [
        ("restore-api", "restore-api")
    ]
    assert scenario.resume_procedure == []


@pytest.mark.parametrize("url", ["http://http://x", "http//127.0.0.1:8000/", "http://x:99999/"])
def test_a_malformed_url_is_refused_naming_its_line(bookstore, tmp_path, capsys, url):
    experiment = json.loads(json.dumps(EXPERIMENT))
    experiment["steady-state-hypothesis"]["probes"][0]["provider"]["url"] = url
    assert run(tmp_path, bookstore, experiment) == 2
    [line] = capsys.readouterr().err.splitlines()
    path = tmp_path / "experiment.json"
    line_of_url = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if '"url"' in text
    )
    assert line == (
        f"{path}:{line_of_url}: steady-state-hypothesis.probes[0].provider.url: "
        f"{url!r}: expected a URL, http(s)://HOST[:PORT][/PATH]"
    )


TARGET = (
    "# Our shop, as we keep it.\n"
    "environment: staging\n"
    "probes:\n"
    "-   name: api    # the API, through the router\n"
    '    http: {url: "http://127.0.0.1:8000/health", status: 200}\n'
    "faults:\n"
    '    api-lost: "kubectl delete pod -l app=api --namespace shop --grace-period 0 --force '
    '--wait=false --ignore-not-found"\n'  # longer than a hundred characters: not re-wrapped
)


def test_lines_the_import_did_not_change_stay_byte_for_byte(bookstore, tmp_path):
    (bookstore / "target.yaml").write_text(TARGET)
    assert run(tmp_path, bookstore, EXPERIMENT) == 0
    after = (bookstore / "target.yaml").read_text().splitlines()
    opcodes = difflib.SequenceMatcher(a=TARGET.splitlines(), b=after).get_opcodes()
    assert {tag for tag, *_ in opcodes} <= {"equal", "insert"}, after


def test_a_target_yaml_or_playbooks_leading_out_of_the_folder_is_refused(
    bookstore, tmp_path, capsys
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target.yaml").write_text("environment: staging\n")
    os.symlink(outside / "target.yaml", bookstore / "target.yaml")
    assert run(tmp_path, bookstore, EXPERIMENT) == 2
    assert "leads outside the system folder" in capsys.readouterr().err
    assert (outside / "target.yaml").read_text() == "environment: staging\n"

    (bookstore / "target.yaml").unlink()
    shutil.rmtree(bookstore / "playbooks")
    os.symlink(outside, bookstore / "playbooks")
    assert run(tmp_path, bookstore, EXPERIMENT) == 2
    assert "leads outside the system folder" in capsys.readouterr().err
    assert sorted(p.name for p in outside.iterdir()) == ["target.yaml"]
    assert not (bookstore / "target.yaml").exists()


def test_quiet_silences_the_notes(bookstore, tmp_path, capsys):
    assert run(tmp_path, bookstore, EXPERIMENT, "-q") == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "note:" not in captured.out
