"""A private PostgreSQL cluster for the central server tests: ``initdb`` and ``pg_ctl`` in a
temporary folder, listening on its own Unix socket and on 127.0.0.1 only (TLS on, with a
throwaway certificate authority), stopped and removed afterwards. No test touches a system
cluster.

initdb and postgres refuse to run as root: as root the cluster runs as the unprivileged user
``RESTART_PG_USER`` (``restart-pg``, made by ``.ci/run``). Where the server's programs or that
user are missing the tests are skipped with the reason, except under ``CI=true``, where that
is a failure.
"""

from __future__ import annotations

import datetime as dt
import glob
import ipaddress
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from restart_desktop.paths import resources_dir

USER_ENV = "RESTART_PG_USER"
BINDIR_ENV = "RESTART_PG_BINDIR"
SUPERUSER = "postgres"
SCHEMA = "central_server/schema.sql"


def schema_sql() -> str:
    return (resources_dir() / SCHEMA).read_text("utf-8")


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: RESTART_PG_BINDIR, pg_config's answer, or Debian's."""
    if os.environ.get(BINDIR_ENV):
        return Path(os.environ[BINDIR_ENV])
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0,
        reverse=True,
    )
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.insert(0, found.stdout.strip())
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def why_not_available() -> str | None:
    """Why no private cluster can be started here, or None."""
    if find_bindir() is None:
        return (
            "PostgreSQL's initdb and pg_ctl were not found (Debian: apt-get install "
            f"postgresql; or set {BINDIR_ENV})"
        )
    if os.geteuid() == 0:
        user = os.environ.get(USER_ENV, "restart-pg")
        try:
            pwd.getpwnam(user)
        except KeyError:
            return (
                f"running as root, and the unprivileged user {user} that runs the test "
                "cluster does not exist (.ci/run makes it)"
            )
    return None


@dataclass(frozen=True)
class Authority:
    """A throwaway certificate authority and a server certificate it signed."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_authority(
    server_names: tuple[str, ...] = ("localhost",), server_ips: tuple[str, ...] = ("127.0.0.1",)
) -> Authority:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("RESTART test CA (throwaway)"))
        .issuer_name(_name("RESTART test CA (throwaway)"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alt = [x509.DNSName(n) for n in server_names] + [
        x509.IPAddress(ipaddress.ip_address(ip)) for ip in server_ips
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(server_names[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return Authority(
        ca.public_bytes(pem),
        cert.public_bytes(pem),
        key.private_bytes(
            pem, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ),
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    bindir: Path
    port: int
    authority: Authority
    user: str | None  # the unprivileged user it runs as (when the tests run as root)
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def ca_file(self) -> Path:
        return self.root / "ca.pem"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)

    def _must(self, *args: str) -> None:
        done = self._run(*args)
        if done.returncode:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()} {tail}")

    def init(self) -> None:
        self._must(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        )
        (self.data / "server.crt").write_bytes(self.authority.cert_pem)
        (self.data / "server.key").write_bytes(self.authority.key_pem)
        (self.data / "server.key").chmod(0o600)
        if self.user:
            entry = pwd.getpwnam(self.user)
            for name in ("server.crt", "server.key"):
                os.chown(self.data / name, entry.pw_uid, entry.pw_gid)
        # fsync off: the tests stop the server's processes (pg_ctl stop -m immediate), never
        # the machine, and the OS keeps what was written. synchronous_commit stays on: with
        # it off, a commit acknowledged just before an immediate stop is lost (a roster too).
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"""
listen_addresses = '127.0.0.1'
port = {self.port}
unix_socket_directories = '{self.socket_dir}'
ssl = on
fsync = off
max_connections = 60
shared_buffers = 32MB
""")
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostnossl all all 127.0.0.1/32 reject\n",
            "utf-8",
        )

    def start(self) -> None:
        self._must(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._must("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status").returncode == 0

    def conninfo(self, dbname: str = "postgres", user: str | None = None) -> str:
        """Over the Unix socket (trust: each role is who it says; TLS is tested over TCP)."""
        text = f"host={self.socket_dir} port={self.port} dbname={dbname}"
        return text + (f" user={user}" if user else "")

    def tcp_conninfo(
        self, dbname: str, sslmode: str = "verify-full", host: str = "127.0.0.1"
    ) -> str:
        return (
            f"host={host} port={self.port} dbname={dbname} sslmode={sslmode} "
            f"sslrootcert={self.ca_file}"
        )

    def execute(self, statement: str, dbname: str = "postgres") -> None:
        with psycopg.connect(self.conninfo(dbname, SUPERUSER), autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self, template: str | None = None) -> str:
        """A fresh database holding the central export's schema (or a copy of ``template``);
        returns its name."""
        name = f"team_{os.getpid()}_{next(self._names)}"
        if template:
            self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return name
        self.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self.conninfo(name, SUPERUSER), autocommit=True) as conn:
            conn.execute(schema_sql())
        return name


def copy_database(conninfo: str) -> str:
    """A copy of the database ``conninfo`` names (nobody may be connected to it), as the
    same connection string with the copy's name."""
    params = conninfo_to_dict(conninfo)
    source = str(params["dbname"])
    name = f"{source}_c{next(_COPIES)}"
    admin = make_conninfo("", **{**params, "dbname": "postgres", "user": SUPERUSER})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(source)
            )
        )
    return make_conninfo(
        "", **{k: v for k, v in {**params, "dbname": name}.items() if v is not None}
    )


_COPIES = itertools.count(1)


def drop_database(conninfo: str) -> None:
    params = conninfo_to_dict(conninfo)
    admin = make_conninfo("", **{**params, "dbname": "postgres", "user": SUPERUSER})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(str(params["dbname"]))
            )
        )


def start_cluster() -> Cluster:
    bindir = find_bindir()
    assert bindir is not None
    user = os.environ.get(USER_ENV, "restart-pg") if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="restart-pg-"))
    root.chmod(0o755)
    authority = make_authority()
    (root / "ca.pem").write_bytes(authority.ca_pem)
    (root / "socket").mkdir()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chown(root / "socket", entry.pw_uid, entry.pw_gid)
    cluster = Cluster(root, bindir, _free_port(), authority, user)
    try:
        cluster.init()
        cluster.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return cluster


def remove_cluster(cluster: Cluster) -> None:
    try:
        if cluster.running():
            cluster.stop("immediate")
    finally:
        shutil.rmtree(cluster.root, ignore_errors=True)
