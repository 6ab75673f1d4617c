"""Commands of the analyse stage: ``deps`` and ``blast-radius`` read the dependency graph,
``notify`` and ``signoff`` the people behind it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bookstore_resil.cli.common import add_data, add_json, data_dir, print_json

if TYPE_CHECKING:
    from bookstore_resil.define.model import System


def analysable(args: argparse.Namespace) -> System:
    """The --data system for deps, blast-radius and notify: what it still lacks (TODO
    objectives and leads, missing playbooks, an unknown entrypoint) is a warning on stderr,
    not a refusal (docs/contract.md §2); validate stays strict."""
    from bookstore_resil.define.incomplete import load_incomplete

    loaded = load_incomplete(data_dir(args))
    for warning in loaded.warnings:
        print(f"bookstore-resil: warning: {warning}", file=sys.stderr)
    return loaded.system


def cmd_deps(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.graph import DependencyGraph
    from bookstore_resil.analyse.tables import analysis_table, findings_table, to_text

    analysis = DependencyGraph(analysable(args)).analyse()
    if args.json:
        print_json(analysis.as_json())
        return 0
    critical = sum(s.critical for s in analysis.services)
    print(
        f"{analysis.system}: entrypoint {analysis.entrypoint}, "
        f"{len(analysis.services)} services, {critical} critical\n"
    )
    print(to_text(analysis_table(analysis)) + "\n")
    print(to_text(findings_table(analysis)) if analysis.findings else "No findings.")
    return 0


def cmd_blast_radius(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.graph import DependencyGraph, parse_moment
    from bookstore_resil.analyse.tables import blast_radius_table, to_text
    from bookstore_resil.errors import UsageError

    if (args.service is None) == (args.az is None):
        raise UsageError("blast-radius needs a SERVICE or --az ZONE (one of them)")
    at = parse_moment(args.at)
    graph = DependencyGraph(analysable(args))
    failed = [args.service] if args.service else graph.zone_services(args.az)
    blast = graph.blast_radius(failed, at)
    if args.json:
        if args.service:
            head: dict[str, object] = {"service": args.service}
        else:
            head = {"az": args.az, "failed": list(blast.failed)}
        print_json({**head, "down": list(blast.down), "degraded": list(blast.degraded)})
        return 0
    what = args.service or f"availability zone {args.az}"
    when = f" at {at.isoformat()}" if at else ""
    print(f"When {what} fails{when}: {len(blast.down)} down, {len(blast.degraded)} degraded\n")
    print(to_text(blast_radius_table(graph, blast)))
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from bookstore_resil.analyse.graph import parse_moment
    from bookstore_resil.analyse.people import notify_table, who_to_notify
    from bookstore_resil.analyse.tables import to_text

    at = parse_moment(args.at) or datetime.now(timezone.utc)
    escalations = who_to_notify(analysable(args), args.service, at)
    if args.json:
        contacts = [e.as_json() for e in escalations]
        print_json({"service": args.service, "at": at.isoformat(), "contacts": contacts})
        return 0
    print(f"When {args.service} fails at {at.isoformat()}, call in this order:\n")
    print(to_text(notify_table(escalations).reset_index()))
    return 0


def cmd_signoff(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.signoff import record_signoff
    from bookstore_resil.define.loader import load_system
    from bookstore_resil.define.signoffs import SIGNOFFS_FILE

    system = load_system(data_dir(args))
    records = record_signoff(
        system, args.name, args.scenario, agree=not args.disagree, comment=args.comment
    )
    written = Path(system.path) / SIGNOFFS_FILE
    if args.json:
        signoffs = [r.model_dump(mode="json", exclude={"history"}) for r in records]
        print_json({"file": str(written), "signoffs": signoffs})
        return 0
    for record in records:
        print(
            f"{record.name} {record.decision} on {record.scenario} "
            f"(playbook sha256 {record.sha256[:12]}) at {record.at.isoformat()}"
        )
    print(f"{written}: written")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    deps = commands.add_parser(
        "deps",
        help="dependency analysis: criticality, effective RTO/RPO, findings",
        description=(
            "Which services the entrypoint cannot work without (critical), each service's "
            "effective RTO/RPO (the longest along its critical dependencies, itself included), "
            "and findings: unmet RTO/RPO, single points of failure, orphans, critical services "
            "without a scenario, undocumented degradation. See docs/dependency-analysis.md."
        ),
    )
    add_data(deps)
    add_json(deps)
    deps.set_defaults(func=cmd_deps)

    blast = commands.add_parser(
        "blast-radius",
        help="what stops and what degrades when SERVICE fails",
        description=(
            "Services that reach SERVICE through critical edges only go down; those that reach "
            "it through some non-critical edge degrade. --az fails every service that runs "
            "only in that availability zone. Exit 2 on an unknown service or zone."
        ),
    )
    blast.add_argument("service", nargs="?", metavar="SERVICE", help="the failing service id")
    blast.add_argument("--az", metavar="ZONE", help="fail a whole availability zone instead")
    blast.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="judge criticality windows at this moment (naive = UTC; default: every window open)",
    )
    add_data(blast)
    add_json(blast)
    blast.set_defaults(func=cmd_blast_radius)

    notify = commands.add_parser(
        "notify",
        help="who to contact when SERVICE fails, in order, and who is available then",
        description=(
            "The primary and secondary leads of SERVICE's scenarios, then everyone whose "
            "services cover it, then up the org chart; each with why, and whether they are "
            "available at --at in their own time zone. Exit 2 on an unknown service. "
            "See docs/readiness.md."
        ),
    )
    notify.add_argument("service", metavar="SERVICE", help="the failing service id")
    notify.add_argument(
        "--at", metavar="ISO-TIME", help="the moment to check availability (naive = UTC; now)"
    )
    add_data(notify)
    add_json(notify)
    notify.set_defaults(func=cmd_notify)

    signoff = commands.add_parser(
        "signoff",
        help="record that a contact agrees (or disagrees) to a playbook",
        description=(
            "Record NAME's decision, with the sha256 of the playbook's content and the time, "
            "in signoffs.yaml of the system folder; without --scenario, on every scenario "
            "that concerns NAME (they lead it or cover its service). A later edit of the "
            "playbook makes the sign-off stale. Exit 2 on an unknown name or scenario."
        ),
    )
    signoff.add_argument("name", metavar="NAME", help="a contact's name, e.g. Alice")
    signoff.add_argument("--scenario", metavar="ID", help="one scenario (default: every one)")
    signoff.add_argument(
        "--disagree", action="store_true", help="record a disagreement (needs --comment)"
    )
    signoff.add_argument("--comment", metavar="TEXT", help="why; required with --disagree")
    add_data(signoff)
    add_json(signoff)
    signoff.set_defaults(func=cmd_signoff)
