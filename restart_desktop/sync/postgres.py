"""A PostgreSQL server as the central export, for deployments that outgrow a shared folder.

The server holds the bytes a folder holds (``resources/central_server/schema.sql``): the
signed roster, join requests, and each device's signed, age-encrypted bundles and files. It
can read none of the case data; every check and the merge stay on the laptops, above the
same interface as the folder (``sync.target.Target``).

Each laptop connects as its own role (``rd_`` and its device id's hexadecimal digits); row-
level security lets it insert only its own rows and delete only its own superseded
generations, and it has no UPDATE grant. A laptop not yet admitted (or removed) falls back to
the joining role, which can read the roster and file a request, nothing else. A laptop's
password, when the server asks for one, is made by the laptop and kept in the operating
system's keyring; the server only ever receives its SCRAM verifier (in the join request).

Publication is one INSERT per bundle: a killed laptop or a dropped connection leaves nothing
half written, and the export position is read back from the rows that are there.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from restart_desktop.sync.folder import (
    NotTheExport,
    Published,
    PublishRaced,
    TargetUnavailable,
    part_of,
)
from restart_desktop.sync.postgres_login import (
    KeyringPasswords,
    Passwords,
    device_role,
    scram_verifier,
    split_target,
)
from restart_desktop.sync.target import ServerUnreachable
from restart_desktop.sync.target import is_server_target as is_server_target

log = logging.getLogger(__name__)
T = TypeVar("T")

JOINING_ROLE = "restart_joining"
#: A statement that takes longer is cut off: the sync stops with "not reachable" and carries
#: on at the next one, rather than hanging on a server in trouble.
STATEMENT_TIMEOUT = os.environ.get("RESTART_DESKTOP_PG_STATEMENT_TIMEOUT", "60s")
CONNECT_TIMEOUT_SECONDS = 10
_NO_SCHEMA = (
    "This PostgreSQL database holds no RESTART Desktop central export: ask its "
    "administrator to run the setup script (docs/central-server.md)."
)


class _NotLetIn(Exception):
    """The server does not let this role in (not made yet, disabled, or wrong password)."""


def _words(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return re.sub(r"^connection failed: ", "", text)


class PostgresTarget:
    """The central export in a PostgreSQL database (``schema.sql``), as ``device_id``'s role;
    with no ``device_id``, as the connection string's user (an administrator's view)."""

    def __init__(
        self, conninfo: str, device_id: str | None = None, passwords: Passwords | None = None
    ) -> None:
        self._conninfo, self._admin_user = split_target(conninfo)
        self._device_id = device_id
        self._passwords: Passwords = passwords or KeyringPasswords()
        self._conn: psycopg.Connection[Any] | None = None
        self.joining = False  # connected as the joining role (not admitted, or removed)

    # --- connecting ----------------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self._conninfo

    @property
    def conninfo(self) -> str:
        return self._conninfo

    @staticmethod
    def _password_name(role: str) -> str:
        """The keyring entry of a role's password: a device's role is its own, whatever
        address the server is reached by (a replica after a failover, a new host name)."""
        return f"central-server {role}"

    def _open(self, role: str | None) -> psycopg.Connection[Any]:
        params: dict[str, Any] = {"autocommit": True, "application_name": "restart-desktop"}
        if "connect_timeout" not in conninfo_to_dict(self._conninfo):
            params["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        if role:
            params["user"] = role
        try:
            conn = psycopg.connect(self._conninfo, **params)
        except psycopg.OperationalError as error:
            text = str(error)
            wants_password = (
                "no password supplied" in text or "password authentication failed" in text
            )
            password = (
                self._passwords.get(self._password_name(role or "")) if (wants_password) else None
            )
            if password is None:
                self._refuse(error)
            try:
                conn = psycopg.connect(self._conninfo, password=password, **params)
            except psycopg.OperationalError as again:
                self._refuse(again)
        conn.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(STATEMENT_TIMEOUT)))
        return conn

    @staticmethod
    def _refuse(error: psycopg.OperationalError) -> Any:
        text = str(error)
        if (
            ("does not exist" in text and "role" in text)
            or "not permitted to log in" in text
            or "password authentication failed" in text
            or "no password supplied" in text
        ):
            raise _NotLetIn(_words(error))
        if "certificate" in text or "SSL" in text or "ssl" in text:
            raise TargetUnavailable(
                f"The central server's identity could not be checked, so nothing was sent "
                f"({_words(error)}). Check the server's name and the sslrootcert setting."
            )
        if "database" in text and "does not exist" in text:
            raise TargetUnavailable(f"The central server has no such database ({_words(error)}).")
        raise ServerUnreachable(f"Central server not reachable ({_words(error)}).")

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        if self._device_id is None:
            try:
                self._conn = self._open(self._admin_user)
            except _NotLetIn as error:
                raise TargetUnavailable(
                    f"The central server refused the connection ({error})."
                ) from None
            return self._conn
        try:
            self._conn = self._open(device_role(self._device_id))
            self.joining = False
        except _NotLetIn:
            try:
                self._conn = self._open(JOINING_ROLE)
            except _NotLetIn as error:
                raise TargetUnavailable(
                    f"The central server does not let this laptop in ({error}). Ask its "
                    "administrator (docs/central-server.md)."
                ) from None
            self.joining = True
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __del__(self) -> None:  # a target dropped without close(): no warning, no leak
        conn = getattr(self, "_conn", None)
        if conn is not None and not conn.closed:
            conn.close()

    def _run(self, work: Callable[[psycopg.Cursor[Any]], T]) -> T:
        """Run ``work`` in one transaction; what the server or network does becomes words."""
        conn = self._connection()
        try:
            with conn.transaction(), conn.cursor() as cursor:
                return work(cursor)
        except psycopg.errors.UndefinedTable:
            raise NotTheExport(_NO_SCHEMA) from None
        except psycopg.errors.InsufficientPrivilege as error:
            raise PermissionError(13, f"the central server refused it: {_words(error)}") from None
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            self.close()
            raise ServerUnreachable(f"Central server not reachable ({_words(error)}).") from None
        except psycopg.Error as error:  # anything else the server says: in words, no trace
            raise OSError(5, f"the central server refused it: {_words(error)}") from None

    def reachable(self) -> bool:
        try:
            self.check()
        except TargetUnavailable:
            return False
        return True

    def check(self) -> None:
        self._connection()

    def check_identity(self) -> None:
        if self.read_roster() is None:
            raise NotTheExport(
                "The central server holds no team yet: a supervisor makes it "
                "(restart-desktop team create)."
            )

    # --- bundles ---------------------------------------------------------------------------
    def published(self, device_id: str) -> list[Published]:
        rows = self._run(
            lambda c: c.execute(
                "SELECT from_seq, to_seq, max(generation) FROM restart.bundles WHERE device_id = %s"
                " GROUP BY from_seq, to_seq ORDER BY from_seq, to_seq",
                (device_id,),
            ).fetchall()
        )
        return [Published(device_id, a, b, g) for a, b, g in rows]

    def bundle_files(self, device_id: str) -> list[Published]:
        rows = self._run(
            lambda c: c.execute(
                "SELECT from_seq, to_seq, generation FROM restart.bundles WHERE device_id = %s"
                " ORDER BY from_seq, to_seq, generation",
                (device_id,),
            ).fetchall()
        )
        return [Published(device_id, a, b, g) for a, b, g in rows]

    def confirm_listing(self, device_id: str, last: int) -> None:
        """Nothing kept: a server's rows are listed again at every sync."""

    def unchanged_since_confirmed(self, device_id: str) -> int | None:
        return None

    def devices(self) -> list[str]:
        rows = self._run(
            lambda c: c.execute(
                "SELECT device_id FROM restart.bundles UNION SELECT device_id FROM restart.files"
                " ORDER BY 1"
            ).fetchall()
        )
        return [row[0] for row in rows]

    def last_published_seq(self, device_id: str) -> int:
        found = self._run(
            lambda c: c.execute(
                "SELECT max(to_seq) FROM restart.bundles WHERE device_id = %s", (device_id,)
            ).fetchone()
        )
        return int(found[0]) if found and found[0] is not None else 0

    def publish(
        self,
        device_id: str,
        from_seq: int,
        to_seq: int,
        ciphertext: bytes,
        signature: bytes,
        generation: int = 1,
        intact: Callable[[bytes, bytes], bool] | None = None,
    ) -> Published:
        """One INSERT: the row is there whole or not at all. Another process of this device
        may have published the same range first: its row stands if it is intact."""
        item = Published(device_id, from_seq, to_seq, generation)

        def insert(c: psycopg.Cursor[Any]) -> int:
            c.execute(
                "INSERT INTO restart.bundles (device_id, from_seq, to_seq, generation,"
                " ciphertext, signature) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (device_id, from_seq, to_seq, generation, ciphertext, signature),
            )
            return c.rowcount

        if self._run(insert) == 1 or intact is None:
            return item
        there = self.read_parts(item)
        if there[0] is not None and there[1] is not None and intact(there[0], there[1]):
            return item
        raise PublishRaced(
            f"the central server holds another bundle {item.name} of this "
            "laptop that does not verify"
        )

    def _delete(self, item: Published) -> None:
        self._run(
            lambda c: c.execute(
                "DELETE FROM restart.bundles WHERE device_id = %s AND from_seq = %s AND to_seq = %s"
                " AND generation = %s",
                (item.device_id, item.from_seq, item.to_seq, item.generation),
            )
        )

    def retire(self, item: Published) -> None:
        """Delete an older generation and its parts in one transaction (row-level security:
        only once a newer one is there)."""
        key = (item.device_id, item.from_seq, item.to_seq, item.generation)

        def delete(c: psycopg.Cursor[Any]) -> None:
            for table in ("bundles", "parts"):
                c.execute(
                    sql.SQL(
                        "DELETE FROM restart.{} WHERE device_id = %s AND from_seq = %s"
                        " AND to_seq = %s AND generation = %s"
                    ).format(sql.Identifier(table)),
                    key,
                )

        self._run(delete)

    # --- the parts of format 3 bundles -------------------------------------------------------
    def publish_parts(self, device_id: str, parts: Sequence[tuple[str, bytes, bytes]]) -> None:
        """Every part of a bundle in one transaction, before its manifest; a part is named by
        its bytes, so one already there (another process of this laptop) is the same."""
        rows = []
        for name, ciphertext, signature in parts:
            bundle = part_of(name)
            if bundle is None:
                raise ValueError(f"not a part name: {name}")
            rows.append((device_id, name, *bundle, ciphertext, signature))
        if rows:
            self._run(
                lambda c: c.executemany(
                    "INSERT INTO restart.parts (device_id, name, from_seq, to_seq, generation,"
                    " ciphertext, signature) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    rows,
                )
            )

    def read_part(self, device_id: str, name: str) -> tuple[bytes, bytes]:
        row = self._run(
            lambda c: c.execute(
                "SELECT ciphertext, signature FROM restart.parts WHERE "
                "device_id = %s AND name = %s",
                (device_id, name),
            ).fetchone()
        )
        if row is None:
            raise FileNotFoundError(2, "no such part in the central server", name)
        return bytes(row[0]), bytes(row[1])

    def part_names(self, device_id: str) -> list[str]:
        rows = self._run(
            lambda c: c.execute(
                "SELECT name FROM restart.parts WHERE device_id = %s ORDER BY name", (device_id,)
            ).fetchall()
        )
        return [row[0] for row in rows]

    def remove(self, item: Published) -> None:
        """A row this laptop did not sign: the server lets a laptop delete only its own
        superseded generations, so an administrator removes any other (it is refused by
        every reader meanwhile)."""
        self._delete(item)

    def read_parts(self, item: Published) -> tuple[bytes | None, bytes | None]:
        row = self._run(
            lambda c: c.execute(
                "SELECT ciphertext, signature FROM restart.bundles WHERE device_id = %s"
                " AND from_seq = %s AND to_seq = %s AND generation = %s",
                (item.device_id, item.from_seq, item.to_seq, item.generation),
            ).fetchone()
        )
        return (bytes(row[0]), bytes(row[1])) if row else (None, None)

    def read(self, item: Published) -> tuple[bytes, bytes]:
        ciphertext, signature = self.read_parts(item)
        if ciphertext is None or signature is None:
            raise FileNotFoundError(2, "no such bundle in the central server", item.name)
        return ciphertext, signature

    # --- replaceable files and the roster --------------------------------------------------
    def publish_file(self, device_id: str, name: str, data: bytes, signature: bytes) -> None:
        def replace(c: psycopg.Cursor[Any]) -> None:
            c.execute(
                "INSERT INTO restart.files (device_id, name, data, signature)"
                " VALUES (%s, %s, %s, %s) RETURNING id",
                (device_id, name, data, signature),
            )
            row = c.fetchone()
            assert row is not None
            c.execute(
                "DELETE FROM restart.files WHERE device_id = %s AND name = %s AND id < %s",
                (device_id, name, row[0]),
            )

        self._run(replace)

    def read_file(self, device_id: str, name: str) -> tuple[bytes, bytes] | None:
        row = self._run(
            lambda c: c.execute(
                "SELECT data, signature FROM restart.files WHERE device_id = %s AND name = %s"
                " ORDER BY id DESC LIMIT 1",
                (device_id, name),
            ).fetchone()
        )
        return (bytes(row[0]), bytes(row[1])) if row else None

    def publish_roster(self, data: bytes, signature: bytes) -> None:
        self._run(
            lambda c: c.execute(
                "INSERT INTO restart.roster (data, signature) VALUES (%s, %s)", (data, signature)
            )
        )

    def read_roster(self) -> tuple[bytes, bytes] | None:
        row = self._run(
            lambda c: c.execute(
                "SELECT data, signature FROM restart.roster ORDER BY id DESC LIMIT 1"
            ).fetchone()
        )
        return (bytes(row[0]), bytes(row[1])) if row else None

    # --- joining ---------------------------------------------------------------------------
    def _verifier(self, device_id: str) -> str | None:
        """The verifier of this laptop's own password, made and kept in the keyring now;
        none with a client certificate (the server checks the certificate instead)."""
        if "sslcert" in conninfo_to_dict(self._conninfo):
            return None
        return scram_verifier(self._passwords.make(self._password_name(device_role(device_id))))

    def file_request(self, device_id: str, data: bytes) -> None:
        verifier = self._verifier(device_id)
        self._run(
            lambda c: c.execute(
                "INSERT INTO restart.requests (device_id, data, verifier) VALUES (%s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (device_id, data, verifier),
            )
        )

    def requests(self) -> list[bytes]:
        """The requests whose entry names the device they were filed for (approving makes
        that device's role with that request's password verifier)."""
        rows = self._run(
            lambda c: c.execute(
                "SELECT device_id, data FROM restart.requests ORDER BY device_id"
            ).fetchall()
        )
        found = []
        for device_id, data in rows:
            try:
                named = json.loads(bytes(data)).get("device_id")
            except (ValueError, AttributeError):
                named = None
            if named == device_id:
                found.append(bytes(data))
            else:
                log.warning("a join request on the central server names another device")
        return found

    def has_request(self, device_id: str) -> bool:
        row = self._run(
            lambda c: c.execute("SELECT restart.request_filed(%s)", (device_id,)).fetchone()
        )
        return bool(row and row[0])

    @staticmethod
    def _make_role(
        c: psycopg.Cursor[Any], role: str, verifier: str | None, extra: str = ""
    ) -> None:
        exists = c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        statement = sql.SQL("ALTER ROLE {} LOGIN" if exists else "CREATE ROLE {} LOGIN")
        parts: list[sql.Composable] = [statement.format(sql.Identifier(role))]
        if extra:
            parts.append(sql.SQL(extra))
        if verifier:
            parts.append(sql.SQL("PASSWORD {}").format(sql.Literal(verifier)))
        c.execute(sql.SQL(" ").join(parts))

    @staticmethod
    def _add_member(c: psycopg.Cursor[Any], device_id: str, role: str) -> None:
        c.execute(
            "INSERT INTO restart.members (device_id, role_name) VALUES (%s, %s)"
            " ON CONFLICT (device_id) DO UPDATE SET active = true, changed_at = now()",
            (device_id, role),
        )

    def found_team(self, device_id: str) -> None:
        """Make the supervisor's own role (allowed to make the team's other roles), as the
        connection string's user: an administrator's role allowed to create roles."""
        role, verifier = device_role(device_id), self._verifier(device_id)
        founder = PostgresTarget(
            self._conninfo + (f" user={self._admin_user}" if self._admin_user else ""),
            None,
            self._passwords,
        )

        def make(c: psycopg.Cursor[Any]) -> None:
            self._make_role(c, role, verifier, "CREATEROLE")
            c.execute(
                sql.SQL("GRANT restart_device TO {} WITH ADMIN OPTION").format(sql.Identifier(role))
            )
            c.execute(sql.SQL("GRANT restart_supervisor TO {}").format(sql.Identifier(role)))
            self._add_member(c, device_id, role)

        try:
            founder._run(make)
        except PermissionError:
            raise PermissionError(
                13,
                "making the team on a central server needs a role "
                "allowed to create roles: put the administrator's user in "
                "the connection string for team create",
            ) from None
        finally:
            founder.close()
        self.close()  # from now on as the supervisor's own role

    def admit(self, device_id: str) -> None:
        """Make the device's role (with the verifier from its request) and add it to the
        members, then drop its request: one transaction."""
        role = device_role(device_id)

        def make(c: psycopg.Cursor[Any]) -> None:
            row = c.execute(
                "SELECT verifier FROM restart.requests WHERE device_id = %s", (device_id,)
            ).fetchone()
            self._make_role(c, role, row[0] if row else None)
            c.execute(sql.SQL("GRANT restart_device TO {}").format(sql.Identifier(role)))
            self._add_member(c, device_id, role)
            c.execute("DELETE FROM restart.requests WHERE device_id = %s", (device_id,))

        self._run(make)

    def expel(self, device_id: str) -> None:
        role = device_role(device_id)

        def disable(c: psycopg.Cursor[Any]) -> None:
            if c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                c.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(role)))
            c.execute(
                "UPDATE restart.members SET active = false, changed_at = now()"
                " WHERE device_id = %s",
                (device_id,),
            )

        self._run(disable)

    # --- a team moved here (``team move``), as the administrator ---------------------------
    def copy_request(self, device_id: str, data: bytes) -> None:
        self._run(
            lambda c: c.execute(
                "INSERT INTO restart.requests (device_id, data) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                (device_id, data),
            )
        )

    def adopt(self, device_ids: list[str], founder: str | None) -> None:
        """Make the roles of a team's members (moved here from another target): the
        founding supervisor's may create the others'. Without passwords: each laptop's
        administrator sets one, or the server checks client certificates
        (docs/central-server.md)."""

        def make(c: psycopg.Cursor[Any]) -> None:
            for device_id in device_ids:
                role = device_role(device_id)
                self._make_role(c, role, None, "CREATEROLE" if device_id == founder else "")
                admin = " WITH ADMIN OPTION" if device_id == founder else ""
                c.execute(
                    sql.SQL("GRANT restart_device TO {}" + admin).format(sql.Identifier(role))
                )
                if device_id == founder:
                    c.execute(
                        sql.SQL("GRANT restart_supervisor TO {}").format(sql.Identifier(role))
                    )
                self._add_member(c, device_id, role)

        self._run(make)
