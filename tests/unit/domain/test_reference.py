"""The shipped reference files load, and broken copies fail with the file and line named."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from restart_desktop.domain.errors import ReferenceDataError
from restart_desktop.domain.reference import load_reference_data
from restart_desktop.paths import resources_dir

NEED_CODES = {
    "accommodation",
    "substance_misuse",
    "benefits",
    "id_and_bank",
    "health",
    "mental_health",
    "employment_training",
    "family",
    "other",
}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A fresh copy of the real files (a new folder each time, so the cache never hides edits)."""
    target = tmp_path / "resources"
    shutil.copytree(resources_dir(), target)
    return target


def test_resources_dir_is_the_repo_folder_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RESTART_DESKTOP_RESOURCES", raising=False)
    assert (resources_dir() / "prisons.csv").is_file()


def test_environment_variable_overrides_the_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RESTART_DESKTOP_RESOURCES", str(tmp_path))
    assert resources_dir() == tmp_path


def test_real_files_load() -> None:
    ref = load_reference_data()
    assert len(ref.local_authorities) == 13
    assert len(ref.prisons) >= 7
    assert {n.code for n in ref.needs} == NEED_CODES
    assert len(ref.organisations) == 7
    assert ref.prison("bullingdon") is not None
    assert ref.prison("other") is not None
    assert ref.prison("nowhere") is None
    assert ref.local_authority("vale_of_white_horse") is not None
    assert ref.organisation("aspire_oxford") is not None
    assert ref.need("accommodation") is not None
    assert ref.sentence_type("remand") is not None
    assert ref.sentence_type("") is None


def test_loading_is_cached_per_folder(copy: Path) -> None:
    assert load_reference_data(copy) is load_reference_data(copy)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2024-01-01", "New Year's Day"),
        ("2026-12-25", "Christmas Day"),
        ("2026-12-28", "Boxing Day (substitute day)"),
        ("2027-03-26", "Good Friday"),
        ("2027-12-27", "Christmas Day (substitute day)"),
        ("2027-12-28", "Boxing Day (substitute day)"),
        ("2028-01-03", "New Year's Day (substitute day)"),
        ("2030-04-19", "Good Friday"),
        ("2030-04-22", "Easter Monday"),
        ("2030-12-26", "Boxing Day"),
    ],
)
def test_bank_holidays_include(day: str, name: str) -> None:
    ref = load_reference_data()
    wanted = dt.date.fromisoformat(day)
    assert wanted in ref.bank_holiday_dates
    assert {h.date: h.name for h in ref.bank_holidays}[wanted] == name


def test_bank_holidays_cover_each_year_with_eight_days_on_weekdays() -> None:
    ref = load_reference_data()
    for year in range(2024, 2031):
        days = [h.date for h in ref.bank_holidays if h.date.year == year]
        assert len(days) == 8, year
        assert all(d.weekday() < 5 for d in days), year
    assert dt.date(2026, 12, 26) not in ref.bank_holiday_dates  # a Saturday


