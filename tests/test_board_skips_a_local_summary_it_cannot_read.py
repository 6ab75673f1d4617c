"""A local ``summary.json`` the board cannot read (here a folder by that name) is one skipped
line naming it, and the other archives are read: it never stops the board."""

from __future__ import annotations

from bookstore_resil.history.board_archives import read_archives
from tests.test_board_orders_systems_by_risk_from_their_archives import archive, summary


def test_an_unreadable_summary_is_skipped_by_its_path(tmp_path):
    archive(tmp_path, "shop/x1", summary(exercise_id="x1"))
    (tmp_path / "shop" / "x2" / "summary.json").mkdir(parents=True)
    read = read_archives(tmp_path)
    assert [doc["exercise_id"] for doc, _ in read.exercises] == ["x1"]
    assert [str(s) for s in read.skipped] == [f"{tmp_path}/shop/x2/summary.json: Is a directory"]
