"""The dependency graph picture: layered top-down from the entrypoint, PNG out, blast radius
coloured, and the Dropdown explorer redraws when another service is picked."""

from __future__ import annotations

from bookstore_resil.analyse import charts, tables
from bookstore_resil.analyse.graph import DependencyGraph
from bookstore_resil.define.loader import load_system
from tests.dependency_builders import BOOKSTORE, service, soft, system


def graph() -> DependencyGraph:
    return DependencyGraph(
        system(
            service("web", "api", soft("search")),
            service("api", "db"),
            service("search", "db"),
            service("db"),
            service("cron", "db"),
        )
    )


def test_layers_are_the_longest_path_from_the_root():
    assert graph().layers() == {"web": 0, "cron": 0, "api": 1, "search": 1, "db": 2}


def test_positions_put_the_entrypoint_first_and_deeper_layers_lower():
    positions = charts.layout(graph())
    assert positions["web"][0] < positions["cron"][0]
    assert positions["web"][1] > positions["api"][1] > positions["db"][1]


def test_the_blast_radius_picture_is_a_png_with_the_state_colours():
    g = graph()
    figure = charts.draw_dependency_graph(g, g.blast_radius(["db"]))
    colours = {
        text.get_text(): text.get_bbox_patch().get_facecolor() for text in figure.axes[0].texts
    }
    from matplotlib.colors import to_rgba

    assert colours["Db"] == to_rgba(charts.STATE_COLOURS["failed"])
    assert colours["Web"] == to_rgba(charts.STATE_COLOURS["down"])
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend[:4] == ["failed", "down", "degraded", "unaffected"]
    assert charts.png_bytes(figure).startswith(b"\x89PNG")


def test_non_critical_edges_are_dashed():
    figure = charts.draw_dependency_graph(graph())
    styles = {patch.get_linestyle() for patch in figure.axes[0].patches}
    assert styles == {"solid", "dashed"}


def test_explorer_redraws_for_the_picked_service():
    g = DependencyGraph(load_system(BOOKSTORE))
    explorer = charts.blast_radius_explorer(g, "database")
    picker, output = explorer.children
    assert picker.value == "database"
    assert [value for _, value in picker.options] == ["api", "database", "cdn"]
    first = output.outputs
    picker.value = "cdn"
    # The widget's outputs are replaced (never captured display calls, which a headless
    # run mimics with messages that can leave the cell waiting): the picture, the table.
    picture, table = output.outputs
    assert picture["data"]["image/png"] != first[0]["data"]["image/png"]
    assert table["data"]["text/plain"].split()[-8:] == [
        "0",
        "cdn",
        "CDN",
        "failed",
        "1",
        "api",
        "API",
        "down",
    ]


def test_seed_tables_have_every_column():
    bookstore = load_system(BOOKSTORE)
    assert list(tables.architecture_table(bookstore).columns) == [
        "Service",
        "Purpose",
        "Supports",
        "Platform",
        "Technologies",
        "Identifier",
        "AZ",
        "VPC",
        "Subnet",
        "Endpoint",
    ]
    dependencies = tables.dependency_table(bookstore)
    assert dependencies.loc[0, "Child Dependencies"] == "Database, CDN"
    assert dependencies.loc[2, "Criticality Period"] == "Always"
    assert dependencies.loc[1, "Manual Workaround"] == "Manual Amazon RDS Instance Restart"
