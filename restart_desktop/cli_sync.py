"""`restart-desktop sync` and `restart-desktop team ...`: the central export from the command
line (kept apart from ``cli`` to keep that file readable). Every problem is a sentence on
stderr and a non-zero exit; the figures on stdout are what administrators' scripts read."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from restart_desktop.app.session import AppSession

EXIT_OK, EXIT_PROBLEM = 0, 1


#: How long `restart-desktop sync` waits for a sync already running on this laptop (the
#: window's, or a scheduled one) before it says so and gives up.
SYNC_WAIT_SECONDS = 10.0


def _target_arg(text: str) -> Path | str:
    """A server's connection string as it is; a folder as a path."""
    from restart_desktop.sync.target import is_server_target

    return text if is_server_target(text) else Path(text)


def run_sync(open_session: Callable[[], AppSession], args: argparse.Namespace) -> int:
    """`restart-desktop sync`: one sync now, its figures on stdout, problems on stderr.

    Ctrl+C stops it between two bundles (what was applied or published stays) even when
    the press's KeyboardInterrupt was cleared by the database driver: the sync asks
    ``interrupt.pressed`` after each bundle."""
    from restart_desktop import interrupt
    from restart_desktop.app.sync import Cancelled, SyncService, SyncState

    session = open_session()
    try:
        service = SyncService(session)
        if args.rebuild:
            print(f"Rebuilt {service.rebuild():,} records from their changes.")
        if args.target:
            result = service.sync_with_target(
                _target_arg(args.target),
                check_digests=True,
                wait_seconds=SYNC_WAIT_SECONDS,
                cancelled=interrupt.pressed,
            )
        else:
            result = service.sync_now(
                check_digests=True, wait_seconds=SYNC_WAIT_SECONDS, cancelled=interrupt.pressed
            )
    except Cancelled:  # Ctrl+C, seen between two bundles: said as any other stop by Ctrl+C
        raise KeyboardInterrupt from None
    finally:
        session.close()
    report = result.report
    if result.state == SyncState.WAITING_FOR_APPROVAL:  # on its way: nothing to do here
        print(result.message)
        return EXIT_OK
    if result.state != SyncState.SYNCED:  # no team, not in it: nothing was exchanged
        print(result.message)
        return EXIT_PROBLEM
    gaps = len(report.problems) - report.quarantined - report.unreadable
    print(
        f"Synced: sent {result.published} bundles; received {report.applied} changes in "
        f"{report.bundles} bundles; {report.conflicts} conflicts to settle; "
        f"{report.quarantined} quarantined; {gaps} waiting for a missing bundle; "
        f"{result.erased} cases erased under the retention rules."
    )
    if result.own.republished:
        print(
            f"Published again {result.own.republished} of this laptop's bundles that were "
            "missing from the central export."
        )
    for name in result.own.set_aside:
        print(
            f"PROBLEM {name} in this laptop's folder of the central export was not signed "
            "by this laptop: it was set aside (see the data folder's quarantine) and did not "
            "count.",
            file=sys.stderr,
        )
    for words in result.ignored:
        print(words)
    for problem in report.problems.values():
        print(f"PROBLEM {problem}", file=sys.stderr)
    for name in result.differs_from:
        print(
            f"PROBLEM this laptop's records differ from {name}'s though both hold the same "
            "changes: run restart-desktop sync --rebuild",
            file=sys.stderr,
        )
    for name in result.unverified_heads:
        print(
            f"PROBLEM the audit trail's chain head of {name}'s laptop in the central export "
            "does not verify (damaged, or replaced by someone): entries cut from that "
            "laptop's trail could go unseen. Ask your supervisor to check the export.",
            file=sys.stderr,
        )
    problems = (
        report.problems or result.differs_from or result.own.set_aside or result.unverified_heads
    )
    return EXIT_PROBLEM if problems else EXIT_OK


def run_team(open_session: Callable[[], AppSession], args: argparse.Namespace) -> int:
    """`restart-desktop team ACTION`: create, join, list, approve, remove, promote, move."""
    if args.team_command == "move":  # an administrator's: no data folder needed
        from restart_desktop.app.team_move import laptops_target, move_team

        moved = move_team(args.source, args.destination)
        print(
            f"Moved the team: {moved.bundles} bundles and {moved.files} files of "
            f"{moved.devices} laptops, and {moved.requests} requests to join. Each laptop "
            f"now syncs with: restart-desktop sync --target "
            f"'{laptops_target(args.destination)}'"
        )
        return EXIT_OK
    from restart_desktop.app.sync import SyncService, write_recovery_identity
    from restart_desktop.domain.case import Role

    session = open_session()
    try:
        service = SyncService(session)
        if args.team_command == "create":
            from restart_desktop.sync.envelope import fingerprint

            where = _target_arg(args.target)
            key_file = Path(args.recovery_key_out)
            with service.target_kept_if_refused(where):
                service.set_target(where, create=True)  # before the key file is made
                recovery = write_recovery_identity(key_file)
                try:
                    roster = service.create_team(where, recovery)
                except BaseException:
                    key_file.unlink(missing_ok=True)  # made just now, for no team
                    raise
            print(
                f"Team created in {args.target}. Team fingerprint: "
                f"{fingerprint(roster.supervisor_key)} (workers compare it when joining)."
            )
            print(f"The recovery identity is in {args.recovery_key_out}: keep it offline.")
        elif args.team_command == "join":
            supervisor, own = service.request_to_join(_target_arg(args.target))
            print(
                f"Asked to join. Check with your supervisor that their fingerprint is "
                f"{supervisor}; they will see this laptop as {own}."
            )
        elif args.team_command == "list":
            from restart_desktop.sync.envelope import fingerprint

            for member in service.members():
                print(
                    f"member   {member.device_id}  {member.name} ({member.role})  "
                    f"fingerprint {fingerprint(member.verify_key)}"
                )
            for member in service.requests():
                print(
                    f"pending  {member.device_id}  {member.name} ({member.role})  "
                    f"fingerprint {fingerprint(member.verify_key)}"
                )
        elif args.team_command == "approve":
            devices = (
                [m.device_id for m in service.requests()] if args.all_pending else [args.device]
            )
            for device in devices:
                service.approve(device)
            print(f"Approved {len(devices)}: they receive the team's changes from their next sync.")
        elif args.team_command == "remove":
            service.remove(args.device)
            print("Removed: nothing more is sent to or taken from that device.")
        elif args.team_command == "promote":
            member = service.promote(args.device, Role(args.role))
            if member.role == Role.ALLOCATOR:
                print(
                    f"{member.name} is now the allocator: their laptop receives the intake "
                    "of every case (never notes, referrals or scores) from its next sync."
                )
            else:
                print(
                    f"{member.name} is now a supervisor: their laptop receives every case "
                    "of the team from its next sync."
                )
    finally:
        session.close()
    return EXIT_OK
