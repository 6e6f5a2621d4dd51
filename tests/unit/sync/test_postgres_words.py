"""The central server target's small parts that need no server: which --target is a server,
what is kept of a connection string, and the SCRAM verifier sent instead of a password."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from restart_desktop.sync.folder import TargetUnavailable
from restart_desktop.sync.postgres_login import device_role, scram_verifier, split_target
from restart_desktop.sync.target import is_server_target


@pytest.mark.parametrize(
    ("text", "server"),
    [
        ("postgresql://db.example/restart", True),
        ("postgres://db.example/restart", True),
        ("service=restart", True),
        ("host=db.example dbname=restart", True),
        ("/media/stick/export", False),
        ("export", False),
        (r"C:\Users\w\export", False),
        ("./with=sign", False),
    ],
)
def test_a_target_is_a_server_only_when_it_says_so(text: str, server: bool) -> None:
    assert is_server_target(text) is server


def test_the_kept_connection_string_has_no_user_and_a_password_is_refused() -> None:
    kept, user = split_target("postgresql://admin@db.example:5433/restart?sslmode=verify-full")
    assert user == "admin"
    assert "admin" not in kept
    assert "sslmode=verify-full" in kept
    assert "port=5433" in kept
    with pytest.raises(TargetUnavailable, match="system keyring"):
        split_target("postgresql://admin:secret@db.example/restart")


def test_a_device_role_is_named_by_its_id_only() -> None:
    assert device_role("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b") == (
        "rd_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b"
    )
    with pytest.raises(ValueError, match="not a device id"):
        device_role("x; DROP ROLE postgres")


def test_the_scram_verifier_proves_the_password_without_holding_it() -> None:
    verifier = scram_verifier("correct horse", salt=b"0123456789abcdef")
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored, server = (base64.b64decode(k) for k in keys.split(":"))
    assert method == "SCRAM-SHA-256"
    assert iterations == "4096"
    assert base64.b64decode(salt) == b"0123456789abcdef"
    salted = hashlib.pbkdf2_hmac("sha256", b"correct horse", b"0123456789abcdef", 4096)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    assert stored == hashlib.sha256(client_key).digest()
    assert server == hmac.new(salted, b"Server Key", "sha256").digest()
    assert "correct horse" not in verifier
    assert scram_verifier("correct horse") != scram_verifier("correct horse")  # salted
