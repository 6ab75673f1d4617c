"""The board over three teams' systems, two of them really drilled: the Bookstore on the
lab, the Guestbook through its target.yaml (its web-crash RTO cut to one second, so the
real outage misses it), and a third made with ``init --example blank`` and never drilled.

The JSON and the HTML page put a never-exercised critical scenario first, give each system
the stage ``stage`` gives it from the same archives, name the owners, and the board exits 1
because a critical scenario's last exercise missed its objective.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from bookstore_resil.exercise.drill import drill
from bookstore_resil.workbook.init import init_workbook
from tests.guestbook import Guestbook, running_guestbook
from tests.waits import QUICK_WAITS

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]  # whole drills: kernels, the lab

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def org(tmp_path: Path) -> Path:
    return tmp_path / "org"


@pytest.fixture
def guestbook(org: Path) -> Iterator[Guestbook]:
    """The Guestbook, running, in the organisation's folder, its web-crash RTO one second."""
    (org / "guestbook-team").mkdir(parents=True)
    for book in running_guestbook(org / "guestbook-team"):
        playbook = book.folder / "playbooks" / "web-crash.yaml"
        playbook.write_text(playbook.read_text().replace("rto: 5min", "rto: 1s"))
        yield book


def board_json(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["-q", "board", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def stage_of(capsys, data: Path, reports: Path) -> int:
    assert main(["stage", "--data", str(data), "--reports", str(reports), "--json"]) == 0
    stages = json.loads(capsys.readouterr().out)["stages"]
    reached = 0
    for stage in stages:
        if not stage["met"]:
            break
        reached = stage["stage"]
    return reached


def test_the_board_of_three_teams_two_of_them_drilled(lab, guestbook, org, tmp_path, capsys):
    bookstore = org / "shop" / "bookstore"
    shutil.copytree(REPO / "data" / "bookstore", bookstore)
    third = init_workbook(org / "recommendations", "blank").system
    (third / "system.yaml").write_text(
        (third / "system.yaml").read_text().replace("system: TODO", "system: Recommendations", 1)
    )
    archives = tmp_path / "archives"
    quiet = {"report": False, "progress": lambda _: None, "execute": True}
    shop = drill(
        "api-failure", data_dir=bookstore, out_dir=archives / "shop",
        target_options={"state_dir": str(lab.root), **QUICK_WAITS}, **quiet,
    )  # fmt: skip
    book = drill(
        "web-crash", data_dir=guestbook.folder, out_dir=archives / "guestbook-team" / "eu",
        target_options=QUICK_WAITS, **quiet,
    )  # fmt: skip
    assert shop.summary.outcome == "passed" and shop.summary.system == "Bookstore"
    assert book.summary.rto_met is False  # the real outage outlasted the one-second RTO

    page = tmp_path / "board.html"
    code, document = board_json(capsys, "--systems", str(org), "--out", str(archives),
                                "--html", str(page))  # fmt: skip
    assert code == 1  # web-crash, critical, last missed its RTO
    rows = {row["name"]: row for row in document["systems"]}
    assert set(rows) == {"Bookstore", "Guestbook", "Recommendations"}

    first = document["systems"][0]["scenarios"][0]
    assert first["critical"] and first["state"] == "never exercised"
    assert {name: row["owner"] for name, row in rows.items()} == {
        "Bookstore": "Alice",
        "Guestbook": "Dana",
        "Recommendations": "Facilitator",
    }
    assert rows["Bookstore"]["stage"] == stage_of(capsys, bookstore, archives / "shop")
    guestbook_archives = archives / "guestbook-team" / "eu"
    assert rows["Guestbook"]["stage"] == stage_of(capsys, guestbook.folder, guestbook_archives)
    assert rows["Recommendations"]["stage"] == 0 and rows["Recommendations"]["exercises"] == 0

    [api] = [s for s in rows["Bookstore"]["scenarios"] if s["id"] == "api-failure"]
    assert api["state"] == "passed" and api["last"]["exercise_id"] == shop.summary.exercise_id
    assert api["last"]["archive"] == str(shop.archive_dir)
    [crash] = [s for s in rows["Guestbook"]["scenarios"] if s["id"] == "web-crash"]
    assert crash["state"] == "missed" and crash["last"]["rto_s"] == 1.0
    assert crash["last"]["downtime_s"] > 1.0
    totals = document["totals"]
    assert totals["exercises_this_quarter"] == 2 and totals["missed_objectives"] == 1
    assert totals["critical_never_exercised"] == 4  # 2 Bookstore, 1 Guestbook, 1 third

    html = page.read_text()
    order = [html.index(f"<b>{name}</b>") for name in [r["name"] for r in document["systems"]]]
    assert order == sorted(order)  # the page in the JSON's risk order
    assert "owner: Alice" in html and "owner: Dana" in html and "owner: Facilitator" in html
    assert "web-crash · missed !" in html and "app-failure · never exercised !" in html
    assert not re.search(r"<script|<link|src=|url\(|https?://", html)  # offline: one file
