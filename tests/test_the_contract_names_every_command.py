"""docs/contract.md §2 names every command the parser knows: a command added to the tool
without a word in the contract fails here."""

from __future__ import annotations

from tests.contract import section
from tests.test_cli_conventions_hold_for_every_command import PARSERS


def test_section_2_names_every_command():
    text = section(2)
    missing = [command for command in PARSERS if f"`{command}" not in text]
    assert missing == []
