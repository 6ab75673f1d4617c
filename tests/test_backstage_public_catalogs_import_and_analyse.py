"""Two public Backstage catalogs nobody on this project wrote, copied unchanged
(tests/fixtures/backstage/janus-idp-showcase/ and harness-idp-samples/, each with its
license and a README naming the commit), import as they are and ``deps`` analyses the
result: a Location of Locations, namespace-less refs, block-scalar descriptions, several
systems, a system no System entity describes, a dangling reference, a Template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bookstore_resil.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "backstage"
JANUS = FIXTURES / "janus-idp-showcase" / "catalog-entities"
HARNESS = FIXTURES / "harness-idp-samples" / "example-catalog-info"
JANUS_RESOURCES = ["pgdb", "argocd", "obc", "keycloak", "github"]


def imported(out: Path) -> dict:
    return yaml.safe_load((out / "system.yaml").read_text(encoding="utf-8"))


def analysed(out: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["deps", "--json", "--data", str(out)]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "how",
    [
        [str(JANUS / "all.yaml")],  # the Location the showcase registers
        [str(JANUS)],  # the folder: its Locations and the files they name, read once
        [str(JANUS), "--entrypoint", "backstage-showcase"],
        [str(JANUS), "--system", "janus-idp"],
    ],
    ids=["location", "folder", "entrypoint", "system"],
)
def test_the_janus_showcase_imports_through_its_locations_and_deps_runs(how, tmp_path, capsys):
    out = tmp_path / "janus"
    assert main(["import-backstage", *how, "--out", str(out), "-q"]) == 0
    system = imported(out)
    assert (system["system"], system["entrypoint"]) == ("Janus-IDP", "backstage-showcase")
    services = {s["id"]: s for s in system["services"]}
    assert list(services) == ["backstage-showcase", *JANUS_RESOURCES]
    assert services["backstage-showcase"]["depends_on"] == JANUS_RESOURCES
    assert services["pgdb"]["platform"] == "database"
    # `description: |` ends in a line break: the purpose is the line, not a quoted block.
    showcase = services["backstage-showcase"]
    assert showcase["purpose"] == "This is the Janus Community Showcase of Backstage.io"
    assert "purpose: This is the Janus" in (out / "system.yaml").read_text(encoding="utf-8")
    contacts = yaml.safe_load((out / "contacts.yaml").read_text(encoding="utf-8"))["contacts"]
    assert [c["name"] for c in contacts] == ["Janus-IDP Authors", "RHDH team"]
    assert contacts[0]["services"] == list(services)

    analysis = analysed(out, capsys)
    assert set(analysis["services"]) == set(services)
    assert main(["blast-radius", "keycloak", "--json", "--data", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["down"] == ["backstage-showcase"]


def test_the_harness_samples_hold_two_systems_and_each_imports_and_analyses(tmp_path, capsys):
    assert main(["import-backstage", str(HARNESS), "--out", str(tmp_path / "both")]) == 2
    assert capsys.readouterr().err.strip() == (
        "bookstore-resil: error: the catalog holds several systems: system:default/project-x "
        "(3 services), system:default/platform (1 services); choose one with --system"
    )
    assert not (tmp_path / "both").exists()

    platform = tmp_path / "platform"
    argv = ["import-backstage", str(HARNESS), "--system", "platform", "--out", str(platform)]
    assert main(argv) == 0
    assert imported(platform)["system"] == "platform"
    assert [s["id"] for s in imported(platform)["services"]] == ["user-service"]
    assert set(analysed(platform, capsys)["services"]) == {"user-service"}

    # project-x has components but no System entity; FoodService keeps its name, its id is
    # a plain one.
    project = tmp_path / "project-x"
    argv = ["import-backstage", str(HARNESS), "--system", "project-x", "--out", str(project)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "skipped 1 Template (not imported): template:default/new-application" in err
    assert (
        f"{HARNESS / 'harness-ci-cd-plugin-demo.yaml'}:1: spec.dependsOn[0]: "
        "resource:default/artists-db is not in the catalog read" in err
    )
    assert "entrypoint: TODO: cannot tell it among the components nothing depends on" in err
    system = imported(project)
    names = {s["id"]: s["name"] for s in system["services"]}
    assert names == {
        "commission-document-service": "commission-document-service",
        "foodservice": "FoodService",
        "warehouse": "warehouse",
    }
    assert system["entrypoint"] == "TODO"
    assert set(analysed(project, capsys)["services"]) == set(names)
