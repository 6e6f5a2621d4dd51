"""The sync engine's refusals: what stops a sync or a team step, said in words for the person
using the app (``str(error)``). The app turns them into its own ``UserError`` at its edge."""

from __future__ import annotations

from collections.abc import Callable


class SyncRefused(Exception):
    """A sync or team step that cannot go on; ``str(error)`` says why and what to do."""


class Cancelled(Exception):
    """The user stopped the sync between two bundles: everything applied so far is kept."""


def stop_if(cancelled: Callable[[], bool] | None) -> None:
    """Raise Cancelled if the user has asked to stop (``cancelled``): called between two
    bundles of long work, where what is done is whole."""
    if cancelled is not None and cancelled():
        raise Cancelled
