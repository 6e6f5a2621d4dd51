"""What Help > About says: the version, when this build was made, the licence, the data folder
and the third-party licences (resources/licences/THIRD_PARTY.md)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from restart_desktop import __version__
from restart_desktop.paths import resources_dir

BUILD_INFO = "build_info.json"  # written into the frozen build by packaging/restart_desktop.spec
LICENCE = "Proprietary: RESTART Thames Valley. Not for use outside the programme."
THIRD_PARTY = Path("licences") / "THIRD_PARTY.md"


@dataclass(frozen=True)
class AboutInfo:
    version: str
    build: str  # "built 23/11/2026 20:55" or "run from source"
    licence: str
    data_folder: Path
    third_party: str


def build_description() -> str:
    """When the running build was made; a development copy says it runs from source."""
    if getattr(sys, "frozen", False):
        path = Path(getattr(sys, "_MEIPASS")) / BUILD_INFO  # noqa: B009 - set by PyInstaller
        try:
            info = json.loads(path.read_text("utf-8"))
            return f"built {info['built']}"
        except (OSError, ValueError, KeyError):
            return "built (date not recorded)"
    return "run from source (a development copy)"


def about(data_folder: Path) -> AboutInfo:
    try:
        third_party = (resources_dir() / THIRD_PARTY).read_text("utf-8")
    except OSError:
        third_party = "The third-party licence list is missing from this installation."
    return AboutInfo(__version__, build_description(), LICENCE, data_folder, third_party)
