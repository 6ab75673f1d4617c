"""An objective's verdict in words: the RTO and the RPO of one exercise against what was
measured, met, missed, undecided (still down, not yet over) or not measured, and why when
an exercise can give none (its fault failed, or no probe saw it)."""

from __future__ import annotations

from dataclasses import dataclass

from bookstore_resil.archive.dataloss import AT_LEAST
from bookstore_resil.archive.impact import DRY_RUN_NOTE
from bookstore_resil.archive.measure import Summary
from bookstore_resil.define.units import format_duration


@dataclass(frozen=True)
class Verdict:
    """One objective (RTO or RPO) against what was measured."""

    objective: str
    objective_s: float
    measured_s: float | None
    met: bool | None
    margin_s: float | None
    status: str  # met, missed, undecided (still down, not yet over) or not measured
    detail: str  # what was measured, in words: "down 4.5s, 11h 59min to spare (0.01%)"

    @property
    def text(self) -> str:
        """The verdict in one sentence: ``RTO 12h: met: down 4.5s, ...``."""
        return f"{self.objective} {format_duration(self.objective_s)}: {self.status}: {self.detail}"

    @property
    def share(self) -> float | None:
        """The measured value as a fraction of the objective."""
        return None if self.measured_s is None else self.measured_s / self.objective_s


def percent(share: float) -> str:
    """A share as a percentage readable at both ends: ``0.059%``, ``4%``, ``119%``."""
    return f"{share:.0%}" if share >= 0.01 else f"{share * 100:.2g}%"


def status(measured: float | None, met: bool | None) -> str:
    """An objective's verdict in a word: met, missed, not measured, or undecided (measured
    but no verdict: still down at the end, and not yet past the objective)."""
    if measured is None:
        return "not measured"
    if met is None:
        return "undecided"
    return "met" if met else "missed"


def at_least(summary: Summary) -> str:
    """``at least `` before a data loss that is a lower bound (see archive/dataloss.py)."""
    return "at least " if summary.data_loss_bound == AT_LEAST else ""


def no_verdict(summary: Summary, endpoint: str) -> str | None:
    """Why an executed exercise judges no objective, when it cannot: its fault failed, or no
    probe saw it."""
    if summary.fault_failed is not None:
        return f"the fault {summary.fault} failed: nothing was broken, nothing measured"
    if summary.fault_observed is False:
        return (
            f"the probes never saw {endpoint} down: the fault may not have taken effect, "
            "or the outage was shorter than a sample"
        )
    return None


def what_users_see(endpoint: str) -> str:
    """The user-facing endpoint named as such (``users`` already says it)."""
    return endpoint if "user" in endpoint.lower() else f"{endpoint} (what users see)"


def verdicts(summary: Summary) -> tuple[Verdict, Verdict]:
    rto, down = summary.rto_s, summary.rto_downtime_s  # the service's or the users', longer
    rto_status = status(down, summary.rto_met)
    endpoint = summary.measured_endpoint or "the service"
    users = summary.measured_user_downtime_s
    facing = summary.user_facing_endpoint
    if facing and users is not None and users == down and users != summary.measured_downtime_s:
        endpoint = what_users_see(facing)  # the longer outage
    unjudged = no_verdict(summary, endpoint)
    if unjudged and rto_status in ("not measured", "undecided"):
        rto_text = unjudged
    elif rto_status == "not measured" or down is None:
        rto_text = DRY_RUN_NOTE if summary.dry_run else f"no probe watched {endpoint}"
    elif rto_status == "met":
        rto_text = (
            f"{endpoint} down {format_duration(down)}, {format_duration(rto - down)} to spare "
            f"({percent(down / rto)} of the objective)"
        )
    elif rto_status == "missed":
        still = " and still down at the end" if summary.recovered is False else ""
        over = format_duration(down - rto)
        rto_text = f"{endpoint} down {format_duration(down)}{still}: missed by {over}"
    else:
        rto_text = (
            f"{endpoint} still down after {format_duration(down)} when the exercise ended "
            f"({format_duration(rto - down)} of the objective left)"
        )
    rpo, loss = summary.rpo_s, summary.measured_data_loss_s
    rpo_status = status(loss, summary.rpo_met)
    if unjudged and rpo_status in ("not measured", "undecided"):
        rpo_text = unjudged
    elif at_least(summary) and loss is not None:
        missed = f": missed by at least {format_duration(loss - rpo)}" if loss > rpo else ""
        rpo_text = (
            f"at least {format_duration(loss)} of writes lost{missed}: the restored data is "
            "older than this exercise; set newest_record in target.yaml to measure how much older"
        )
    elif rpo_status == "not measured" or loss is None:
        unread = "the canary writes were not read back" if summary.canary else "no canary writes"
        rpo_text = DRY_RUN_NOTE if summary.dry_run else unread
    elif rpo_status == "met":
        rpo_text = (
            f"{format_duration(loss)} of acknowledged writes lost, "
            f"{format_duration(rpo - loss)} to spare"
            if loss
            else "no acknowledged write was lost"
        )
    else:
        rpo_text = (
            f"{format_duration(loss)} of writes lost: missed by {format_duration(loss - rpo)}"
        )
    return (
        Verdict(
            "RTO",
            rto,
            down,
            summary.rto_met,
            summary.rto_margin_s,
            rto_status,
            rto_text,
        ),
        Verdict(
            "RPO",
            rpo,
            loss,
            summary.rpo_met,
            summary.rpo_margin_s,
            rpo_status,
            rpo_text,
        ),
    )
