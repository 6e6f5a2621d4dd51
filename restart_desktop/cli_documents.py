"""`restart-desktop report`, `evaluation-extract` and `export-subject`: the board pack, the
evaluation extract and a subject access export made from the command line (kept apart from
``cli`` to keep that file readable). Each opens the session only once its arguments are
known to be good, through the ``open_session`` it is given."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from restart_desktop.app.session import AppSession

    OpenSession = Callable[[], AppSession]

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def run(open_session: OpenSession, args: argparse.Namespace) -> int:
    """The documents subcommand ``args.command`` names."""
    command = {
        "report": report,
        "evaluation-extract": evaluation_extract,
        "export-subject": export_subject,
    }[args.command]
    return command(open_session, args)


#: The days a period may start and end on: every record held is well inside, and times
#: made from the days (in UTC, from the laptop's zone) stay inside what Python can hold.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def parse_date(text: str, option: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        print(f"{option} must be a date like 2026-09-30, not '{printable(text)}'.", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        print(
            f"{option} must be a day between {FIRST_DAY} and {LAST_DAY}, not {day}: nothing "
            "was written.",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_USAGE)
    return day


def report(open_session: OpenSession, args: argparse.Namespace) -> int:

    start, end = parse_date(args.start, "--from"), parse_date(args.end, "--to")
    if end < start:
        print("--to is before --from: nothing was written.", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        print(
            f"{args.out} is a file, not a folder: give a folder for the board pack. Nothing "
            "was written.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from restart_desktop.app.figures import FiguresService
    from restart_desktop.documents.board_pack import PROGRAMME, write_board_pack
    from restart_desktop.documents.pdf import offscreen_application
    from restart_desktop.domain.figures import Period

    application = offscreen_application()  # headless: no window is shown
    session = open_session()
    try:
        figures = FiguresService(session).report(Period(start, end), args.by)
    finally:
        session.close()
    written = write_board_pack(figures, out, PROGRAMME)
    del application
    print(
        f"Board pack for {figures.period.label} written to {args.out}: "
        f"{len(written)} files ({', '.join(p.name for p in written[-1:])} and CSV tables)."
    )
    return EXIT_OK


def evaluation_extract(open_session: OpenSession, args: argparse.Namespace) -> int:

    from restart_desktop.app.evaluation import EvaluationService
    from restart_desktop.domain.figures import Period

    start, end = parse_date(args.start, "--from"), parse_date(args.end, "--to")
    if end < start:
        print("--to is before --from: nothing was written.", file=sys.stderr)
        return EXIT_USAGE
    session = open_session()
    try:
        result = EvaluationService(session).extract(
            Period(start, end), Path(args.out), args.recipient
        )
    finally:
        session.close()
    print(
        f"Evaluation extract written to {args.out}: {result.cases} people, {result.events} "
        f"events; {result.coarsened} coarsened, {result.withheld} withheld"
        + ("; linkage file encrypted to the recipient." if result.linkage else ".")
    )
    return EXIT_OK


def printable(text: str) -> str:
    """Text as it may reach a terminal: control characters (escape sequences) and bytes that
    are not text shown as '?', never acted on."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def export_subject(open_session: OpenSession, args: argparse.Namespace) -> int:

    from restart_desktop.app.subject_access import SubjectAccessService, check_folder

    folder = Path(args.out).expanduser()
    if not args.list_names:
        check_folder(folder)  # before the passphrase: say so at once
    from restart_desktop.documents.pdf import offscreen_application
    from restart_desktop.documents.subject_access import export_subject

    application = offscreen_application()  # headless: no window is shown
    session = open_session()
    try:
        service = SubjectAccessService(session)
        records = service.gather(service.find(args.person))
        found = [c.name for c in records.candidates]
        if args.list_names:
            # For the administrator's eyes only: printed, never logged.
            print(f"{len(found)} possible names of other people in case {records.person_id}:")
            for candidate in records.candidates:
                print(f"  {candidate.count:>4}  {printable(candidate.name)}")
            service.names_listed(records)
            return EXIT_OK
        unknown = [name for name in args.keep if name not in found]
        if unknown:
            print(
                f"Not among the names found: {', '.join(unknown)}. Nothing was written; "
                "see them with --list-names.",
                file=sys.stderr,
            )
            return EXIT_USAGE
        withheld = [] if args.no_redact else [n for n in found if n not in args.keep]
        result = export_subject(service, records, folder, withheld)
    finally:
        session.close()
    del application
    print(
        f"Subject access export of case {records.person_id} written to {folder}: "
        f"{result.pdf.name} and {result.json.name}."
    )
    if result.names_withheld:
        names, places = result.names_withheld, result.places_withheld
        print(
            f"{names} name{'s' if names != 1 else ''} of other people withheld in {places} "
            f"place{'s' if places != 1 else ''} (see them with --list-names)."
        )
    elif found:
        print("Nothing was withheld.")
    return EXIT_OK
