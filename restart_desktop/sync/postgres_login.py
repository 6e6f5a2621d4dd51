"""How a laptop logs in to the central PostgreSQL server: its role's name, the SCRAM verifier
the server keeps instead of its password, the password itself in the system keyring, and a
connection string kept without user or password."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Protocol

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from restart_desktop.security.errors import KeyringUnavailable
from restart_desktop.sync.folder import TargetUnavailable
from restart_desktop.sync.target import is_server_target as is_server_target

_DEVICE_ID = re.compile(r"[0-9a-f-]{36}")


def device_role(device_id: str) -> str:
    if not _DEVICE_ID.fullmatch(device_id):
        raise ValueError("not a device id")
    return "rd_" + device_id.replace("-", "")


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL keeps for a password (RFC 5802, 7677): what
    ``CREATE ROLE ... PASSWORD`` accepts as already hashed, so the password never leaves the
    laptop. (Passwords made here are ASCII, so SASLprep changes nothing.)"""
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored = hashlib.sha256(client_key).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored)}:{b64(server_key)}"


class Passwords(Protocol):
    def get(self, name: str) -> str | None: ...

    def make(self, name: str) -> str: ...


class KeyringPasswords:
    """Server passwords in the operating system's keyring (never in settings or files)."""

    def get(self, name: str) -> str | None:
        from restart_desktop.security.secret_store import KeyringSecretStore

        try:
            value = KeyringSecretStore().get(name)
        except KeyringUnavailable:
            return None
        return None if value is None else value.decode("ascii")

    def make(self, name: str) -> str:
        """The password kept under ``name``, made and kept first if there is none (raises
        KeyringUnavailable, in words, when there is no safe keyring)."""
        from restart_desktop.security.secret_store import KeyringSecretStore

        store = KeyringSecretStore()
        found = store.get(name)
        if found is not None:
            return found.decode("ascii")
        password = secrets.token_urlsafe(32)
        store.set(name, password.encode("ascii"))
        return password


def split_target(text: str) -> tuple[str, str | None]:
    """(the connection string to keep, without user or password; the user it named)."""
    try:
        params = conninfo_to_dict(text.strip())
    except psycopg.ProgrammingError as error:
        raise TargetUnavailable(f"That is not a PostgreSQL connection string ({error}).") from None
    if "password" in params:
        raise TargetUnavailable(
            "Do not put a password in the connection string: the "
            "laptop keeps its own in the system keyring."
        )
    user = params.pop("user", None)
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None}), (
        str(user) if user else None
    )