def _replace_line(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _error(directory: Path) -> ReferenceDataError:
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(directory)
    return caught.value


def test_duplicate_code_names_both_lines(copy: Path) -> None:
    _replace_line(copy / "prisons.csv", 4, "woodhill,HMP Somewhere,Category C (men),")
    _replace_line(copy / "prisons.csv", 2, "woodhill,HMP Woodhill,Category A (men),")
    error = _error(copy)
    assert str(error) == "prisons.csv line 4: the code 'woodhill' appears twice (first on line 2)."
    assert error.path == copy / "prisons.csv"
    assert error.line == 4


def test_blank_lines_keep_true_line_numbers(copy: Path) -> None:
    path = copy / "sentence_types.csv"
    path.write_text("code,label\n\nremand,Remand\n\n\nRemand2,Remand again\n", encoding="utf-8")
    error = _error(copy)
    assert error.line == 6
    assert str(error).startswith("sentence_types.csv line 6: the code 'Remand2'")


def test_quoted_value_over_two_lines_counts_both(copy: Path) -> None:
    path = copy / "needs.csv"
    path.write_text(
        'code,label,description\nfamily,Family,"first line\nsecond line"\nbad code,X,\n',
        encoding="utf-8",
    )
    assert _error(copy).line == 4


def test_error_in_a_value_over_two_lines_names_its_first_line(copy: Path) -> None:
    path = copy / "needs.csv"
    path.write_text('code,label,description\nfamily,Family,\nBad,"Two\nlines",\n', encoding="utf-8")
    assert _error(copy).line == 3


def test_bad_date(copy: Path) -> None:
    path = copy / "bank_holidays.csv"
    with path.open("a", encoding="utf-8") as f:
        f.write("2031-02-30,Made-up day\n")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    error = _error(copy)
    assert error.line == lines
    assert str(error).startswith(f"bank_holidays.csv line {lines}: the date '2031-02-30'")


def test_date_in_another_format(copy: Path) -> None:
    _replace_line(copy / "bank_holidays.csv", 3, "29/03/2024,Good Friday")
    assert str(_error(copy)).startswith("bank_holidays.csv line 3: the date '29/03/2024'")


def test_duplicate_date(copy: Path) -> None:
    _replace_line(copy / "bank_holidays.csv", 3, "2024-01-01,New Year again")
    assert str(_error(copy)) == (
        "bank_holidays.csv line 3: the date 2024-01-01 appears twice (first on line 2)."
    )


def test_missing_column(copy: Path) -> None:
    _replace_line(copy / "local_authorities.csv", 1, "code,name")
    error = _error(copy)
    assert error.line == 1
    assert "local_authorities.csv line 1" in str(error)
    assert "'county' is missing" in str(error)


def test_extra_column(copy: Path) -> None:
    _replace_line(copy / "organisations.csv", 1, "code,name,kind,phone")
    assert "'phone' is not expected" in str(_error(copy))


def test_wrong_number_of_values(copy: Path) -> None:
    _replace_line(copy / "organisations.csv", 3, "connection_support,Connection, Support,charity")
    error = _error(copy)
    assert error.line == 3
    assert "double quotes" in str(error)


def test_empty_required_field(copy: Path) -> None:
    _replace_line(copy / "prisons.csv", 4, "grendon,,Category B (men),")
    assert str(_error(copy)) == "prisons.csv line 4: the name is empty."


def test_optional_field_may_be_empty(copy: Path) -> None:
    _replace_line(copy / "prisons.csv", 4, "grendon,HMP Grendon,Category B (men),")
    assert load_reference_data(copy).prison("grendon") is not None


def test_code_must_be_lower_case(copy: Path) -> None:
    _replace_line(copy / "needs.csv", 2, "Accommodation,Accommodation,")
    error = _error(copy)
    assert error.line == 2
    assert "lower-case" in str(error)


def test_missing_file(copy: Path) -> None:
    (copy / "needs.csv").unlink()
    error = _error(copy)
    assert error.line is None
    assert str(error).startswith("needs.csv: the file is missing")


def test_empty_file(copy: Path) -> None:
    (copy / "sentence_types.csv").write_text("", encoding="utf-8")
    assert str(_error(copy)).startswith("sentence_types.csv line 1: the file is empty")


def test_header_only(copy: Path) -> None:
    (copy / "sentence_types.csv").write_text("code,label\n\n", encoding="utf-8")
    assert "no rows" in str(_error(copy))


def test_not_utf8(copy: Path) -> None:
    (copy / "prisons.csv").write_bytes(
        b"code,name,category,notes\nother,Other prison,Other,caf\xe9\n"
    )
    error = _error(copy)
    assert error.line == 2
    assert "UTF-8" in str(error)


def test_byte_order_mark_and_windows_line_ends_are_fine(copy: Path) -> None:
    path = copy / "sentence_types.csv"
    path.write_bytes(b"\xef\xbb\xbfcode,label\r\nremand,Remand\r\n")
    assert [t.code for t in load_reference_data(copy).sentence_types] == ["remand"]


def test_the_service_directory_loads_with_a_housing_team_per_authority() -> None:
    ref = load_reference_data()
    assert {a.code for a in ref.local_authorities} == {
        s.local_authority for s in ref.services if s.local_authority
    }
    assert {s.category for s in ref.services} <= NEED_CODES
    assert ref.service("jobcentre_plus") is not None
    assert ref.service("jobcentre_plus").covers("slough")  # type: ignore[union-attr]
    housing = ref.housing_authority_service("reading")
    assert housing is not None
    assert housing.covers("reading")
    assert not housing.covers("oxford")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (",family,all,phone,", ",families,all,phone,", "the category 'families' is not a need"),
        (",family,all,phone,", ",family,oxfrd,phone,", "the areas oxfrd are not local authority"),
        (",family,all,phone,", ",family,all,fax,", "how_to_refer 'fax' should be one of"),
        ("name;needs;reason;worker,\n", "name;shoe_size,\n", "summary_fields shoe_size are not"),
    ],
)
def test_a_broken_service_row_is_named_by_line(
    copy: Path, old: str, new: str, expected: str
) -> None:
    path = copy / "services.csv"
    text = path.read_text("utf-8")
    start = text.index("family_support")
    line = text[:start].count("\n") + 1
    row_end = text.index("\n", start) + 1
    row = text[start:row_end]
    assert old in row, row
    path.write_text(text[:start] + row.replace(old, new) + text[row_end:], "utf-8")
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(copy)
    assert str(caught.value).startswith(f"services.csv line {line}: {expected}")


def test_two_housing_teams_for_one_authority_are_refused(copy: Path) -> None:
    path = copy / "services.csv"
    text = path.read_text("utf-8")
    path.write_text(text.replace(",cherwell\n", ",oxford\n"), "utf-8")
    with pytest.raises(ReferenceDataError, match="'oxford' already has its Duty to Refer service"):
        load_reference_data(copy)


def test_reference_files_lists_every_file_the_loader_opens(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The packaging smoke test trusts this list; a file the loader opens but the list
    forgets would be missing from a build without anyone noticing."""
    from restart_desktop.domain import reference, reference_csv

    opened: list[Path] = []
    real_decode, real_read = reference_csv.decode, Path.read_bytes

    def decode(path: Path) -> str:
        opened.append(path.relative_to(copy))
        return real_decode(path)

    def read_bytes(path: Path) -> bytes:
        if path.suffix == ".toml":
            opened.append(path.relative_to(copy))
        return real_read(path)

    monkeypatch.setattr(reference_csv, "decode", decode)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    load_reference_data(copy)
    assert sorted(opened) == sorted(reference.reference_files(copy))
