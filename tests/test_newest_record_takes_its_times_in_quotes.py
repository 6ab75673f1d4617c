"""``newest_record``'s placeholders are times the workbook writes itself (digits and
``-:.TZ``), never a person's text: SQL wants them inside its own quotes, as in the
documented PostgreSQL command, and they stay one word there. A team's placeholder inside
quotes is still refused (tests/test_a_quoted_placeholder_*)."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.system_target_builders import system_target

POSTGRES = (
    'psql -Atc "select extract(epoch from max(created_at)) from orders '
    "where created_at < '{before}'\""
)


def test_the_documented_postgresql_command_is_valid(tmp_path):
    target = system_target(tmp_path, newest_record=POSTGRES)
    assert target.reads_newest_record


def test_the_times_arrive_as_written(tmp_path):
    command = "echo \"{before}\" '{before_epoch}' > asked.txt; echo 1796600000"
    target = system_target(tmp_path, newest_record=command)
    before = datetime(2026, 12, 7, 0, 40, tzinfo=timezone.utc)
    assert target.newest_record(before) == datetime.fromtimestamp(1796600000, timezone.utc)
    asked = (tmp_path / "asked.txt").read_text().split()
    assert asked[0].startswith("2026-12-07T00:40:00") and asked[0].endswith("Z")
    assert float(asked[1]) == before.timestamp()
