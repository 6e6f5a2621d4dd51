"""The sync engine's refusals: what stops a sync or a team step, said in words for the person
using the app (``str(error)``). The app turns them into its own ``UserError`` at its edge."""

from __future__ import annotations


class SyncRefused(Exception):
    """A sync or team step that cannot go on; ``str(error)`` says why and what to do."""
