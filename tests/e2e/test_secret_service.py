"""The keyring path real Linux users take: a Secret Service (GNOME Keyring) on a D-Bus session.

Needs the Debian packages dbus and gnome-keyring. Without them the test is skipped on a
developer's machine, but fails under CI (CI=true), which must exercise this path.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from restart_desktop.domain.reference import load_reference_data
from restart_desktop.security.secret_store import SERVICE_NAME
from tests.support.cli import cli_env, doctor_lines
from tests.support.constants import PASSPHRASE

pytestmark = pytest.mark.e2e

SESSION_TIMEOUT_SECONDS = 180
TOOLS = ("dbus-run-session", "gnome-keyring-daemon")
SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"

# Runs inside the private D-Bus session. Each step leaves NAME.out, NAME.err and NAME.rc in $OUT.
SESSION_SCRIPT = r"""
set -u
echo -n test | gnome-keyring-daemon --unlock --components=secrets >"$OUT/daemon.out" 2>&1 \
    || { echo "gnome-keyring-daemon did not start" >&2; exit 90; }
step() {
    local name=$1
    shift
    "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
    echo $? >"$OUT/$name.rc"
}
step init "$PY" -m restart_desktop init --name "Testy McExample" --organisation "$ORG"
step doctor "$PY" -m restart_desktop doctor
step clear "$PY" -c "$CLEAR_SECRETS"
step doctor_after_clear "$PY" -m restart_desktop doctor
"""

# Removes the app's secrets straight from the Secret Service, as a profile reset would.
CLEAR_SECRETS = f"""
import secretstorage
connection = secretstorage.dbus_init()
items = list(secretstorage.search_items(connection, {{"service": {SERVICE_NAME!r}}}))
print(len(items))
for item in items:
    item.delete()
"""


def _require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    message = (
        f"{', '.join(missing)} not installed (apt-get install dbus gnome-keyring libsecret-tools)"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the Secret Service test: {message}")
    pytest.skip(message)


def _run_session(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the script; on a hang, kill the whole process group (bus and keyring daemon too)."""
    process = subprocess.Popen(
        ["dbus-run-session", "--", "bash", "-c", SESSION_SCRIPT],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=SESSION_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"the Secret Service session did not finish in {SESSION_TIMEOUT_SECONDS} s")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


class Step:
    def __init__(self, out: Path, name: str) -> None:
        self.name = name
        self.stdout = (out / f"{name}.out").read_text("utf-8")
        self.stderr = (out / f"{name}.err").read_text("utf-8")
        self.returncode = int((out / f"{name}.rc").read_text("utf-8"))

    def __repr__(self) -> str:
        return f"{self.name}: exit {self.returncode}\n{self.stdout}\n{self.stderr}"


def test_init_and_doctor_through_gnome_keyring(tmp_path: Path) -> None:
    _require_tools()
    home = tmp_path / "home"
    runtime = tmp_path / "runtime"
    out = tmp_path / "out"
    for folder in (home, runtime, out):
        folder.mkdir(mode=0o700)
    env = cli_env(
        tmp_path,
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_RUNTIME_DIR=str(runtime),
        PYTHON_KEYRING_BACKEND=SECRET_SERVICE_BACKEND,
        RESTART_DESKTOP_PASSPHRASE=PASSPHRASE,
        PY=sys.executable,
        ORG=load_reference_data().organisations[0].code,
        OUT=str(out),
        CLEAR_SECRETS=CLEAR_SECRETS,
    )
    for name in ("DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL", "RESTART_TEST_KEYRING_FILE"):
        env.pop(name, None)

    session = _run_session(env, tmp_path)

    assert session.returncode == 0, session.stderr
    init = Step(out, "init")
    assert init.returncode == 0, init
    doctor = Step(out, "doctor")
    assert doctor.returncode == 0, doctor
    checks = doctor_lines(doctor.stdout)
    checks.pop("example contacts")  # a warning in a real folder on the shipped examples
    assert all(ok for ok, _ in checks.values()), doctor
    assert SECRET_SERVICE_BACKEND in checks["keyring"][1]
    assert checks["SQLCipher integrity"][0]

    clear = Step(out, "clear")
    assert clear.returncode == 0, clear
    assert clear.stdout.strip() == "1", clear  # the secret really was in the Secret Service

    after = Step(out, "doctor_after_clear")
    assert after.returncode == 1, after
    ok, detail = doctor_lines(after.stdout)["database"]
    assert not ok
    assert "keyring no longer holds" in detail
    # The secret lived in the keyring daemon, never in the data folder.
    data = Path(env["RESTART_DESKTOP_DATA_DIR"])
    files = {p.name: p for p in data.iterdir() if p.is_file()}
    locks = [name for name in files if name.endswith(".lock")]  # one set-up at a time
    assert all(files[name].stat().st_size == 0 for name in locks)  # empty: they hold nothing
    assert sorted(set(files) - set(locks)) == ["key.json", "restart.db"]
