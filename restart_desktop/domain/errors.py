"""Errors of the domain layer that more than one module raises."""

from __future__ import annotations

from pathlib import Path


class ReferenceDataError(Exception):
    """A reference file is missing or wrong; the message says which file and which line or item."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = path.name if line is None else f"{path.name} line {line}"
        super().__init__(f"{where}: {problem}")
