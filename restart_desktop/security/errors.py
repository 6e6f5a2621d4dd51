"""Security failures, each carrying a message a worker can act on."""

from __future__ import annotations


class SecurityError(Exception):
    """Base: ``str(error)`` is written for the person at the keyboard."""


class WrongPassphrase(SecurityError):
    """``wait_seconds`` > 0 when repeated failures mean the next try must wait."""

    def __init__(self, wait_seconds: int = 0) -> None:
        self.wait_seconds = wait_seconds
        message = "That passphrase is not right. Check Caps Lock and try again."
        if wait_seconds:
            message += f" After several wrong tries, wait {wait_seconds} seconds first."
        super().__init__(message)


class TooManyAttempts(SecurityError):
    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(
            f"Too many wrong passphrases. Wait {wait_seconds} seconds before trying again."
        )


class KeyringUnavailable(SecurityError):
    """The operating system's keyring is missing, refused, locked or not answering."""


class KeyringSecretMissing(SecurityError):
    def __init__(self) -> None:
        super().__init__(
            "This laptop's keyring no longer holds the RESTART Desktop secret for this data "
            "folder, so the database cannot be opened, even with the right passphrase. This "
            "happens after a profile reset or on another computer. Ask your supervisor to "
            "recover the data folder."
        )


class KeyFileDamaged(SecurityError):
    pass
