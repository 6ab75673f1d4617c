"""Backstage's own published example entities (tests/fixtures/backstage/examples/, copied
unchanged) import as catalogs really are, and ``deps`` analyses the result at once: API
relations, Locations, folders, the catalog API's JSON, Groups and Users, namespaces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bookstore_resil.cli import main
from bookstore_resil.define.backstage import convert, import_backstage, read_catalog
from bookstore_resil.errors import UsageError

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "backstage" / "examples"
ARTIST_PORTAL = [
    EXAMPLES / "acme" / "org.yaml",  # a Group and a Location of every group file
    EXAMPLES / "all-resources.yaml",  # a Location of the artists-db Resource
    EXAMPLES / "components" / "artist-lookup-component.yaml",
    EXAMPLES / "components" / "www-artist-component.yaml",
    EXAMPLES / "systems" / "artist-engagement-portal-system.yaml",
]
WAYBACK = sorted((EXAMPLES / "components").glob("wayback-*")) + [EXAMPLES / "apis"]


def load(folder: Path, name: str) -> dict:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))


def edges(system: dict) -> dict[str, list[str]]:
    return {s["id"]: s.get("depends_on", []) for s in system["services"]}


def test_the_artist_portal_imports_across_files_locations_and_groups_then_deps_runs(
    tmp_path, capsys
):
    out = tmp_path / "portal"
    assert main(["import-backstage", *map(str, ARTIST_PORTAL), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"{out / 'system.yaml'}: written: Artist Engagement Portal" in captured.out

    system = load(out, "system.yaml")
    assert (system["system"], system["entrypoint"]) == ("Artist Engagement Portal", "www-artist")
    # consumesApis names the artist-lookup Component; dependsOn the Resource, via a Location.
    assert edges(system) == {
        "artists-db": [],
        "artist-lookup": ["artists-db"],
        "www-artist": ["artist-lookup"],
    }
    assert {(s["rto"], s["rpo"]) for s in system["services"]} == {("TODO", "TODO")}
    assert "critical: true  # TODO: not in the catalog; review" in (out / "system.yaml").read_text()

    contacts = {c["name"]: c for c in load(out, "contacts.yaml")["contacts"]}
    assert contacts["team-a"]["services"] == ["artists-db", "artist-lookup", "www-artist"]
    assert contacts["team-a"]["reports_to"] == "Backstage"
    assert contacts["Backstage"]["reports_to"] == "infrastructure"
    assert contacts["Janelle Dawe"] == {
        "name": "Janelle Dawe",
        "position": "member of team-a",
        "team": "team-a",
        "email": "janelle-dawe@example.com",
        "reports_to": "team-a",
    }
    # The same user in two namespaces: two contacts, told apart by namespace.
    assert {"Guest User (user:default/guest)", "Guest User (user:development/guest)"} <= set(
        contacts
    )

    assert main(["deps", "--json", "--data", str(out)]) == 0
    captured = capsys.readouterr()
    analysis = json.loads(captured.out)
    assert set(analysis["services"]) == {"www-artist", "artist-lookup", "artists-db"}
    assert all(s["critical"] for s in analysis["services"].values())
    assert analysis["services"]["www-artist"]["rto_s"] is None
    assert "TODO" in captured.err  # each unknown objective is a warning
    assert main(["blast-radius", "artists-db", "--json", "--data", str(out)]) == 0
    blast = json.loads(capsys.readouterr().out)
    assert blast["down"] == ["artist-lookup", "www-artist"]
    assert main(["notify", "artists-db", "--json", "--data", str(out)]) == 0
    called = [c["name"] for c in json.loads(capsys.readouterr().out)["contacts"]]
    assert called[:2] == ["team-a", "Backstage"]


def test_consumed_apis_lead_to_their_provider_and_subcomponents_to_their_parent(tmp_path):
    done = import_backstage(WAYBACK, tmp_path / "wayback")
    system = done.conversion.system
    assert system["entrypoint"] == "wayback-search"
    assert edges(system) == {
        "wayback-archive": ["wayback-archive-ingestion", "wayback-archive-storage"],
        "wayback-archive-ingestion": [],
        "wayback-archive-storage": [],
        "wayback-search": ["wayback-archive"],
    }
    # Without the API entities' providers the consumer has no edge, and says so.
    alone = convert(read_catalog([EXAMPLES / "components" / "wayback-search-component.yaml"]))
    assert alone.notes == [
        f"{EXAMPLES / 'components' / 'wayback-search-component.yaml'}:1: spec.consumesApis[0]: "
        "component:default/wayback-search consumes api:default/wayback-archive, which no "
        "Component in the catalog provides: no edge"
    ]


def test_a_whole_folder_is_read_and_spec_system_chooses_what_is_imported(tmp_path, capsys):
    out = tmp_path / "all"
    assert main(["import-backstage", str(EXAMPLES), "--out", str(out)]) == 2
    assert "the catalog holds several systems" in capsys.readouterr().err
    argv = ["import-backstage", str(EXAMPLES), "--system", "artist-engagement-portal"]
    assert main([*argv, "--out", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    # all.yaml's Location names files this copy of the examples leaves out: read as
    # Backstage reads them, a warning each, and the rest ingested.
    assert err == [
        *(
            f"bookstore-resil: note: {EXAMPLES / 'all.yaml'}:1: spec.targets[{i}]: ./{name} "
            f"(from location:default/example-all): no such file, not read"
            for i, name in enumerate(
                [
                    "all-ai-resources.yaml",
                    "all-apis.yaml",
                    "all-components.yaml",
                    "all-domains.yaml",
                ]
            )
        ),
        "bookstore-resil: note: skipped 1 Domain (not imported): domain:default/artists",
        "bookstore-resil: note: left out, as not part of system:default/artist-engagement-portal: "
        "component:default/playback-order, component:default/podcast-api, "
        "component:default/queue-proxy, component:default/wayback-archive, "
        "component:default/wayback-archive-ingestion, component:default/wayback-archive-storage, "
        "component:default/wayback-search",
    ]
    assert load(out, "system.yaml")["system"] == "Artist Engagement Portal"

    with pytest.raises(UsageError, match=r"--system radio: no Component or Resource is part"):
        convert(read_catalog([EXAMPLES]), system="radio")


def test_the_entrypoint_can_be_chosen_and_an_unknown_one_is_todo(tmp_path, capsys):
    catalog = read_catalog(WAYBACK)
    chosen = convert(catalog, entrypoint="wayback-archive")
    assert chosen.system["entrypoint"] == "wayback-archive"
    with pytest.raises(UsageError, match=r"--entrypoint nope: none of the imported services"):
        convert(catalog, entrypoint="nope")

    parts = [
        EXAMPLES / "components" / f"wayback-archive-{p}-component.yaml"
        for p in ("ingestion", "storage")
    ]
    unknown = convert(read_catalog(parts))
    assert unknown.system["entrypoint"] == "TODO"
    assert unknown.notes[-1] == (
        "entrypoint: TODO: cannot tell it among the components nothing depends on "
        "(wayback-archive-ingestion, wayback-archive-storage); choose one with --entrypoint"
    )
    out = tmp_path / "parts"
    import_backstage(parts, out)
    assert main(["deps", "--data", str(out)]) == 0  # analysed from a stand-in, with warnings
    assert "entrypoint" in capsys.readouterr().err


def catalog_api_entities(paths: list[Path]) -> list[dict]:
    """The example entities as the catalog REST API answers them: namespace filled in, and
    the relations it computes from each spec."""
    entities = []
    for path in paths:
        for entity in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if entity["kind"] == "Location":
                continue
            entity["metadata"].setdefault("namespace", "default")
            spec = entity.get("spec", {})
            relations = [
                {"type": kind, "targetRef": f"{target_kind}:default/{ref.split(':')[-1]}"}
                for field, kind, target_kind in (
                    ("dependsOn", "dependsOn", "resource"),
                    ("consumesApis", "consumesApi", "component"),
                )
                for ref in spec.get(field, [])
            ]
            if spec.get("system"):
                relations.append(
                    {"type": "partOf", "targetRef": f"system:default/{spec['system']}"}
                )
            entity["relations"] = relations
            entities.append(entity)
    return entities


@pytest.mark.parametrize("shape", ["list", "items"])
def test_the_catalog_api_json_imports_like_the_files(tmp_path, shape):
    files = [EXAMPLES / "resources" / "artists-db-resource.yaml", *ARTIST_PORTAL[2:]]
    entities = catalog_api_entities(files)
    answer = entities if shape == "list" else {"items": entities, "totalItems": len(entities)}
    (tmp_path / "entities.json").write_text(json.dumps(answer, indent=2))
    from_api = convert(read_catalog([tmp_path / "entities.json"]))
    from_files = convert(read_catalog(files))
    assert from_api.system == from_files.system

    # An entity the API knows only by its computed relations still gets its edges.
    for entity in entities:
        entity["spec"].pop("dependsOn", None)
        entity["spec"].pop("consumesApis", None)
    (tmp_path / "relations.json").write_text(json.dumps(entities))
    assert edges(convert(read_catalog([tmp_path / "relations.json"])).system) == edges(
        from_files.system
    )


def test_duplicates_and_unreadable_entities_name_namespace_and_line(tmp_path):
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(
        "kind: Component\nmetadata: {name: web, namespace: shop}\n---\n"
        "kind: Component\nmetadata: {name: web, namespace: shop}\n---\n"
        "kind: Component\nmetadata: {name: web}\n---\n"
        "kind: Component\nmetadata: {}\n"
    )
    from bookstore_resil.errors import DefinitionError

    with pytest.raises(DefinitionError) as raised:
        convert(read_catalog([catalog]))
    assert [str(p) for p in raised.value.problems] == [
        f"{catalog}:4: metadata.name: component:shop/web is also at {catalog}:1",
        f"{catalog}:10: (entity): needs kind and metadata.name",
    ]
    catalog.write_text(
        "kind: Component\nmetadata: {name: web, namespace: shop}\n---\n"
        "kind: Component\nmetadata: {name: web}\n"
    )
    with pytest.raises(DefinitionError, match="component:default/web and component:shop/web"):
        convert(read_catalog([catalog]))


def test_a_catalog_without_services_writes_nothing(tmp_path):
    with pytest.raises(
        UsageError, match=r"no Component or Resource in the catalog read \(found: Group, User\)"
    ):
        import_backstage([EXAMPLES / "acme" / "team-a-group.yaml"], tmp_path / "out")
    assert not (tmp_path / "out").exists()
