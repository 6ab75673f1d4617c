"""What docs/contract.md promises, read from the page itself, for the tests: the keys §3
requires of an archive's summary.json and its steps, the outcome words, and §5's exit codes."""

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "contract.md"


def section(number: int) -> str:
    """The text of ``## N.`` up to the next ``## `` heading."""
    text = PAGE.read_text(encoding="utf-8")
    match = re.search(rf"^## {number}\. .*?(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"{PAGE} has no section {number}"
    return match.group(0)


def _summary_bullet() -> str:
    [bullet] = re.findall(r"^- `summary\.json`.*?(?=^- |\Z)", section(3), re.MULTILINE | re.DOTALL)
    return bullet


def _words(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", text))


_OUTCOMES_TEXT = re.search(r"`outcome` \(([^)]*)\)", _summary_bullet()).group(1)
OUTCOMES = _words(_OUTCOMES_TEXT)
STEP_KEYS = {k.strip() for k in re.search(r"`\{([^}]*)\}`", _summary_bullet()).group(1).split(",")}
SUMMARY_KEYS = _words(_summary_bullet().replace(_OUTCOMES_TEXT, ""))
EXIT_CODES = {int(code) for code in re.findall(r"^\| (\d+) \|", section(5), re.MULTILINE)}


def one_line_error(*argv: str) -> str:
    """Run the CLI as a user does; assert it failed as the contract says bad input fails
    (exit 2, nothing on stdout, one line on stderr); return that line."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("bookstore-resil: error: ")
    return line
