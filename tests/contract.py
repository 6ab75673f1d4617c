"""What ../shared/CONTRACT.md §3 requires of an archive's summary.json, for the tests."""

SUMMARY_KEYS = {
    "exercise_id",
    "scenario",
    "target",
    "started_at",
    "ended_at",
    "outcome",
    "rto_s",
    "rpo_s",
    "measured_downtime_s",
    "measured_data_loss_s",
    "rto_met",
    "rpo_met",
    "steps",
}
STEP_KEYS = {"id", "status", "started_at", "ended_at", "duration_s"}
OUTCOMES = {"passed", "failed", "aborted", "error"}


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
