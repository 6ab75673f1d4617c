"""import-backstage reads a catalog as Backstage's own catalog does: ``--entrypoint`` alone
says what to import; a Location target that cannot be read is a warning and the rest is
ingested; targets stay under the catalog's folder; relations are read whether they carry
``targetRef`` or only the ``target`` object; cycles, kind-less and dangling references are
refused at import, naming the entities."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.define.backstage import convert, read_catalog
from bookstore_resil.errors import DefinitionError

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "backstage" / "examples"


def component(name: str, **spec: object) -> str:
    body = json.dumps({"type": "service", "owner": "team-a", **spec})
    return (
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {name}}}\n"
        f"spec: {body}\n"
    )


def resource(name: str) -> str:
    return (
        f"apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {{name: {name}}}\n"
        "spec: {type: database, owner: team-a}\n"
    )


def location(*targets: str) -> str:
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: here}\n"
        f"spec: {{type: file, targets: {json.dumps(list(targets))}}}\n"
    )


def test_the_entrypoint_alone_imports_what_it_reaches_in_backstages_examples(tmp_path, capsys):
    out = tmp_path / "wayback"
    argv = ["import-backstage", str(EXAMPLES), "--entrypoint", "wayback-search"]
    assert main([*argv, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "several systems" not in err
    assert (
        "left out, as not reached from component:default/wayback-search: "
        "resource:default/artists-db, component:default/artist-lookup" in err
    )
    assert main(["deps", "--json", "--data", str(out)]) == 0
    analysis = json.loads(capsys.readouterr().out)
    assert sorted(analysis["services"]) == [
        "wayback-archive",
        "wayback-archive-ingestion",
        "wayback-archive-storage",
        "wayback-search",
    ]


def test_an_unreadable_location_target_is_a_warning_and_the_rest_is_ingested(tmp_path):
    (tmp_path / "web.yaml").write_text(component("web", dependsOn=["resource:db"]))
    (tmp_path / "db.yaml").write_text(resource("db"))
    (tmp_path / "broken.yaml").write_text("kind: Component\nmetadata: [unclosed\n")
    (tmp_path / "catalog-info.yaml").write_text(
        location("./web.yaml", "./missing.yaml", "./broken.yaml", "./db.yaml")
    )
    catalog = read_catalog([tmp_path / "catalog-info.yaml"])
    assert sorted(e.name for e in catalog.entities) == ["db", "web"]
    where = f"{tmp_path / 'catalog-info.yaml'}:1"
    assert catalog.notes[0] == (
        f"{where}: spec.targets[1]: ./missing.yaml (from location:default/here): "
        "no such file, not read"
    )
    assert catalog.notes[1].startswith(
        f"{where}: spec.targets[2]: ./broken.yaml (from location:default/here): "
        f"{tmp_path / 'broken.yaml'}:3: invalid YAML"
    )
    assert catalog.notes[1].endswith(", not read")
    assert len(catalog.notes) == 2


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("../../../../usr/share", "outside the catalog's folder"),
        ("../outside.yaml", "outside the catalog's folder"),
        ("/etc/shadow", "an absolute path"),
        ("/etc/*.conf", "an absolute path"),
        ("../*/outside.yaml", "outside the catalog's folder"),
        ("./link-out/outside.yaml", "outside the catalog's folder"),
        ("./link-out/*.yaml", "outside the catalog's folder"),
        ("./*/outside.yaml", "no file matches"),
    ],
)
def test_location_targets_stay_under_the_catalogs_folder(tmp_path, target, why):
    catalog_dir = tmp_path / "catalog"
    catalog_dir.mkdir()
    (tmp_path / "outside.yaml").write_text(component("outsider"))
    os.symlink(tmp_path, catalog_dir / "link-out")
    (catalog_dir / "web.yaml").write_text(component("web"))
    (catalog_dir / "catalog-info.yaml").write_text(location(target, "./web.yaml"))
    catalog = read_catalog([catalog_dir / "catalog-info.yaml"])
    assert [e.name for e in catalog.entities] == ["web"]
    [note] = catalog.notes
    assert f"spec.targets[0]: {target} (from location:default/here): {why}" in note


def test_a_scanned_folder_does_not_follow_a_link_out(tmp_path):
    catalog_dir = tmp_path / "catalog"
    catalog_dir.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "outside.yaml").write_text(component("outsider"))
    os.symlink(tmp_path / "elsewhere", catalog_dir / "linked")
    (catalog_dir / "web.yaml").write_text(component("web"))
    assert [e.name for e in read_catalog([catalog_dir]).entities] == ["web"]


@pytest.mark.parametrize(
    "target", ["./components/**/*.yaml", "./components/{web,deep/api}.yaml", "components/*/*.yaml"]
)
def test_globs_as_backstage_allows_them_read_inside_the_folder(tmp_path, target):
    (tmp_path / "components" / "deep").mkdir(parents=True)
    (tmp_path / "components" / "web.yaml").write_text(component("web"))
    (tmp_path / "components" / "deep" / "api.yaml").write_text(component("api"))
    (tmp_path / "catalog-info.yaml").write_text(location(target))
    catalog = read_catalog([tmp_path / "catalog-info.yaml"])
    expected = ["api"] if target.startswith("components/*/") else ["api", "web"]
    assert sorted(e.name for e in catalog.entities) == expected
    assert catalog.notes == []


def test_relations_carrying_only_the_target_object_keep_their_edges(tmp_path):
    entities = [
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"type": "service"},
            "relations": [
                {
                    "type": "dependsOn",
                    "target": {"kind": "resource", "namespace": "default", "name": "db"},
                },
                {"type": "dependsOn", "targetRef": "component:default/api"},
            ],
        },
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": "api", "namespace": "default"},
            "spec": {"type": "service"},
        },
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Resource",
            "metadata": {"name": "db", "namespace": "default"},
            "spec": {"type": "database"},
        },
    ]
    (tmp_path / "entities.json").write_text(json.dumps({"items": entities}))
    system = convert(read_catalog([tmp_path / "entities.json"])).system
    web = next(s for s in system["services"] if s["id"] == "web")
    assert web["depends_on"] == ["db", "api"]

    entities[0]["relations"].append({"type": "dependsOn"})
    (tmp_path / "entities.json").write_text(json.dumps({"items": entities}, indent=2))
    with pytest.raises(DefinitionError) as refused:
        convert(read_catalog([tmp_path / "entities.json"]))
    assert [str(p) for p in refused.value.problems] == [
        f"{tmp_path / 'entities.json'}:3: relations.dependsOn: neither targetRef nor target"
    ]


def test_a_dependency_cycle_is_refused_at_import_naming_its_entities(tmp_path):
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(
        "---\n".join(
            [
                component("web", dependsOn=["component:api"]),
                component("api", dependsOn=["component:queue"]),
                component("queue", dependsOn=["component:web"]),
            ]
        )
    )
    with pytest.raises(DefinitionError) as refused:
        convert(read_catalog([catalog]), entrypoint="web")
    assert [str(p) for p in refused.value.problems] == [
        f"{catalog}:1: spec.dependsOn: dependency cycle: component:default/web -> "
        "component:default/api -> component:default/queue -> component:default/web "
        "(a service cannot depend on itself)"
    ]


def test_a_kindless_or_dangling_reference_gets_the_right_message(tmp_path, capsys):
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(
        component("web", dependsOn=["db", "component:db"]) + "---\n" + resource("db")
    )
    assert main(["import-backstage", str(catalog), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{catalog}:1: spec.dependsOn[0]: 'db' has no kind: write component:db or resource:db "
        "(resource:default/db is in the catalog)",
        f"{catalog}:1: spec.dependsOn[1]: component:default/db is not in the catalog read; "
        "resource:default/db is: write that",
    ]
    assert not (tmp_path / "out").exists()
