"""`restart-desktop intake list` and `restart-desktop intake import FILE.csv`: the intake
queue from the command line (kept apart from ``cli`` to keep that file readable)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from restart_desktop.app.session import AppSession

EXIT_OK = 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    intake = sub.add_parser(
        "intake", help="the intake queue: recommendations waiting for the allocation decision"
    )
    intake_sub = intake.add_subparsers(dest="intake_command", metavar="ACTION", required=True)
    listing = intake_sub.add_parser(
        "list", help="the recommendations on this laptop, oldest first (case ids, never names)"
    )
    listing.add_argument("--all", action="store_true", help="decided ones too")
    batch = intake_sub.add_parser(
        "import",
        help="a referring partner's CSV batch into the queue: the whole file or "
        "nothing (bad rows are named by line); columns in the README",
    )
    batch.add_argument("file", metavar="FILE.csv")


def run(session: AppSession, args: argparse.Namespace) -> int:
    from restart_desktop.app.intake import IntakeService

    service = IntakeService(session)
    if args.intake_command == "import":
        ids = service.import_csv(Path(args.file))
        print(f"Imported {len(ids)} recommendations into the intake queue.")
        return EXIT_OK
    rows = service.queue(include_decided=args.all)
    # Ids, not names: the output may go to a log or a terminal seen by others.
    print(
        "case id                               recommended  source               "
        "status             screen"
    )
    for row in rows:
        print(
            f"{row.person_id:<37} {row.recommended_on:%Y-%m-%d}   "
            f"{('self' if row.is_self else row.source)[:20]:<20} "
            f"{row.status.value:<18} {row.screen.text}"
        )
    print(f"{len(rows)} recommendations.")
    return EXIT_OK
