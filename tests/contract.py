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
