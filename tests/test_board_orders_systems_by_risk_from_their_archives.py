"""The board: systems found at any depth and in Backstage catalogs, archives matched to their
system by the name and scenario recorded, stage by the rules of ``stage``, risk order, and
the exit code a scheduled job reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bookstore_resil.archive.measure import summarize_log
from bookstore_resil.cli import main
from bookstore_resil.history.board import build_board, load_board
from bookstore_resil.history.board_archives import read_archives
from bookstore_resil.history.board_sources import find_systems

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "archives"
AT = "2024-06-01T12:00:00+00:00"


def summary(fixture: str = "api-passed", **changes) -> dict:
    """A summary as a drill writes it (a fixture's event log summarized), changed."""
    document = json.loads(
        json.dumps(summarize_log(FIXTURES / fixture / "events.jsonl").to_dict(), default=str)
    )
    return {**document, **changes}


def archive(out: Path, folder: str, document: dict) -> Path:
    path = out / folder
    path.mkdir(parents=True)
    (path / "summary.json").write_text(json.dumps(document))
    return path


@pytest.fixture
def organisation(tmp_path: Path) -> Path:
    """Two teams' folders at different depths, and a broken one."""
    root = tmp_path / "systems"
    shutil.copytree(REPO / "data" / "bookstore", root / "shop" / "bookstore")
    shutil.copytree(REPO / "data" / "guestbook", root / "guestbook")
    (root / "shop" / "broken").mkdir()
    (root / "shop" / "broken" / "system.yaml").write_text("system: Broken\nentrypoint: a\n")
    return root


def test_the_summary_records_the_system_it_exercised():
    assert summary()["system"] == "Bookstore"


def test_systems_are_found_at_any_depth_and_a_broken_one_stays_on_the_board(organisation):
    sources = {s.name: s for s in find_systems([organisation])}
    assert set(sources) == {"Bookstore", "Guestbook", "broken"}
    assert sources["Bookstore"].owner == "Alice" and sources["Guestbook"].owner == "Dana"
    assert sources["broken"].system is None
    assert sources["broken"].problem.startswith(str(organisation / "shop" / "broken"))


def test_every_system_of_a_backstage_catalog_is_imported_with_its_owner(tmp_path):
    catalog = tmp_path / "catalog-info.yaml"
    entities = []
    for team, system in (("team-a", "payments"), ("team-b", "search")):
        entities += [
            {"apiVersion": "backstage.io/v1alpha1", "kind": "System",
             "metadata": {"name": system}, "spec": {"owner": team}},
            {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
             "metadata": {"name": f"{system}-api"},
             "spec": {"type": "service", "lifecycle": "production", "owner": team,
                      "system": system}},
        ]  # fmt: skip
    catalog.write_text("\n---\n".join(json.dumps(e) for e in entities))
    sources = find_systems([catalog])
    assert [(s.name, s.owner) for s in sources] == [("payments", "team-a"), ("search", "team-b")]
    assert all(s.system is not None and s.problem is None for s in sources)
    assert [s.id for s in sources[0].system.services] == ["payments-api"]


def test_archives_are_matched_by_recorded_system_then_by_scenario(organisation, tmp_path):
    out = tmp_path / "archives"
    archive(out, "shop/a", summary(started_at="2024-05-20T10:00:00Z"))
    old = summary(exercise_id="old-one", started_at="2024-05-21T10:00:00Z")
    del old["system"]  # written before summaries recorded their system
    archive(out, "b", old)
    archive(out, "c", summary(exercise_id="other", system="Another system"))
    board = load_board([organisation], out, at=_at())
    bookstore = next(row for row in board.systems if row.name == "Bookstore")
    assert bookstore.exercises == 2
    assert [Path(a).name for a in board.unmatched] == ["c"]


def test_a_critical_scenario_never_exercised_comes_first(organisation, tmp_path):
    out = tmp_path / "archives"
    for n, (scenario, fixture) in enumerate(
        [("api-failure", "api-passed"), ("cdn-failure", "api-passed"),
         ("database-failure", "api-passed")]
    ):  # fmt: skip
        archive(out, f"x{n}", summary(fixture, scenario=scenario, exercise_id=f"x{n}",
                                      started_at="2024-05-25T10:00:00Z"))  # fmt: skip
    board = load_board([organisation], out, at=_at())
    names = [row.name for row in board.systems]
    assert names == ["Guestbook", "broken", "Bookstore"]
    guestbook = board.systems[0]
    assert [s.state for s in guestbook.scenarios] == ["never exercised"] * 2
    assert board.exit_code == 0
    document = board.as_json()
    assert document["totals"]["critical_never_exercised"] == 2
    assert document["totals"]["exercises_this_quarter"] == 3
    assert document["systems"][2]["overdue"] == []


@pytest.mark.parametrize(
    ("outcome", "rto_met", "missed", "code"),
    [
        ("failed", False, True, 1),
        ("missed", True, True, 1),
        ("passed", True, False, 0),
        ("error", False, False, 0),  # no evidence either way
        ("aborted", False, False, 0),
        ("inconclusive", False, False, 0),
    ],
)
def test_exit_1_only_when_a_critical_scenario_last_missed(
    organisation, tmp_path, outcome, rto_met, missed, code
):
    out = tmp_path / "archives"
    archive(out, "earlier", summary(exercise_id="e1", started_at="2024-05-01T10:00:00Z",
                                    outcome="failed", rto_met=False))  # fmt: skip
    archive(out, "last", summary(exercise_id="e2", started_at="2024-05-02T10:00:00Z",
                                 outcome=outcome, rto_met=rto_met))  # fmt: skip
    board = load_board([organisation], out, at=_at())
    bookstore = next(row for row in board.systems if row.name == "Bookstore")
    api = next(s for s in bookstore.scenarios if s.id == "api-failure")
    assert api.last.exercise_id == "e2" and api.last.missed is missed
    assert board.exit_code == code
    assert main(["-q", "board", "--systems", str(organisation), "--out", str(out), "--at", AT,
                 "--json"]) == code  # fmt: skip


def test_data_loss_at_least_is_shown_as_a_bound(organisation, tmp_path, capsys):
    out = tmp_path / "archives"
    archive(out, "a", summary(measured_data_loss_s=90000.0, rpo_met=False,
                              data_loss_bound="at_least", fault_observed=True))  # fmt: skip
    main(["board", "--systems", str(organisation), "--out", str(out), "--at", AT, "--json"])
    document = json.loads(capsys.readouterr().out)
    [bookstore] = [s for s in document["systems"] if s["name"] == "Bookstore"]
    [api] = [s for s in bookstore["scenarios"] if s["id"] == "api-failure"]
    assert api["last"]["data_loss_bound"] == "at_least" and api["state"] == "missed"
    assert api["last"]["fault_observed"] is True


def test_a_broken_summary_is_skipped_with_its_file(organisation, tmp_path):
    out = tmp_path / "archives"
    archive(out, "good", summary())
    bad = archive(out, "team/bad", summary(started_at="yesterday"))
    read = read_archives(out)
    assert len(read.exercises) == 1
    assert [str(s) for s in read.skipped] == [
        f"{bad / 'summary.json'}: started_at: not an ISO 8601 time: 'yesterday'"
    ]
    board = build_board(find_systems([organisation]), read, out, _at())
    assert board.totals["skipped_archives"] == 1


def test_a_crashed_archive_is_summarized_from_its_event_log(organisation, tmp_path):
    out = tmp_path / "archives"
    shutil.copytree(FIXTURES / "api-crashed", out / "crashed")
    [(document, where)] = read_archives(out).exercises
    assert document["outcome"] == "error" and where == str(out / "crashed")


def test_a_path_with_no_system_is_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["board", "--systems", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"bookstore-resil: error: --systems {tmp_path / 'nowhere'}: no such file or folder\n"
    )


def _at():
    from bookstore_resil.analyse.graph import parse_moment

    return parse_moment(AT)


def test_on_a_terminal_one_line_per_system_riskiest_first(organisation, tmp_path, capsys):
    out = tmp_path / "archives"
    archive(out, "a", summary(started_at="2024-05-25T10:00:00Z"))
    assert main(["board", "--systems", str(organisation), "--out", str(out), "--at", AT]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("3 systems (stage 0: 2); 1 exercises this quarter;")
    # Two critical scenarios never exercised outrank one; a broken definition comes next.
    assert [line.split("  ")[1].split(" (")[0] for line in lines[2:5]] == [
        "Bookstore",
        "Guestbook",
        "broken",
    ]
    assert lines[2] == (
        "stage 0  Bookstore (owner: Alice): cdn-failure: never exercised; "
        "database-failure: never exercised"
    )


def test_a_playbook_edited_after_its_sign_offs_shows_them_stale(organisation, tmp_path):
    playbook = organisation / "shop" / "bookstore" / "playbooks" / "api-failure.yaml"
    playbook.write_text(playbook.read_text().replace("rto: 12h", "rto: 6h", 1))
    board = load_board([organisation], tmp_path, at=_at())
    bookstore = next(row for row in board.systems if row.name == "Bookstore")
    assert bookstore.stale_signoffs == (
        "Alice on api-failure",
        "Bob on api-failure",
        "Christina on api-failure",
    )
    assert bookstore.as_json()["stale_signoffs"] == list(bookstore.stale_signoffs)


def test_a_system_without_scenarios_is_not_reported_well(tmp_path):
    catalog = REPO / "tests" / "fixtures" / "backstage" / "examples"
    board = load_board([catalog], tmp_path, at=_at())
    row = next(row for row in board.systems if row.name == "Artist Engagement Portal")
    assert row.owner == "team-a" and row.scenarios == () and not row.well
    assert row.headline == "no playbook scenario yet: nothing can be exercised"
    assert row.risk()[0] == 1


def test_a_missing_out_folder_is_one_line(organisation, tmp_path, capsys):
    argv = ["board", "--systems", str(organisation), "--out", str(tmp_path / "typo")]
    assert main(argv) == 2
    assert (
        capsys.readouterr().err
        == f"bookstore-resil: error: --out {tmp_path / 'typo'}: no such folder\n"
    )
