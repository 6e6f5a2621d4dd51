"""Where RESTART Desktop keeps its files: one place, redirectable for tests and administrators.

Order of precedence: an explicit ``--data-dir`` (passed in by the CLI), then the environment
variable ``RESTART_DESKTOP_DATA_DIR``, then the platform's user data folder (platformdirs).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "RESTART Desktop"
APP_AUTHOR = "RESTART Thames Valley"
DATA_DIR_ENV = "RESTART_DESKTOP_DATA_DIR"
#: Points at another folder of reference data (prisons, services, checklists...).
RESOURCES_ENV = "RESTART_DESKTOP_RESOURCES"


def resources_dir() -> Path:
    """Where the reference data and icons are: an override, a frozen build, an installed
    wheel, or the repo. Here rather than in domain/reference, so that the window can find its
    icon without loading the reference data."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS")) / "resources"  # noqa: B009 - set by PyInstaller
    packaged = Path(__file__).resolve().parent / "_resources"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / "resources"


def default_data_dir() -> Path:
    import platformdirs  # only when no folder was given: keeps start-up lean

    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR, roaming=False))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return default_data_dir()


@dataclass(frozen=True)
class DataPaths:
    """The files inside one data folder. Nothing here is readable personal data."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "restart.db"

    @property
    def keyfile(self) -> Path:
        """Wrapped database key and KDF parameters (no secret is usable without the keyring)."""
        return self.root / "key.json"

    @property
    def unlock_state(self) -> Path:
        """Failed unlock count and time, to slow repeated guesses."""
        return self.root / "unlock-state.json"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def quarantine(self) -> Path:
        """Copies (still encrypted) of bundles sync refused, with the reason, to investigate."""
        return self.root / "quarantine"

    @property
    def window_settings(self) -> Path:
        """Plain settings of this laptop's window (size, position, the main view shown):
        never a name or anything from the database."""
        return self.root / "window.ini"

    @property
    def demo_marker(self) -> Path:
        """Present only in a demo folder: allows the demo's file-held key secret."""
        return self.root / "DEMO-DATA-ONLY"

    @property
    def demo_secret(self) -> Path:
        return self.root / "demo-keyring-secret"

    @property
    def is_demo(self) -> bool:
        return self.demo_marker.exists()

    @property
    def is_enrolled(self) -> bool:
        return self.keyfile.exists() and self.database.exists()

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
