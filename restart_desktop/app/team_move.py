"""``restart-desktop team move --from TARGET --to TARGET`` for the command line: the copy
itself is ``sync.team_move``; its refusals become the app's user errors here."""

from __future__ import annotations

from restart_desktop.app.errors import UserError
from restart_desktop.sync.errors import SyncRefused
from restart_desktop.sync.team_move import Moved
from restart_desktop.sync.team_move import laptops_target as laptops_target
from restart_desktop.sync.team_move import move_team as _move_team


def move_team(source_where: str, destination_where: str) -> Moved:
    """Copy a team's whole central export from one target to another, verbatim."""
    try:
        return _move_team(source_where, destination_where)
    except SyncRefused as error:
        raise UserError(str(error)) from None
