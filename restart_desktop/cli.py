"""``restart-desktop``: the GUI by default, administrators' subcommands beside it.

The subcommands call the same app/ services as the GUI. Passphrases come from the environment
variable RESTART_DESKTOP_PASSPHRASE or a prompt, never from an argument (arguments are visible
to other users in the process list and end up in shell history).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from restart_desktop import __version__
from restart_desktop.entry import starts_the_window
from restart_desktop.paths import DataPaths, resolve_data_dir

if TYPE_CHECKING:  # the window's start-up imports none of the app layer
    from restart_desktop.app.session import AppSession

PASSPHRASE_ENV = "RESTART_DESKTOP_PASSPHRASE"  # noqa: S105 - a variable's name, not a secret
NEW_PASSPHRASE_ENV = "RESTART_DESKTOP_NEW_PASSPHRASE"  # noqa: S105 - a variable's name
EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def _parser(commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="restart-desktop",
        description="RESTART Desktop: offline case tool for resettlement workers.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="PATH",
        help="data folder to use (default: RESTART_DESKTOP_DATA_DIR or the user data folder)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start on a demo data folder, creating fictional demo data if it is empty",
    )
    parser.add_argument(
        "--quit-after-shown",
        action="store_true",
        help=argparse.SUPPRESS,  # smoke tests: exit once the first window is on screen
    )
    if not commands:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="fill a new data folder with fictional demo data")
    demo.add_argument("--cases", type=int, default=60, help="number of people (default 60)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")

    init = sub.add_parser("init", help="set up a new data folder for a worker (headless)")
    init.add_argument("--name", required=True, help="the worker's name")
    init.add_argument("--organisation", required=True, help="partner organisation code or name")
    init.add_argument("--role", choices=["worker", "supervisor", "allocator"], default="worker")

    sub.add_parser("doctor", help="check the installation and the data folder")

    sync = sub.add_parser("sync", help="sync with the central export now")
    sync.add_argument(
        "--target",
        metavar="PATH_OR_URL",
        help="the central export: a folder, or a PostgreSQL server (postgresql://HOST/DB "
        "or service=NAME; use sslmode=verify-full) (kept for next time)",
    )
    sync.add_argument(
        "--rebuild",
        action="store_true",
        help="first work out every record again from the changes held (when sync says this "
        "laptop's records differ from a team laptop's)",
    )

    retention = sub.add_parser(
        "retention", help="what the retention rules will erase from this laptop next, and when"
    )
    retention.add_argument(
        "--run", action="store_true", help="erase what is due now (also done after every sync)"
    )

    team = sub.add_parser("team", help="the team in the central export (create, join, approve)")
    team_sub = team.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    create = team_sub.add_parser("create", help="supervisor: make the team in an empty export")
    create.add_argument(
        "--target",
        metavar="PATH_OR_URL",
        required=True,
        help="a folder, or a server as an administrator's role allowed to "
        "create roles (postgresql://ADMIN@HOST/DB)",
    )
    create.add_argument(
        "--recovery-key-out",
        metavar="FILE",
        required=True,
        help="where to write the programme's recovery identity (keep it offline)",
    )
    join = team_sub.add_parser("join", help="ask to join the team in an export")
    join.add_argument("--target", metavar="PATH_OR_URL", required=True)
    team_sub.add_parser("list", help="members of the team and devices asking to join")
    approve = team_sub.add_parser("approve", help="supervisor: let a device in")
    which = approve.add_mutually_exclusive_group(required=True)
    which.add_argument("device", nargs="?", metavar="DEVICE_ID")
    which.add_argument("--all-pending", action="store_true", help="every device asking to join")
    remove = team_sub.add_parser("remove", help="supervisor: remove a device (a lost laptop)")
    remove.add_argument("device")
    move = team_sub.add_parser(
        "move",
        help="administrator: copy the team's whole export to another target, verbatim "
        "(folder to server or back); then every laptop syncs with --target NEW",
    )
    move.add_argument("--from", dest="source", metavar="PATH_OR_URL", required=True)
    move.add_argument(
        "--to",
        dest="destination",
        metavar="PATH_OR_URL",
        required=True,
        help="an empty folder, or a server set up with the schema script, as "
        "its owner (postgresql://OWNER@HOST/DB)",
    )
    promote = team_sub.add_parser(
        "promote", help="supervisor: make a member a supervisor (receives every case, reviews)"
    )
    promote.add_argument("device")
    promote.add_argument(
        "--role",
        choices=["supervisor", "allocator"],
        default="supervisor",
        help="supervisor (default), or allocator: the OPCC's decision maker, "
        "whose laptop receives the intake of every case and no notes",
    )

    passphrase = sub.add_parser(
        "passphrase",
        help="change the passphrase, or set a new one with the programme's recovery key",
    )
    passphrase_sub = passphrase.add_subparsers(
        dest="passphrase_command", metavar="ACTION", required=True
    )
    passphrase_sub.add_parser(
        "change",
        help=f"the current passphrase from {PASSPHRASE_ENV} or a prompt, the new one "
        f"from {NEW_PASSPHRASE_ENV} or a prompt asked twice",
    )
    recover = passphrase_sub.add_parser(
        "recover",
        help="a forgotten passphrase: set a new one with the recovery key file "
        "(the Service Delivery Manager's, from team create --recovery-key-out)",
    )
    recover.add_argument("--recovery-key", metavar="FILE", required=True)

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    audit_sub.add_parser(
        "verify",
        help="check every device's chain of audit entries; exits "
        "non-zero naming the first broken entry",
    )

    subject = sub.add_parser(
        "export-subject",
        help="write one person's subject access export (a PDF and a JSON file) into a folder",
        description="Write everything held about one person (a subject access request) into "
        "DIR as a PDF and a JSON file. Likely names of other people found in the records are "
        "withheld unless kept with --keep or --no-redact; --list-names shows them first.",
    )
    subject.add_argument(
        "person",
        metavar="PERSON_ID|PRISON_NUMBER",
        help="the person's case id or prison (NOMIS) number",
    )
    subject.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="an existing folder for the two files (never overwritten)",
    )
    subject.add_argument(
        "--list-names",
        action="store_true",
        help="list the names of other people found, with how often, and write nothing",
    )
    subject.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="NAME",
        help="a name found that is not to be withheld (repeat for more)",
    )
    subject.add_argument(
        "--no-redact",
        action="store_true",
        help="withhold nothing (when the names found are not other people)",
    )

    from restart_desktop.cli_intake import add_parser as add_intake_parser

    add_intake_parser(sub)

    report = sub.add_parser(
        "report", help="supervisor: write the board pack (PDF and CSV files) for a period"
    )
    report.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="DATE",
        help="first day of the period (YYYY-MM-DD)",
    )
    report.add_argument(
        "--to",
        dest="end",
        required=True,
        metavar="DATE",
        help="last day of the period (YYYY-MM-DD)",
    )
    report.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for the PDF, one CSV per table and summary.csv",
    )
    report.add_argument(
        "--by",
        choices=["programme", "organisation"],
        default="programme",  # app.figures.DEFAULT_GROUPING, not imported to start the window
        help="programme (default, as the Figures window opens): one row for the whole "
        "programme; organisation: a row per partner organisation as well",
    )
    extract = sub.add_parser(
        "evaluation-extract",
        help="supervisor: the pseudonymised evaluation extract for a period, in a new folder",
    )
    extract.add_argument("--from", dest="start", required=True, metavar="DATE")
    extract.add_argument("--to", dest="end", required=True, metavar="DATE")
    extract.add_argument("--out", required=True, metavar="DIR", help="a folder not there yet")
    extract.add_argument(
        "--recipient",
        default="",
        metavar="AGE_PUBLIC_KEY",
        help="also write the linkage file, encrypted to this age key",
    )
    return parser


def _passphrase(prompt: str, confirm: bool = False) -> str | None:
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env is not None:
        return from_env
    if not sys.stdin.isatty():
        return None
    import getpass

    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Type it again: ") != first:
        print("The two passphrases differ; nothing was set up.", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    return first


def _cmd_demo(paths: DataPaths, args: argparse.Namespace) -> int:
    from restart_desktop.app.demo import create_demo_folder
    from restart_desktop.app.session import DEMO_PASSPHRASE

    if args.cases < 0:
        print("--cases must be zero or more.", file=sys.stderr)
        return EXIT_USAGE

    # Progress is for a person watching a terminal; scripts and logs get only the result.
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        print(f"\r  {done} of {total} people", end="", file=sys.stderr, flush=True)

    session = create_demo_folder(
        paths, cases=args.cases, seed=args.seed, progress=progress if interactive else None
    )
    session.close()
    if interactive:
        print(file=sys.stderr)
    print(f"Demo data folder ready: {paths.root}")
    print(f"{args.cases} fictional people. Passphrase: {DEMO_PASSPHRASE}")
    return EXIT_OK


def _cmd_init(paths: DataPaths, args: argparse.Namespace) -> int:
    from restart_desktop.app.session import enrol
    from restart_desktop.domain.case import Role
    from restart_desktop.domain.reference import load_reference_data

    reference = load_reference_data()
    wanted = args.organisation.strip().lower()
    matches = [o for o in reference.organisations if wanted in (o.code.lower(), o.name.lower())]
    if not matches:
        known = "\n".join(f"  {o.code}  ({o.name})" for o in reference.organisations)
        print(f"Unknown organisation '{args.organisation}'. Use one of:\n{known}", file=sys.stderr)
        return EXIT_USAGE
    passphrase = _passphrase("Choose a passphrase: ", confirm=True)
    if passphrase is None:
        print(f"Set {PASSPHRASE_ENV} or run in a terminal to type a passphrase.", file=sys.stderr)
        return EXIT_USAGE
    session = enrol(
        paths,
        name=args.name,
        organisation_code=matches[0].code,
        role=Role(args.role),
        passphrase=passphrase,
    )
    session.close()
    print(f"Set up {paths.root} for {args.name} ({matches[0].name}, {args.role}).")
    return EXIT_OK


def _cmd_doctor(paths: DataPaths) -> int:
    from restart_desktop.app.doctor import run_checks
    from restart_desktop.app.session import DEMO_PASSPHRASE

    passphrase = DEMO_PASSPHRASE if paths.is_demo else None
    if passphrase is None and paths.is_enrolled:
        passphrase = _passphrase("Passphrase: ")
    checks = run_checks(paths, passphrase)
    width = max(len(c.name) for c in checks)
    for check in checks:
        mark = "ok     " if check.ok else "warning" if check.warning else "PROBLEM"
        print(f"{mark} {check.name.ljust(width)}  {check.detail}")
    return EXIT_OK if all(c.ok or c.warning for c in checks) else EXIT_PROBLEM


def _open_session(paths: DataPaths) -> AppSession:
    from restart_desktop.app.session import DEMO_PASSPHRASE, require_set_up, unlock

    require_set_up(paths)  # said before the passphrase is asked for
    passphrase = DEMO_PASSPHRASE if paths.is_demo else _passphrase("Passphrase: ")
    if passphrase is None:
        print(f"Set {PASSPHRASE_ENV} or run in a terminal to type the passphrase.", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    return unlock(paths, passphrase)


def _new_passphrase() -> tuple[str, str | None] | None:
    """(new, its confirmation) from the environment (no confirmation) or two prompts."""
    from_env = os.environ.get(NEW_PASSPHRASE_ENV)
    if from_env is not None:
        return from_env, None
    if not sys.stdin.isatty():
        return None
    import getpass

    return getpass.getpass("New passphrase: "), getpass.getpass("Type it again: ")


def _cmd_passphrase(paths: DataPaths, args: argparse.Namespace) -> int:
    from pathlib import Path

    from restart_desktop.app import passphrase as service

    if paths.is_demo:
        print("A demo data folder keeps its demo passphrase.", file=sys.stderr)
        return EXIT_USAGE
    if args.passphrase_command == "recover":  # noqa: S105 - a subcommand's name
        service.check_recoverable(paths)  # said before the new passphrase is asked for
        new = _new_passphrase()
        if new is None:
            print(
                f"Set {NEW_PASSPHRASE_ENV} or run in a terminal to type the new passphrase.",
                file=sys.stderr,
            )
            return EXIT_USAGE
        if service.recover(paths, Path(args.recovery_key), *new):
            print("The lost key file (key.json) was made again from the recovery copy.")
        print("A new passphrase is set. Unlock with it from now on.")
        return EXIT_OK
    from restart_desktop.app.session import require_set_up, unlock

    require_set_up(paths)  # said before the passphrases are asked for
    old = _passphrase("Current passphrase: ")
    new = _new_passphrase()
    if old is None or new is None:
        print(
            f"Set {PASSPHRASE_ENV} and {NEW_PASSPHRASE_ENV}, or run in a terminal to type "
            "the passphrases.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    session = unlock(paths, old)
    try:
        service.change_passphrase(session, old, *new)
    finally:
        session.close()
    print("The passphrase is changed. Unlock with the new one from now on.")
    return EXIT_OK


def _cmd_sync(paths: DataPaths, args: argparse.Namespace) -> int:
    from restart_desktop.cli_sync import run_sync

    return run_sync(lambda: _open_session(paths), args)


def _cmd_team(paths: DataPaths, args: argparse.Namespace) -> int:
    from restart_desktop.cli_sync import run_team

    return run_team(lambda: _open_session(paths), args)


def _cmd_intake(paths: DataPaths, args: argparse.Namespace) -> int:
    from restart_desktop.cli_intake import run

    session = _open_session(paths)
    try:
        return run(session, args)
    finally:
        session.close()


def _cmd_retention(paths: DataPaths, args: argparse.Namespace) -> int:
    from restart_desktop.app.retention import RetentionService

    session = _open_session(paths)
    try:
        service = RetentionService(session)
        if args.run:
            run = service.run()
            print(
                f"Erased {run.erased} cases from this laptop"
                + "".join(f"; {count} by the rule '{rule.label}'" for rule, count in run.by_rule)
                + "."
            )
        policy = service.policy()
        listed = service.schedule()
    finally:
        session.close()
    print(
        f"Policy: closed cases leave workers' laptops {policy.laptop_days} days after closing "
        f"(once held centrally); erased everywhere {policy.export_years} years after closing."
    )
    # Ids, not names: the output may go to a log or a terminal seen by others.
    print("case id                               due         rule         waiting for")
    for item in listed:
        print(
            f"{item.case_id:<37} {item.due:%Y-%m-%d}  {item.rule.value:<12} "
            f"{item.waiting_for or '-'}"
        )
    if not listed:
        print("No case on this laptop is due to be erased.")
    return EXIT_OK


def _cmd_audit(paths: DataPaths) -> int:
    from sqlalchemy import func, select

    from restart_desktop.app.audit import AuditService
    from restart_desktop.store.models import AuditEntry

    session = _open_session(paths)
    try:
        broken = AuditService(session).verify()
        with session.db.read() as s:
            entries = int(s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
    finally:
        session.close()
    for link in broken:
        print(f"BROKEN device {link.device_id}, entry {link.seq}: {link.why}", file=sys.stderr)
    if broken:
        return EXIT_PROBLEM
    print(f"The audit trail is intact: {entries:,} entries, every device's chain verifies.")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if argv is None:  # the program itself (tests pass arguments and keep their own hooks)
        _install_hooks(window=starts_the_window(sys.argv[1:]))
    given = sys.argv[1:] if argv is None else argv
    args = _parser(commands=not starts_the_window(given)).parse_args(given)
    paths = DataPaths(resolve_data_dir(args.data_dir))
    try:
        if args.command == "demo":
            return _cmd_demo(paths, args)
        if args.command == "init":
            return _cmd_init(paths, args)
        if args.command == "doctor":
            return _cmd_doctor(paths)
        if args.command == "sync":
            return _cmd_sync(paths, args)
        if args.command == "team":
            return _cmd_team(paths, args)
        if args.command in ("report", "evaluation-extract", "export-subject"):
            from restart_desktop import cli_documents

            return cli_documents.run(lambda: _open_session(paths), args)
        if args.command == "audit":
            return _cmd_audit(paths)
        if args.command == "passphrase":
            return _cmd_passphrase(paths, args)
        if args.command == "retention":
            return _cmd_retention(paths, args)
        if args.command == "intake":
            return _cmd_intake(paths, args)
        from restart_desktop.ui.application import run_gui

        return run_gui(paths, demo=args.demo, quit_after_shown=args.quit_after_shown)
    except KeyboardInterrupt:
        from restart_desktop import interrupt

        interrupt.stopped()
        # Every save is one transaction and every file is written whole or not at all.
        print(
            "Stopped (Ctrl+C) before the end: what had finished is kept, nothing half-done.",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    except Exception as error:
        if not _is_for_the_user(error):
            raise
        print(str(error), file=sys.stderr)
        return EXIT_PROBLEM


def _install_hooks(*, window: bool) -> None:
    from restart_desktop import crash

    crash.install()  # a bug's traceback without its message: it may quote personal data
    if not window:
        from restart_desktop import interrupt

        interrupt.install()  # a second Ctrl+C does not cut the first one's clean-up short


def _is_for_the_user(error: Exception) -> bool:
    """Errors whose message is written for the person (the rest are bugs: traceback).

    Imported here, not at the top, so that starting the window loads none of these modules.
    """
    from restart_desktop.app.errors import UserError
    from restart_desktop.domain.errors import ReferenceDataError
    from restart_desktop.security.errors import SecurityError
    from restart_desktop.store.errors import StorageError

    return isinstance(error, UserError | SecurityError | StorageError | ReferenceDataError)


if __name__ == "__main__":
    raise SystemExit(main())
