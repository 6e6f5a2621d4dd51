"""What a central export is to the sync, whatever holds it: a folder (``sync.folder``) or a
PostgreSQL server (``sync.postgres``). Both hold the same bytes (signed roster, join
requests, each device's signed, age-encrypted bundles and files); the checks and the merge
are the laptops', above this interface, and never depend on which target it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from restart_desktop.sync.folder import Published, TargetUnavailable

_SERVER_PREFIXES = ("postgresql://", "postgres://")


def is_server_target(text: str) -> bool:
    """Whether a ``--target`` names a server (a libpq URL or key=value connection string,
    such as ``service=NAME``) rather than a folder."""
    text = text.strip()
    return text.startswith(_SERVER_PREFIXES) or bool(re.match(r"^[a-z_]+\s*=", text))


class ServerUnreachable(TargetUnavailable):
    """The central server did not answer (down, restarting, network gone, timed out)."""


class Target(Protocol):
    @property
    def location(self) -> str:
        """Where it is, for people: a folder's path, a server's address (never a password)."""

    def reachable(self) -> bool: ...

    def check(self) -> None: ...

    def check_identity(self) -> None: ...

    def published(self, device_id: str) -> list[Published]: ...

    def bundle_files(self, device_id: str) -> list[Published]: ...

    def confirm_listing(self, device_id: str, last: int) -> None:
        """The files bundle_files listed last are the device's bundles as it records them,
        up to change ``last`` (kept for unchanged_since_confirmed, or not at all)."""

    def unchanged_since_confirmed(self, device_id: str) -> int | None:
        """``last`` of confirm_listing while the device's files are those confirmed (and
        written since by this process), found cheaply; None when it cannot tell."""

    def remove(self, item: Published) -> None: ...

    def devices(self) -> list[str]: ...

    def last_published_seq(self, device_id: str) -> int: ...

    def publish(
        self,
        device_id: str,
        from_seq: int,
        to_seq: int,
        ciphertext: bytes,
        signature: bytes,
        generation: int = 1,
        intact: Callable[[bytes, bytes], bool] | None = None,
    ) -> Published: ...

    def retire(self, item: Published) -> None:
        """Remove an older generation once a newer one is published, then its parts."""

    # --- the parts of format 3 bundles (each encrypted to one audience) -------------------
    def publish_parts(self, device_id: str, parts: Sequence[tuple[str, bytes, bytes]]) -> None:
        """(name, ciphertext, signature) of each part, all before the manifest listing them."""

    def read_part(self, device_id: str, name: str) -> tuple[bytes, bytes]:
        """(ciphertext, signature) of a part; FileNotFoundError when it is not there."""

    def part_names(self, device_id: str) -> list[str]:
        """Every part the device has in the export (for a verbatim copy of the team)."""

    def read(self, item: Published) -> tuple[bytes, bytes]: ...

    def read_parts(self, item: Published) -> tuple[bytes | None, bytes | None]:
        """(bundle, signature), each None when not there: what a stray file really holds."""

    def publish_file(self, device_id: str, name: str, data: bytes, signature: bytes) -> None: ...

    def read_file(self, device_id: str, name: str) -> tuple[bytes, bytes] | None: ...

    def publish_roster(self, data: bytes, signature: bytes) -> None: ...

    def read_roster(self) -> tuple[bytes, bytes] | None: ...

    # --- joining: requests, and what the target does when the supervisor decides -------------
    def file_request(self, device_id: str, data: bytes) -> None: ...

    def requests(self) -> list[bytes]: ...

    def has_request(self, device_id: str) -> bool: ...

    def found_team(self, device_id: str) -> None:
        """The supervisor's laptop makes the team here (a server makes its role)."""

    def admit(self, device_id: str) -> None:
        """After the roster names the device: its request goes (a server makes its role)."""

    def expel(self, device_id: str) -> None:
        """After the roster no longer names the device (a server disables its role)."""

    def close(self) -> None: ...
