"""import-chaostoolkit on Chaos Toolkit's own published experiments (tests/fixtures/chaostoolkit,
see its README): the hypothesis's probes become probes with their tolerances, the method a
fault and steps, the rollbacks the rollback procedure, title and description the scenario's;
target.yaml keeps its comments; a file that is no experiment is refused, nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from bookstore_resil.cli import main
from bookstore_resil.define.chaostoolkit_import import SystemFacts, convert, read_experiment
from bookstore_resil.define.incomplete import load_incomplete
from bookstore_resil.define.target_file import load_target_file
from bookstore_resil.workbook.init import init_workbook
from tests.dependency_builders import BOOKSTORE

FIXTURES = Path(__file__).parent / "fixtures" / "chaostoolkit"
EXPERIMENTS = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".json", ".yaml"))
BROKEN = Path(__file__).parent / "broken-chaostoolkit"
MISTAKES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
PROCEDURES = ("recovery_procedure", "test_procedure", "rollback_procedure")


@pytest.fixture
def bookstore(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BOOKSTORE, tmp_path / "bookstore"))


def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def experiment_of(name: str) -> dict:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)


def import_into(folder: Path, name: str, *options: str) -> tuple[dict, dict]:
    assert main(["import-chaostoolkit", str(FIXTURES / name), "--data", str(folder), *options]) == 0
    before = {p.name for p in (BOOKSTORE / "playbooks").iterdir()}
    written = [p for p in (folder / "playbooks").iterdir() if p.name not in before]
    return load(written[-1]), load(folder / "target.yaml")


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_a_published_experiment_becomes_a_scenario_and_its_activities(bookstore, name, capsys):
    experiment = experiment_of(name)
    scenario, target = import_into(bookstore, name)
    err = capsys.readouterr().err.splitlines()
    assert all(line.startswith("bookstore-resil: note: ") for line in err), err
    assert load_target_file(bookstore).probes  # the system target reads what was written
    assert scenario["title"] == experiment["title"]
    assert scenario["description"] == experiment["description"]
    sections = {
        "probes": experiment.get("steady-state-hypothesis", {}).get("probes", []),
        "method": experiment["method"],
        "rollbacks": experiment.get("rollbacks", []),
    }
    named = {a["name"]: a for items in sections.values() for a in items if "ref" not in a}
    resolved = {
        section: [named[a["ref"]] if "ref" in a else a for a in items]
        for section, items in sections.items()
    }
    # the hypothesis: probes with their tolerances, and the test procedure
    assert [p["chaostoolkit"] for p in target["probes"]] == resolved["probes"]
    assert all("tolerance" in p["chaostoolkit"] for p in target["probes"])
    assert [s["id"] for s in scenario["test_procedure"]] == [a["name"] for a in resolved["probes"]]
    # the method: its first action the fault, the rest the recovery steps, in order
    fault = next(a for a in resolved["method"] if a["type"] == "action")
    assert target["faults"][scenario["fault"]] == {"chaostoolkit": fault}
    rest = [a for a in resolved["method"] if a is not fault]
    assert [s["action"]["name"] for s in scenario["recovery_procedure"]] == [
        a["name"] for a in rest
    ]
    # the rollbacks: the rollback procedure, run when an exercise ends unrecovered
    assert [s["action"]["name"] for s in scenario.get("rollback_procedure", [])] == [
        a["name"] for a in resolved["rollbacks"]
    ]
    assert "resume_procedure" not in scenario
    for procedure in PROCEDURES:
        for step in scenario.get(procedure, []):
            assert (
                target["actions"][step["action"]["name"]]["chaostoolkit"]["name"]
                == (step["action"]["name"])
            )
    assert (scenario["rto"], scenario["rpo"], scenario["leads"]) == (
        "TODO",
        "TODO",
        {"primary": "TODO"},
    )


def test_the_tutorial_in_json_and_in_yaml_gives_the_same_scenario():
    shapes = []
    for name in ("getting-started-experiment.json", "getting-started-experiment.yaml"):
        conversion = convert(read_experiment(FIXTURES / name), SystemFacts(), source=name)
        scenario = conversion.scenario
        shapes.append(
            (
                scenario["id"],
                scenario["fault"],
                [[s["id"] for s in scenario.get(p, [])] for p in PROCEDURES],
                [(p["name"], p["chaostoolkit"]["tolerance"]) for p in conversion.probes],
            )
        )
    assert shapes[0] == shapes[1]
    assert shapes[0][1] == "swap-to-expired-cert"
    assert shapes[0][3] == [
        ("the-astre-service-must-be-running", True),
        ("the-sunset-service-must-be-running", True),
        ("we-can-request-sunset", 200),
    ]


def test_probes_are_named_for_the_services_they_watch_and_one_is_user_facing():
    facts = SystemFacts(services={"sunset": True, "astre": True}, entrypoint="sunset")
    experiment = read_experiment(FIXTURES / "getting-started-experiment.json")
    probes = convert(experiment, facts, source="e.json").probes
    assert [(p["name"], p.get("user_facing", False)) for p in probes] == [
        ("astre", False),
        ("sunset", False),
        ("we-can-request-sunset", True),  # the HTTP one: what a user would see
    ]


def test_a_probe_option_names_the_service_a_probe_watches(bookstore, capsys):
    astre, sunset, request = (
        "the-astre-service-must-be-running",
        "the-sunset-service-must-be-running",
        "we-can-request-sunset",
    )
    options = ["--probe", f"{astre}=database", "--probe", f"{request}=api"]
    _, target = import_into(bookstore, "getting-started-experiment.json", *options)
    probes = {p["name"]: p for p in target["probes"]}
    assert probes["database"]["chaostoolkit"]["name"] == astre
    assert probes["api"]["chaostoolkit"]["name"] == request
    # The entrypoint's probe is what users see: no other is marked for them.
    assert not any(p.get("user_facing") for p in probes.values())
    assert f"rename it, or import with --probe {sunset}=SERVICE" in capsys.readouterr().err
    assert load_target_file(bookstore).probes


@pytest.mark.parametrize(
    "probes, message",
    [
        (["nope=api"], "--probe nope=api: no probe of the steady-state hypothesis (the-astre"),
        (["we-can-request-sunset=search"], "unknown service (known: api, database, cdn)"),
        (
            ["we-can-request-sunset=api", "the-astre-service-must-be-running=api"],
            "--probe: service api given twice (one probe a service)",
        ),
        (
            ["we-can-request-sunset=api", "we-can-request-sunset=cdn"],
            "--probe: probe we-can-request-sunset given twice (one service a probe)",
        ),
    ],
    ids=["unknown-probe", "unknown-service", "service-twice", "probe-twice"],
)
def test_a_probe_option_naming_nothing_known_is_refused_before_writing(
    bookstore, capsys, probes, message
):
    target = "environment: staging\nprobes:\n  - {name: cdn, tcp: {host: 127.0.0.1, port: 9}}\n"
    (bookstore / "target.yaml").write_text(target, encoding="utf-8")
    argv = ["import-chaostoolkit", str(FIXTURES / "getting-started-experiment.json")]
    argv += ["--data", str(bookstore), *[f"--probe={p}" for p in probes]]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and message in err[0], err
    assert (bookstore / "target.yaml").read_text(encoding="utf-8") == target
    assert len(list((bookstore / "playbooks").iterdir())) == len(
        list((BOOKSTORE / "playbooks").iterdir())
    )


def test_a_probe_option_may_name_a_service_target_yaml_probes_already(bookstore, capsys):
    target = "environment: staging\nprobes:\n  - {name: cdn, tcp: {host: 127.0.0.1, port: 9}}\n"
    (bookstore / "target.yaml").write_text(target, encoding="utf-8")
    request = "we-can-request-sunset"
    scenario, written = import_into(
        bookstore, "getting-started-experiment.json", f"--probe={request}=cdn"
    )
    cdn = [p for p in written["probes"] if p["name"] == "cdn"]
    assert cdn == [{"name": "cdn", "tcp": {"host": "127.0.0.1", "port": 9}}]
    assert request not in [p.get("chaostoolkit", {}).get("name") for p in written["probes"]]
    assert request in [s["id"] for s in scenario["test_procedure"]]
    assert (
        f"note: probe '{request}' watches 'cdn', which target.yaml probes already: it is a step "
        "of the test procedure, not a second probe" in capsys.readouterr().err
    )
    assert load_target_file(bookstore).probes


def test_a_rollback_that_repeats_a_method_step_gets_its_own_step_id():
    experiment = read_experiment(FIXTURES / "getting-started-experiment.json")
    scenario = convert(experiment, SystemFacts(), source="e.json").scenario
    ids = [s["id"] for p in PROCEDURES for s in scenario.get(p, [])]
    assert len(ids) == len(set(ids))
    assert "restart-astre-service-to-pick-up-certificate-2" in ids


def test_the_imported_system_is_analysed_and_validate_lists_what_to_fill_in(bookstore, capsys):
    import_into(bookstore, "learning-chaos-engineering-chapter5.json", "--lead", "Bob")
    capsys.readouterr()
    assert main(["deps", "--data", str(bookstore)]) == 0
    assert "rto: cannot read 'TODO'" in capsys.readouterr().err
    assert main(["validate", "--data", str(bookstore)]) == 2
    assert "rto: cannot read 'TODO' as a duration" in capsys.readouterr().err
    scenario = next(
        s for s in load_incomplete(bookstore).system.scenarios if s.title.startswith("Does our")
    )
    assert (scenario.leads.primary, scenario.service, scenario.playbook) == (
        "Bob",
        "api",
        "disaster-recovery",
    )


def test_service_and_id_options_choose_the_scenario(bookstore):
    scenario, _ = import_into(
        bookstore, "kubernetes-kill-pods.json", "--service", "database", "--id", "pods-die"
    )
    assert (scenario["id"], scenario["service"], scenario["playbook"]) == (
        "pods-die",
        "database",
        "critical-dependency",
    )
    assert (bookstore / "playbooks" / "pods-die.yaml").is_file()


@pytest.mark.parametrize(
    "option, message",
    [
        (["--service", "search"], "unknown service 'search' (known: api, database, cdn)"),
        (["--lead", "Carol"], "--lead 'Carol': no such contact (known: Alice, Bob, Christina)"),
        (["--id", "Pods Die"], "--id 'Pods Die': expected a plain name ([a-z0-9-])"),
    ],
)
def test_an_option_naming_nothing_known_is_refused(bookstore, capsys, option, message):
    argv = ["import-chaostoolkit", str(FIXTURES / "kubernetes-kill-pods.json")]
    assert main([*argv, "--data", str(bookstore), *option]) == 2
    assert capsys.readouterr().err == f"bookstore-resil: error: {message}\n"
    assert not (bookstore / "target.yaml").exists()


def test_configuration_goes_to_target_yaml_as_it_is(bookstore):
    _, target = import_into(bookstore, "kubernetes-kill-pods.json")
    assert target["configuration"] == experiment_of("kubernetes-kill-pods.json")["configuration"]


def test_comments_of_an_existing_target_yaml_are_kept(tmp_path, capsys):
    made = init_workbook(tmp_path / "wb", "blank")
    before = (made.system / "target.yaml").read_text(encoding="utf-8")
    comments = [line.strip() for line in before.splitlines() if line.strip().startswith("#")]
    assert main(["import-chaostoolkit", str(FIXTURES / "kubernetes-kill-pods.json"),
                 "--data", str(made.system), "--lead", "Facilitator"]) == 0  # fmt: skip
    after = (made.system / "target.yaml").read_text(encoding="utf-8")
    assert all(comment in after for comment in comments)
    target = load(made.system / "target.yaml")
    assert [p["name"] for p in target["probes"]][:2] == ["app", "database"]
    assert "terminate-pods" in target["faults"] and "app-stopped" in target["faults"]
    assert main(["deps", "--data", str(made.system)]) == 0


def test_importing_twice_is_refused_and_changes_nothing(bookstore, capsys):
    import_into(bookstore, "kubernetes-kill-pods.json")
    capsys.readouterr()
    target = (bookstore / "target.yaml").read_text(encoding="utf-8")
    argv = ["import-chaostoolkit", str(FIXTURES / "kubernetes-kill-pods.json")]
    assert main([*argv, "--data", str(bookstore)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "exists; give another --id" in err[0]
    assert (bookstore / "target.yaml").read_text(encoding="utf-8") == target


def test_an_activity_that_clashes_with_target_yaml_is_refused_before_writing(bookstore, capsys):
    (bookstore / "target.yaml").write_text(
        "environment: staging\nprobes:\n  - {name: api, http: {url: 'http://127.0.0.1:1/'}}\n"
        "faults:\n  terminate-pods: kubectl delete pod -l app=shop\n",
        encoding="utf-8",
    )
    argv = ["import-chaostoolkit", str(FIXTURES / "kubernetes-kill-pods.json")]
    assert main([*argv, "--data", str(bookstore)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{bookstore / 'target.yaml'}:5: faults.terminate-pods: exists with other content; "
        "rename it in the experiment or here"
    ]
    assert sorted(p.name for p in (bookstore / "playbooks").iterdir()) == sorted(
        p.name for p in (BOOKSTORE / "playbooks").iterdir()
    )


@pytest.mark.parametrize(
    "text, line",
    [
        ("environment: staging\nprobes: [\n", "target.yaml:3: (yaml): invalid YAML: "),
        ("environment: staging\nprobes: {api: up}\n", "target.yaml:2: probes: expected a list"),
        ("- just a list\n", "target.yaml:1: (document): expected a mapping"),
    ],
)
def test_a_target_yaml_that_cannot_be_edited_is_one_line(bookstore, capsys, text, line):
    (bookstore / "target.yaml").write_text(text, encoding="utf-8")
    argv = ["import-chaostoolkit", str(FIXTURES / "kubernetes-kill-pods.json")]
    assert main([*argv, "--data", str(bookstore)]) == 2
    [error] = capsys.readouterr().err.splitlines()
    assert error.startswith(f"{bookstore}/{line}")
    assert (bookstore / "target.yaml").read_text(encoding="utf-8") == text


def test_a_secret_written_as_a_value_is_noted(bookstore):
    experiment = read_experiment(FIXTURES / "kubernetes-kill-pods.json")
    experiment["secrets"] = {"k8s": {"KUBE_TOKEN": "abc", "CA": {"type": "env", "key": "KUBE_CA"}}}
    experiment["method"][0]["secrets"] = ["k8s"]
    notes = convert(experiment, SystemFacts(), source="e.json").notes
    assert [n for n in notes if "secret" in n] == [
        "secret k8s.KUBE_TOKEN is written as it is in the experiment; prefer {type: env, key: NAME}"
    ]


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_file_that_is_no_experiment_is_refused_naming_file_line_field(
    mistake, bookstore, capsys, monkeypatch
):
    folder = BROKEN / mistake
    given = next(p.name for p in folder.iterdir() if p.name != "expected.txt")
    monkeypatch.chdir(folder)
    assert main(["import-chaostoolkit", given, "--data", str(bookstore)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == (folder / "expected.txt").read_text().splitlines()
    assert not (bookstore / "target.yaml").exists()


def test_not_an_experiment_is_one_line():
    lines = (BROKEN / "kubernetes-manifest-not-an-experiment" / "expected.txt").read_text()
    assert lines.count("\n") == 1 and "not a Chaos Toolkit experiment" in lines
