"""Reading the reference CSV files: decoded strictly, every row checked against its columns,
and every problem reported with the file and the line a person sees in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from restart_desktop.domain.errors import ReferenceDataError

_CODE = re.compile(r"^[a-z0-9_]+$")
_T = TypeVar("_T")


@dataclass(frozen=True)
class CsvRow:
    """One data row: its values by column and the line it starts on in the file."""

    path: Path
    line: int
    values: dict[str, str]

    def error(self, problem: str) -> ReferenceDataError:
        return ReferenceDataError(self.path, self.line, problem)


def decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReferenceDataError(path, None, f"the file is missing from {path.parent}.") from None
    except OSError as error:
        raise ReferenceDataError(path, None, f"the file cannot be read ({error}).") from None
    try:
        # utf-8-sig: spreadsheet programs often add a byte-order mark when saving as CSV.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReferenceDataError(
            path, line, "the file is not saved as UTF-8 text (save it as 'CSV UTF-8')."
        ) from None


def csv_rows(path: Path, columns: Sequence[str], required: Sequence[str]) -> Iterator[CsvRow]:
    """Checked rows of one file: exact header, right number of values, required values."""
    reader = csv.reader(io.StringIO(decode(path), newline=""))
    expected = ",".join(columns)
    try:
        header = next(reader, None)
        if header is None:
            raise ReferenceDataError(
                path, 1, f"the file is empty; line 1 should be the header: {expected}"
            )
        names = [name.strip() for name in header]
        problems = [f"the column {c!r} is missing" for c in columns if c not in names]
        problems += [f"the column {n!r} is not expected" for n in names if n not in columns]
        if not problems and len(set(names)) != len(names):
            problems.append("a column appears twice")
        if problems:
            raise ReferenceDataError(
                path, 1, f"{'; '.join(problems)}. The header should be: {expected}"
            )
        line = reader.line_num + 1
        found = False
        for record in reader:
            # A quoted value may span lines, so the row starts where the previous one ended.
            start, line = line, reader.line_num + 1
            if not any(value.strip() for value in record):
                continue
            if len(record) != len(names):
                raise ReferenceDataError(
                    path,
                    start,
                    f"this line has {len(record)} values but the header has {len(names)} "
                    "columns (a value containing a comma must be in double quotes).",
                )
            row = CsvRow(path, start, {n: v.strip() for n, v in zip(names, record, strict=True)})
            for column in required:
                if not row.values[column]:
                    raise row.error(f"the {column} is empty.")
            found = True
            yield row
        if not found:
            raise ReferenceDataError(path, None, "the file has a header but no rows.")
    except csv.Error as error:
        raise ReferenceDataError(
            path, reader.line_num, f"the line cannot be read ({error})."
        ) from None


def coded_rows(path: Path, columns: Sequence[str], required: Sequence[str]) -> Iterator[CsvRow]:
    """Rows whose first column is a code: well formed and not repeated."""
    first_seen: dict[str, int] = {}
    for row in csv_rows(path, columns, required):
        code = row.values["code"]
        if not _CODE.fullmatch(code):
            raise row.error(
                f"the code {code!r} should use only lower-case letters, digits and underscores."
            )
        if code in first_seen:
            raise row.error(f"the code {code!r} appears twice (first on line {first_seen[code]}).")
        first_seen[code] = row.line
        yield row


def load_table(
    make: Callable[..., _T], path: Path, columns: Sequence[str], required: Sequence[str]
) -> tuple[_T, ...]:
    return tuple(make(**row.values) for row in coded_rows(path, columns, required))
