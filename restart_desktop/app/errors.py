"""Application-level failures. Every message is for the person using the app.

Also the one place the window layer takes the storage and security layers' error types from
(ui/ may import nothing else of store/, sync/ or security/: pyproject.toml's import contracts).
"""

from __future__ import annotations

from collections.abc import Mapping

from restart_desktop.security.errors import SecurityError, TooManyAttempts, WrongPassphrase
from restart_desktop.store.errors import StorageError

__all__ = [
    "AlreadyEnrolled",
    "NotEnrolled",
    "NotFound",
    "NotPermitted",
    "SecurityError",
    "StorageError",
    "TooManyAttempts",
    "UserError",
    "ValidationFailed",
    "WrongPassphrase",
]


class UserError(Exception):
    """Something the user can fix; ``str(error)`` says what and how."""


class ValidationFailed(UserError):
    """Input was refused; nothing was saved. ``problems`` maps field name to message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        lines = "\n".join(f"- {message}" for message in self.problems.values())
        super().__init__(f"Nothing was saved. Please correct:\n{lines}")


class NotFound(UserError):
    pass


class AlreadyEnrolled(UserError):
    pass


class NotEnrolled(UserError):
    pass


class NotPermitted(UserError):
    """The signed-in role may not do this (``domain.roles``); nothing was read or saved."""
