"""Commands of the define stage: ``validate`` a system folder, ``import-backstage`` one."""

from __future__ import annotations

import argparse

from bookstore_resil.cli.common import add_data, data_dir


def cmd_validate(args: argparse.Namespace) -> int:
    from bookstore_resil.define.validate import validate_folder

    system = validate_folder(data_dir(args))
    steps = sum(len(s.steps) for s in system.scenarios)
    print(
        f"{system.path}: valid: {system.system}, {len(system.services)} services, "
        f"{len(system.contacts)} contacts, {len(system.scenarios)} scenarios, {steps} steps"
    )
    return 0


def cmd_import_backstage(args: argparse.Namespace) -> int:
    from bookstore_resil.define.backstage import import_backstage

    path = import_backstage(args.files, args.out)
    print(f"{path}: written; 'bookstore-resil validate --data {args.out}' lists what to fill in")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    validate = commands.add_parser(
        "validate",
        help="load and cross-check a system definition",
        description=(
            "Load a system definition folder (system.yaml, contacts.yaml, playbooks/*.yaml) "
            "and report every problem at once, one line each as FILE:LINE: field: message. "
            "Exit 0 when valid, 2 when not."
        ),
    )
    add_data(validate)
    validate.set_defaults(func=cmd_validate)

    backstage = commands.add_parser(
        "import-backstage",
        help="write a system folder from Backstage catalog-info.yaml files",
        description=(
            "Components and Resources become services, spec.dependsOn the dependencies; "
            "criticality and RTO/RPO come from bookstore-resil/* annotations, else defaults "
            "that 'validate' flags (critical: true, rto/rpo: TODO)."
        ),
    )
    backstage.add_argument("files", nargs="+", metavar="FILE", help="catalog-info.yaml files")
    backstage.add_argument("--out", required=True, metavar="DIR", help="the folder to write")
    backstage.set_defaults(func=cmd_import_backstage)
