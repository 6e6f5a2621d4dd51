"""The evaluation extract on a real SQLCipher database: no free text and no direct identifier
anywhere in it, stable pseudonyms under one key and new ones after a rotation, k-anonymity,
a descriptor that follows the Frictionless Data Package specification, a linkage file only
the recipient opens (the standard age tool), research consent or a lawful basis, atomic and
audited."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from restart_desktop import cli
from restart_desktop.app.errors import UserError
from restart_desktop.app.evaluation import EvaluationService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.evaluation import K
from restart_desktop.domain.figures import Period
from restart_desktop.store.models import AuditEntry, ContactNote, CustodyReturn, Person
from tests.support.clock import set_clock
from tests.support.constants import PASSPHRASE
from tests.support.roles import as_supervisor

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
NOTE = "Discussed Quixotically the Wanderbridge hostel and his sister Philomena"


def _person(n: int, **values: object) -> Person:
    defaults: dict[str, object] = dict(
        given_name=f"Evalgiven{n}",
        family_name=f"Evalfamily{n}",
        preferred_name=f"Evie{n}",
        date_of_birth=dt.date(1990, 1 + n % 12, 1 + n),
        nomis_number=f"Z{2000 + n}EV",
        crn=f"E{100000 + n}",
        prison_code="bullingdon",
        referral_source="probation",
        referral_date=dt.date(2026, 2, 1),
        status="recommended",
        status_reason=f"Freetextreason{n} told us",
        research_consent_date=dt.date(2026, 2, 2),
        needs=["accommodation"],
    )
    defaults.update(values)
    return Person(**defaults)


@pytest.fixture
def lead(enrolled: AppSession) -> AppSession:
    session = as_supervisor(enrolled)
    with session.db.write() as s:
        people = [_person(n) for n in range(8)]  # aged 35-36 at recommendation: one band
        people.append(_person(8, date_of_birth=dt.date(1960, 5, 5), prison_code="woodhill"))
        people.append(_person(9, research_consent_date=None))  # no consent
        s.add_all(people)
        s.flush()
        s.add(
            ContactNote(
                person_id=people[0].id,
                worker_id=session.worker.id,
                contact_type="phone",
                text=NOTE,
                contact_at=dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC),
            )
        )
        s.add(
            CustodyReturn(
                person_id=people[1].id,
                returned_on=dt.date(2026, 3, 1),
                kind="remand",
                source="police",
            )
        )
    return session


def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8", "replace") for p in folder.iterdir()}


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_no_free_text_and_no_identifier_anywhere_and_consent_decides_who(
    lead: AppSession, tmp_path: Path
) -> None:
    result = EvaluationService(lead).extract(PERIOD, tmp_path / "extract")
    assert (result.cases, result.linkage) == (8, False)  # 9 consented, 1 withheld by k
    text = " ".join(_files(tmp_path / "extract").values()).casefold()
    compact = re.sub(r"[\W_]+", "", text)
    with lead.db.read() as s:
        secrets = [
            v
            for p in s.scalars(select(Person))
            for v in (
                p.given_name,
                p.family_name,
                p.preferred_name,
                p.nomis_number,
                p.crn,
                p.status_reason,
                str(p.date_of_birth),
            )
        ]
    secrets += [word for word in NOTE.split() if len(word) > 4]
    for secret in secrets:
        assert re.sub(r"[\W_]+", "", secret.casefold()) not in compact, secret
    assert sorted(_files(tmp_path / "extract")) == [
        "README.md",
        "cases.csv",
        "datapackage.json",
        "events.csv",
    ]
    assert "only people whose research consent is recorded" in text


def test_everyone_is_included_under_the_recorded_lawful_basis(
    lead: AppSession, tmp_path: Path
) -> None:
    service = EvaluationService(lead)
    service.set_lawful_basis("Public task: the commissioned evaluation (fictional DPIA)")
    service.extract(PERIOD, tmp_path / "extract")
    cases = _rows(tmp_path / "extract", "cases.csv")
    assert Counter(r["included_by"] for r in cases) == {"research_consent": 8, "lawful_basis": 1}
    readme = (tmp_path / "extract" / "README.md").read_text("utf-8")
    assert "Public task: the commissioned evaluation (fictional DPIA)" in readme


def test_pseudonyms_are_stable_across_extracts_and_new_after_a_rotation(
    lead: AppSession, tmp_path: Path
) -> None:
    service = EvaluationService(lead)
    service.extract(PERIOD, tmp_path / "one")
    service.extract(PERIOD, tmp_path / "two")
    rotated = service.extract(PERIOD, tmp_path / "three", rotate_key=True)
    one, two, three = (
        {r["pseudonym"] for r in _rows(tmp_path / n, "cases.csv")} for n in ("one", "two", "three")
    )
    assert one == two
    assert len(one) == 8
    assert not one & three
    assert rotated.key_version == 2
    assert "version 2" in (tmp_path / "three" / "README.md").read_text("utf-8")


def test_k_anonymity_holds_and_the_outlier_is_withheld_and_counted(
    lead: AppSession, tmp_path: Path
) -> None:
    result = EvaluationService(lead).extract(PERIOD, tmp_path / "extract")
    cases = _rows(tmp_path / "extract", "cases.csv")
    groups = Counter((r["age_band"], r["release_period"], r["prison_group"]) for r in cases)
    assert all(n >= K for n in groups.values())
    assert result.withheld == 1  # 60 years old, from another prison: would stand out
    readme = (tmp_path / "extract" / "README.md").read_text("utf-8")
    assert "1 were withheld" in readme


TABLE_TYPES = {
    "string",
    "number",
    "integer",
    "boolean",
    "object",
    "array",
    "date",
    "time",
    "datetime",
    "year",
    "yearmonth",
    "duration",
    "geopoint",
    "geojson",
    "any",
}


def test_the_descriptor_follows_the_data_package_specification_and_the_files_fit_it(
    lead: AppSession, tmp_path: Path
) -> None:
    """frictionless is not installed here: the specification's rules, checked by hand."""
    EvaluationService(lead).extract(PERIOD, tmp_path / "extract")
    package = json.loads((tmp_path / "extract" / "datapackage.json").read_text("utf-8"))
    assert re.fullmatch(r"[a-z0-9._-]+", package["name"])
    assert package["profile"] == "tabular-data-package"
    assert package["resources"]
    for resource in package["resources"]:
        assert re.fullmatch(r"[a-z0-9._-]+", resource["name"])
        assert not Path(resource["path"]).is_absolute()
        assert ".." not in resource["path"]
        fields = resource["schema"]["fields"]
        rows = _rows(tmp_path / "extract", resource["path"])
        with open(tmp_path / "extract" / resource["path"], encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == [f["name"] for f in fields]
        for field in fields:
            assert field["type"] in TABLE_TYPES
            assert field["description"]
            allowed = field.get("constraints", {}).get("enum")
            for row in rows:
                value = row[field["name"]]
                if value in resource["schema"]["missingValues"]:
                    continue
                if allowed is not None:
                    assert value in allowed, (field["name"], value)
                if field["type"] == "integer":
                    int(value)
    events = _rows(tmp_path / "extract", "events.csv")
    assert ("custody_return", "remand") in {(e["event"], e["code"]) for e in events}
    cases = {r["pseudonym"] for r in _rows(tmp_path / "extract", "cases.csv")}
    assert {e["pseudonym"] for e in events} <= cases  # the foreign key holds


def test_the_linkage_file_opens_only_with_the_recipients_identity(
    lead: AppSession, tmp_path: Path
) -> None:
    keys = {}
    for who in ("service", "stranger"):
        path = tmp_path / f"{who}.key"
        subprocess.run(["age-keygen", "-o", str(path)], check=True, capture_output=True)
        keys[who] = path
    recipient = re.search(r"age1[0-9a-z]+", keys["service"].read_text()).group(0)  # type: ignore[union-attr]
    EvaluationService(lead).extract(PERIOD, tmp_path / "extract", recipient)
    sealed = tmp_path / "extract" / "linkage.csv.age"
    assert b"Evalgiven" not in sealed.read_bytes()
    opened = subprocess.run(
        ["age", "-d", "-i", str(keys["service"]), str(sealed)], check=True, capture_output=True
    ).stdout.decode()
    header, *lines = opened.splitlines()
    assert header == ("pseudonym,forename,surname,date_of_birth,prison_number,support_start_date")
    assert len(lines) == 8
    assert "Evalgiven0,Evalfamily0" in opened
    refused = subprocess.run(
        ["age", "-d", "-i", str(keys["stranger"]), str(sealed)], capture_output=True
    )
    assert refused.returncode != 0
    assert not refused.stdout


def test_an_existing_folder_is_refused_and_the_extract_is_audited(
    lead: AppSession, tmp_path: Path
) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(UserError, match="already exists"):
        EvaluationService(lead).extract(PERIOD, tmp_path / "taken")
    EvaluationService(lead).extract(PERIOD, tmp_path / "extract")
    assert not list(tmp_path.glob(".*part"))  # nothing half-written left
    with lead.db.read() as s:
        details = [a.detail for a in s.scalars(select(AuditEntry))]
    assert any(d.startswith("evaluation extract") for d in details)


def test_a_worker_laptop_makes_no_extract(enrolled: AppSession, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="supervisor"):
        EvaluationService(enrolled).extract(PERIOD, tmp_path / "extract")


def test_the_command_writes_the_extract_and_says_a_refusal_in_a_sentence(
    lead: AppSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lead.close()
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    command = [
        "--data-dir",
        str(lead.paths.root),
        "evaluation-extract",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        "--out",
    ]
    assert cli.main([*command, str(tmp_path / "extract")]) == 0
    assert "Evaluation extract written to" in capsys.readouterr().out
    assert (tmp_path / "extract" / "datapackage.json").is_file()
    assert cli.main([*command, str(tmp_path / "extract")]) != 0
    err = capsys.readouterr().err
    assert "already exists" in err
    assert "Traceback" not in err


@pytest.mark.usefixtures("london")
def test_a_case_recorded_after_midnight_in_summer_time_counts_on_its_own_day(
    enrolled: AppSession, tmp_path: Path
) -> None:
    """Recorded at 00:30 on 1 April, British Summer Time (23:30 on 31 March in UTC), with no
    referral date: it belongs to April's period, as the laptop showed it, not March's."""
    session = as_supervisor(enrolled)
    set_clock(session, dt.datetime(2026, 4, 1, 0, 30))  # the laptop's wall clock
    with session.db.write() as s:
        s.add_all(_person(n, referral_date=None) for n in range(K + 1))
    with session.db.read() as s:
        made = {p.created_at for p in s.scalars(select(Person))}
    assert made == {dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)}
    april = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert EvaluationService(session).extract(april, tmp_path / "april").cases == K + 1
    march = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert EvaluationService(session).extract(march, tmp_path / "march").cases == 0


def test_people_supported_in_the_community_or_closed_after_release_are_released(
    lead: AppSession, tmp_path: Path
) -> None:
    """The extract gave "not released" to everyone without a release-day record: people
    Supported in the community among them, and those closed after their release."""
    released_on = dt.date(2026, 5, 20)  # everyone aged 35-36 then: one age band
    with lead.db.write() as s:
        supported = [
            _person(n, status="supported_in_community", release_date=released_on)
            for n in range(10, 10 + K)
        ]
        closing = [
            _person(n, status="released", release_date=released_on) for n in range(15, 15 + K)
        ]
        inside = [  # closed in custody: never released, whatever the date says
            _person(n, status="engaged_in_custody", release_date=released_on)
            for n in range(20, 20 + K)
        ]
        s.add_all([*supported, *closing, *inside])
        s.flush()
        ids = {
            "closed": {p.id for p in closing},
            "inside": {p.id for p in inside},
        }
    with lead.db.write() as s:  # later: each case closed, its history kept
        for person in s.scalars(select(Person).where(Person.id.in_(ids["closed"] | ids["inside"]))):
            person.status = "closed"
    EvaluationService(lead).extract(PERIOD, tmp_path / "extract")
    cases = _rows(tmp_path / "extract", "cases.csv")
    by_status = Counter((r["status"], r["release_period"]) for r in cases)
    assert by_status[("supported_in_community", "2026-05")] == K
    assert by_status[("closed", "2026-05")] == K
    assert by_status[("closed", "not released")] == K
    assert by_status[("recommended", "not released")] == 8
    assert not [
        r for r in cases if r["status"] == "supported_in_community" and "not" in r["release_period"]
    ]
    events = _rows(tmp_path / "extract", "events.csv")
    released = {r["pseudonym"] for r in events if r["event"] == "release"}
    assert len(released) == 2 * K  # the release is an event too, the day known
