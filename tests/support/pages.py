"""Read a SQLCipher 4 database file page by page, decrypted with its raw key, as the bytes
SQLite itself stores (free space and deleted cells included): for tests that prove erased
data is gone from the file, not only from query results. Test support only: the plaintext
stays in memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE_SIZE = 4096
SALT = 16
RESERVE = 80  # per page: a 16-byte IV, then a 64-byte HMAC-SHA512 (SQLCipher 4 defaults)


def decrypted_pages(path: Path, key: bytes) -> Iterator[bytes]:
    """Each page of the file decrypted with ``key`` (the raw 256-bit key the app opens the
    database with)."""
    data = path.read_bytes()
    assert len(data) % PAGE_SIZE == 0, "not a whole number of SQLCipher pages"
    for start in range(0, len(data), PAGE_SIZE):
        page = data[start : start + PAGE_SIZE]
        body_from = SALT if start == 0 else 0
        iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        yield decryptor.update(page[body_from : PAGE_SIZE - RESERVE]) + decryptor.finalize()


def decrypted_wal_pages(path: Path, key: bytes) -> Iterator[bytes]:
    """The pages in a write-ahead log file (each frame: a 24-byte header, then the page as
    it is in the database file), decrypted."""
    data = path.read_bytes() if path.exists() else b""
    position = 32  # the log's own header
    while position + 24 + PAGE_SIZE <= len(data):
        page_number = int.from_bytes(data[position : position + 4], "big")
        page = data[position + 24 : position + 24 + PAGE_SIZE]
        body_from = SALT if page_number == 1 else 0
        iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        yield decryptor.update(page[body_from : PAGE_SIZE - RESERVE]) + decryptor.finalize()
        position += 24 + PAGE_SIZE
