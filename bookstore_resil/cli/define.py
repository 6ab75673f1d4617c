"""Commands of the define stage: ``init`` a workbook folder, ``validate`` a system folder,
``import-backstage`` one, ``import-chaostoolkit`` an experiment into one."""

from __future__ import annotations

import argparse

from bookstore_resil.cli.common import add_data, add_json, data_dir, print_json, progress


def cmd_validate(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bookstore_resil.define.validate import validate_folder
    from bookstore_resil.errors import DefinitionError

    folder = data_dir(args)
    try:
        system = validate_folder(folder)
    except DefinitionError as error:
        if not args.json:
            raise
        problems = [asdict(problem) for problem in error.problems]
        print_json({"data": str(folder), "valid": False, "problems": problems})
        return error.exit_code
    steps = sum(len(s.steps) for s in system.scenarios)
    if args.json:
        counts = {
            "services": len(system.services),
            "contacts": len(system.contacts),
            "scenarios": len(system.scenarios),
            "steps": steps,
        }
        print_json(
            {"data": str(folder), "valid": True, "system": system.system, **counts, "problems": []}
        )
        return 0
    print(
        f"{system.path}: valid: {system.system}, {len(system.services)} services, "
        f"{len(system.contacts)} contacts, {len(system.scenarios)} scenarios, {steps} steps"
    )
    return 0


def cmd_import_backstage(args: argparse.Namespace) -> int:
    from bookstore_resil.define.backstage import import_backstage

    done = import_backstage(args.files, args.out, args.system, args.entrypoint)
    for note in done.notes:
        progress(args)(f"bookstore-resil: note: {note}")
    if args.json:
        print_json(done.as_json())
        return 0
    document = done.conversion.system
    print(
        f"{done.files[0]}: written: {document['system']}, entrypoint {document['entrypoint']}, "
        f"{len(document['services'])} services"
    )
    if done.contacts:
        print(f"{done.files[1]}: written: {done.contacts} contacts")
    print(f"'bookstore-resil deps --data {args.out}' analyses it; 'validate' lists what to fill in")
    return 0


def _probe_service(text: str) -> tuple[str, str]:
    name, _, service = text.rpartition("=")
    if not name or not service:
        raise argparse.ArgumentTypeError(f"expected NAME=SERVICE, got {text!r}")
    return name, service


def _probe_services(given: list[tuple[str, str]]) -> dict[str, str]:
    from bookstore_resil.errors import UsageError

    names = [name for name, _ in given]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(f"--probe: probe {', '.join(twice)} given twice (one service a probe)")
    return dict(given)


def cmd_import_chaostoolkit(args: argparse.Namespace) -> int:
    from bookstore_resil.define.chaostoolkit_write import import_chaostoolkit

    folder = data_dir(args)
    done = import_chaostoolkit(
        args.experiment,
        folder,
        service=args.service,
        lead=args.lead,
        scenario_id=args.id,
        probe_services=_probe_services(args.probe),
        fault=args.fault,
    )
    scenario, conversion = done.conversion.scenario, done.conversion
    procedures = ("recovery_procedure", "test_procedure", "rollback_procedure")
    steps = [len(scenario.get(p, [])) for p in procedures]
    if args.json:
        print_json(
            {
                "playbook": str(done.playbook),
                "target": str(done.target),
                "scenario": scenario,
                "probes": conversion.probes,
                "faults": conversion.faults,
                "actions": conversion.actions,
                "notes": conversion.notes,
            }
        )
        return 0
    print(
        f"{done.playbook}: written: scenario {scenario['id']} on {scenario['service']}, "
        f"fault {scenario['fault']}, {steps[0]} recovery, {steps[1]} test, "
        f"{steps[2]} rollback steps"
    )
    print(
        f"{done.target}: added probes: {len(conversion.probes)}, "
        f"faults: {len(conversion.faults)}, actions: {len(conversion.actions)}"
    )
    for note in conversion.notes:
        progress(args)(f"bookstore-resil: note: {note}")
    print(f"'bookstore-resil validate --data {folder}' lists what to fill in (rto, rpo, leads)")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bookstore_resil.workbook.init import init_workbook

    made = init_workbook(args.dir, args.example)
    if args.json:
        print_json(asdict(made))
        return 0
    print(f"{made.root}: a workbook with the {made.example} system")
    for folder, what in (
        (made.system, "the system definition: edit it, then 'validate'"),
        (made.notebooks, "the notebooks: 'jupyter lab' here"),
        (made.reports, "where each exercise is archived"),
    ):
        print(f"  {folder}/  {what}")
    print(f"Next: cd {made.root} && bookstore-resil deps --data system  (docs/your-own-system.md)")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from bookstore_resil.define.schema import MODELS, json_schema, write_schemas
    from bookstore_resil.errors import UsageError

    if args.kind is not None and args.kind not in MODELS:
        raise UsageError(f"no schema of {args.kind!r} (known: {', '.join(MODELS)})")
    kinds = [args.kind] if args.kind else list(MODELS)
    if args.out:
        for path in write_schemas(args.out, kinds):
            print(f"{path}: written")
    elif args.kind:
        print_json(json_schema(args.kind))
    else:
        print_json({kind: json_schema(kind) for kind in kinds})
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser(
        "init",
        help="a new workbook folder: notebooks, a system to fill in, reports",
        description=(
            "Copy the workbook's notebooks to DIR/notebooks/ (their data_dir pointed at "
            "DIR/system), an example system or the blank skeleton to DIR/system/, and make "
            "DIR/reports/. Works from a plain pip install. Exit 2 when DIR exists and is "
            "not empty. See docs/your-own-system.md."
        ),
    )
    init.add_argument("dir", metavar="DIR", help="the folder to create")
    init.add_argument(
        "--example",
        default="bookstore",
        metavar="NAME",
        help="bookstore (default), blank (a skeleton with TODOs), or another shipped example",
    )
    add_json(init)
    init.set_defaults(func=cmd_init)

    validate = commands.add_parser(
        "validate",
        help="load and cross-check a system definition",
        description=(
            "Load a system definition folder (system.yaml, contacts.yaml, playbooks/*.yaml) "
            "and report every problem at once, one line each as FILE:LINE: field: message. "
            'Exit 0 when valid, 2 when not. --json: {"valid", "problems": [{"file", '
            '"line", "field", "message"}]}.'
        ),
    )
    add_data(validate)
    add_json(validate)
    validate.set_defaults(func=cmd_validate)

    backstage = commands.add_parser(
        "import-backstage",
        help="write a system folder from a Backstage catalog",
        description=(
            "Read catalog files, folders (recursively), Locations (followed) or the catalog "
            "API's JSON. Components and Resources become services; dependsOn/dependencyOf, "
            "consumesApis -> providesApis and subcomponentOf the dependencies; spec.system "
            "names the system; Groups and Users become contacts.yaml. What the catalog "
            "cannot say (RTO, RPO, criticality) is TODO unless bookstore-resil/* annotations "
            "say it; 'deps' analyses the result anyway. Unused kinds are listed on stderr. "
            "See docs/format.md."
        ),
    )
    backstage.add_argument(
        "files", nargs="+", metavar="PATH", help="catalog files or folders, or API JSON"
    )
    backstage.add_argument("--out", required=True, metavar="DIR", help="the folder to write")
    backstage.add_argument(
        "--system", metavar="NAME", help="import this system (default: the only one named)"
    )
    backstage.add_argument(
        "--entrypoint", metavar="ID", help="the service users reach first (default: guessed)"
    )
    add_json(backstage)
    backstage.set_defaults(func=cmd_import_backstage)

    chaostoolkit = commands.add_parser(
        "import-chaostoolkit",
        help="a Chaos Toolkit experiment as a playbook scenario and target.yaml entries",
        description=(
            "The steady-state hypothesis's probes become probes of target.yaml (tolerances "
            "kept) and the test procedure, the method's first action not run in the "
            "background (or --fault) the scenario's fault and its other activities the "
            "recovery steps, the rollbacks the rollback procedure; title and description "
            "become the scenario's; a note says what became of background activities, "
            "pauses, controls, contributions, extensions and unused secrets. Writes "
            "DIR/playbooks/<id>.yaml (never overwritten) and adds to DIR/target.yaml, "
            "keeping its comments. RTO, RPO and the lead are TODO unless given. Exit 2 on a "
            "file that is not an experiment. See docs/your-own-system.md."
        ),
    )
    chaostoolkit.add_argument("experiment", metavar="EXPERIMENT", help="a .json or .yaml file")
    add_data(chaostoolkit)
    chaostoolkit.add_argument(
        "--service", metavar="ID", help="the service it breaks (default: the entrypoint)"
    )
    chaostoolkit.add_argument("--lead", metavar="NAME", help="the primary lead (default: TODO)")
    chaostoolkit.add_argument(
        "--fault",
        metavar="ACTIVITY",
        help="the method's action to inject (default: its first not run in the background)",
    )
    chaostoolkit.add_argument(
        "--id", metavar="SCENARIO", help="the scenario id (default: from the title)"
    )
    chaostoolkit.add_argument(
        "--probe",
        action="append",
        default=[],
        type=_probe_service,
        metavar="NAME=SERVICE",
        help="the hypothesis probe NAME watches SERVICE and is named for it (default: the "
        "service its name contains); repeatable",
    )
    add_json(chaostoolkit)
    chaostoolkit.set_defaults(func=cmd_import_chaostoolkit)

    schema = commands.add_parser(
        "schema",
        help="JSON Schema of system.yaml, contacts.yaml, playbooks and target.yaml, for editors",
        description=(
            "Print the JSON Schema of one kind of file (system, contacts, playbook, target), or of "
            "all of them as one object; with --out, write KIND.schema.json files there. "
            "Point a file at its schema with a first line such as "
            "'# yaml-language-server: $schema=../schemas/system.schema.json' (as the shipped "
            "examples do) and editors check it as you type. See docs/format.md."
        ),
    )
    schema.add_argument(
        "kind", nargs="?", metavar="KIND", help="system, contacts, playbook or target"
    )
    schema.add_argument("--out", metavar="DIR", help="write the schema files into DIR")
    schema.set_defaults(func=cmd_schema)
