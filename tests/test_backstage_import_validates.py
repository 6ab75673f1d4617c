"""import-backstage writes a system folder `validate` reads: annotated catalogs round-trip,
missing annotations become defaults that `validate` flags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from bookstore_resil.cli import main
from bookstore_resil.define.backstage import convert, import_backstage, read_catalog
from bookstore_resil.define.loader import load_system
from bookstore_resil.errors import DefinitionError, UsageError
from tests.dependency_builders import BOOKSTORE

CATALOGS = Path(__file__).resolve().parent / "fixtures" / "backstage"


def deps(capsys, folder: Path) -> dict:
    assert main(["deps", "--json", "--data", str(folder)]) == 0
    return json.loads(capsys.readouterr().out)


def test_bookstore_catalog_round_trips_to_the_same_analysis(tmp_path, capsys):
    out = tmp_path / "bookstore"
    assert (
        main(["import-backstage", str(CATALOGS / "bookstore-catalog-info.yaml"), "--out", str(out)])
        == 0
    )
    assert "system.yaml: written" in capsys.readouterr().out
    # the catalog has no playbooks: validate flags each critical service, as intended
    assert main(["validate", "--data", str(out)]) == 2
    assert capsys.readouterr().err.count("has no playbook scenario") == 3
    shutil.copy(BOOKSTORE / "contacts.yaml", out)
    shutil.copytree(BOOKSTORE / "playbooks", out / "playbooks")
    assert main(["validate", "--data", str(out)]) == 0
    capsys.readouterr()
    assert deps(capsys, out) == deps(capsys, BOOKSTORE)
    imported, seed = load_system(out), load_system(BOOKSTORE)
    assert imported.system == seed.system
    assert [s.model_dump() for s in imported.services] == [s.model_dump() for s in seed.services]


def test_fully_annotated_non_critical_catalog_validates_clean(tmp_path, capsys):
    out = tmp_path / "shop"
    import_backstage([CATALOGS / "shop-catalog-info.yaml"], out)
    assert main(["validate", "--data", str(out)]) == 0
    system = load_system(out)
    storefront = system.service("storefront")
    assert system.entrypoint == "storefront"
    assert [(e.service, e.critical, e.degraded) for e in storefront.depends_on] == [
        ("search", False, "no full-text search; browsing by category still works"),
        ("reviews-db", False, "reviews are hidden"),
    ]
    # dependencyOf on reviews_db is the inverse edge search -> reviews-db
    assert [e.service for e in system.service("search").depends_on] == ["reviews-db"]


def test_missing_annotations_become_defaults_that_validate_flags(tmp_path, capsys):
    out = tmp_path / "bare"
    import_backstage([CATALOGS / "bare-catalog-info.yaml"], out)
    assert main(["validate", "--data", str(out)]) == 2
    problems = capsys.readouterr().err.strip().splitlines()
    durations = [p for p in problems if "cannot read 'TODO' as a duration" in p]
    assert {p.split(": ")[1] for p in durations} == {
        "services[0].rto",
        "services[0].rpo",
        "services[1].rto",
        "services[1].rpo",
    }
    # In the same run: what else is left to write (the playbooks of the critical services).
    rest = [p for p in problems if p not in durations]
    assert rest and all("has no playbook scenario" in p for p in rest)


def test_unreadable_annotations_are_reported_with_file_and_line(tmp_path):
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(
        "kind: Component\n"
        "metadata:\n"
        "  name: web\n"
        "  annotations: {bookstore-resil/rtoo: 1h, bookstore-resil/critical: maybe}\n"
        "spec: {dependsOn: [resource:default/missing-db]}\n"
    )
    with pytest.raises(DefinitionError) as raised:
        convert(read_catalog([catalog]))
    assert [str(p) for p in raised.value.problems] == [
        f"{catalog}:1: metadata.annotations.bookstore-resil/critical: "
        'expected "true" or "false", got \'maybe\'',
        f"{catalog}:1: metadata.annotations.bookstore-resil/rtoo: unknown annotation "
        "(known: entrypoint, critical, criticality-period, rto, rpo, degraded, manual-workaround, "
        "platform, identifier, supports, az, vpc, subnet, endpoint)",
    ]


def test_a_dependency_outside_the_files_read_becomes_a_service_to_fill_in(tmp_path, capsys):
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(
        "kind: Component\nmetadata: {name: web}\nspec: {dependsOn: [resource:default/missing-db]}\n"
    )
    assert main(["import-backstage", str(catalog), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert err == (
        f"bookstore-resil: note: {catalog}:1: spec.dependsOn[0]: resource:default/missing-db "
        "is not in the catalog read: written as a service to fill in\n"
    )
    imported = yaml.safe_load((tmp_path / "out" / "system.yaml").read_text())
    assert [(s["id"], s["purpose"]) for s in imported["services"]] == [
        ("web", ""),
        ("missing-db", "not in the imported catalog"),
    ]
    assert imported["services"][0]["depends_on"] == ["missing-db"]


def test_import_never_overwrites_a_system_folder(tmp_path):
    out = tmp_path / "shop"
    import_backstage([CATALOGS / "shop-catalog-info.yaml"], out)
    with pytest.raises(UsageError, match="exists"):
        import_backstage([CATALOGS / "shop-catalog-info.yaml"], out)
