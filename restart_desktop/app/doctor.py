"""``doctor``: is this installation and data folder healthy? Each check is a line a person reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from restart_desktop import __version__
from restart_desktop.app.session import half_set_up, open_key, secret_store_for
from restart_desktop.app.team import TEAM_DETAILS_ID, TeamDetailsFields, examples_in_use
from restart_desktop.domain.errors import ReferenceDataError
from restart_desktop.domain.reference import load_reference_data
from restart_desktop.paths import DataPaths, resources_dir
from restart_desktop.security.errors import SecurityError
from restart_desktop.store.engine import connect_raw, raw_rows
from restart_desktop.store.errors import StorageError
from restart_desktop.store.migrate import head_revision, upgrade_to_head


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    warning: bool = False  # not ok, but the installation works: said, not an exit status


def run_checks(paths: DataPaths, passphrase: str | None) -> list[Check]:
    checks = [
        Check("version", True, __version__),
        Check("data folder", True, str(paths.root)),
    ]
    try:
        reference = load_reference_data()
        checks.append(
            Check(
                "reference data",
                True,
                f"{resources_dir()} ({len(reference.prisons)} prisons, "
                f"{len(reference.bank_holidays)} bank holidays, release checklist "
                f"'{reference.default_checklist.code}' version "
                f"{reference.default_checklist.version})",
            )
        )
    except ReferenceDataError as error:
        checks.append(Check("reference data", False, str(error)))
    try:
        store = secret_store_for(paths)
        checks.append(Check("keyring", True, f"{store.description} (acceptable)"))
    except SecurityError as error:
        checks.append(Check("keyring", False, str(error)))
        return checks
    if (half := half_set_up(paths)) is not None:
        checks.append(Check("database", False, half))
        return checks
    if not paths.is_enrolled:
        checks.append(Check("database", False, "this data folder has not been set up yet"))
        return checks
    if passphrase is None:
        checks.append(Check("database", False, "no passphrase given, so it was not opened"))
        return checks
    try:
        key = open_key(paths, passphrase)
        revision = upgrade_to_head(paths.database, key, paths.backups)
        checks.append(
            Check("schema", revision == head_revision(), f"{revision} (newest {head_revision()})")
        )
        raw = connect_raw(paths.database, key)
        try:
            checks += _integrity_checks(raw)
            try:  # a damaged page here is said above: the check is left out, not a crash
                team = raw_rows(
                    raw,
                    "SELECT phone, phone_when, service_contacts FROM team_details WHERE id = ?",
                    (TEAM_DETAILS_ID,),
                )
            except StorageError:
                team = None
        finally:
            raw.close()
        if team is not None:
            checks.append(_examples_check(paths, team[0] if team else None))
    except (SecurityError, StorageError) as error:
        checks.append(Check("database", False, str(error)))
    return checks


def _integrity_checks(raw: Any) -> list[Check]:
    """SQLCipher's check of every page, then SQLite's, which a damaged page can stop: said
    as a problem found, never a crash of the one command meant to find it."""
    version = raw_rows(raw, "PRAGMA cipher_version")[0][0]
    cipher = [r[0] for r in raw_rows(raw, "PRAGMA cipher_integrity_check")]
    checks = [
        Check("encryption", True, f"SQLCipher {version}"),
        Check(
            "SQLCipher integrity",
            not cipher,
            "every page authenticates"
            if not cipher
            else f"{len(cipher)} damaged page{'s' if len(cipher) != 1 else ''}",
        ),
    ]
    try:
        integrity = [r[0] for r in raw_rows(raw, "PRAGMA integrity_check")]
        detail = "ok" if integrity == ["ok"] else f"{len(integrity)} problems found"
    except StorageError:
        integrity = []
        detail = (
            "the check stopped at a damaged page: ask your supervisor; a backup copy may be "
            "in the 'backups' folder of the data folder"
        )
    checks.append(Check("SQLite integrity", integrity == ["ok"], detail))
    return checks


def _examples_check(paths: DataPaths, team: tuple[str, str, str] | None) -> Check:
    """Example contacts (drama numbers, example.org) still in use instead of the team's own."""
    try:
        reference = load_reference_data()
    except ReferenceDataError:
        return Check("example contacts", False, "the reference data did not load")
    details = TeamDetailsFields()
    if team is not None:
        contacts = json.loads(team[2] or "{}")
        details = TeamDetailsFields(
            team[0], team[1], contacts if isinstance(contacts, dict) else {}
        )
    found = examples_in_use(reference, details)
    if not found:
        return Check("example contacts", True, "none: the team's own contacts are set")
    where = (
        "expected in a demo folder"
        if paths.is_demo
        else ("a supervisor sets the team's own in Settings > Team details")
    )
    return Check(
        "example contacts",
        paths.is_demo,
        "still in use: " + "; ".join(found) + f" ({where})",
        warning=not paths.is_demo,
    )
