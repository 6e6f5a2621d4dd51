"""The board pack: the programme's figures for a period as one PDF (tables, charts and the
barriers escalated to the board) and one CSV file per table, plus ``summary.csv``
(``metric,value``), in a folder the supervisor chooses.

Aggregates only: the figures hold no names, prison numbers or note text; every small
number is suppressed ("<5") and every number that would give one away too ("[c]",
``domain.disclosure``). Every file is written under a temporary name
and renamed when complete, so a failure never leaves half a board pack under the real names.
File names say only what and when ("board-pack-2026-07-01-to-2026-09-30.pdf").

Qt text layout and PDF output are used (QtGui, no widgets): the window and the command line
(with an off-screen Qt application) both call ``write_board_pack``.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QImage

from restart_desktop.app.errors import UserError
from restart_desktop.app.figures import PACK_TOTALS
from restart_desktop.atomic import write_atomically
from restart_desktop.documents.charts import Bar, bar_image
from restart_desktop.documents.pdf import html_pdf_bytes
from restart_desktop.domain.clock import local_text
from restart_desktop.domain.disclosure import RULE, SECONDARY, Disclosed, disclose
from restart_desktop.domain.figures import (
    SUPPRESSED,
    Count,
    Figures,
    Table,
    number,
    shown,
    summary_label,
)

SUMMARY = "summary.csv"
PROGRAMME = "RESTART Thames Valley"
Progress = Callable[[int, int], None]
HIDDEN = (SUPPRESSED, SECONDARY, "–")


def pack_name(figures: Figures) -> str:
    return f"board-pack-{figures.period.start.isoformat()}-to-{figures.period.end.isoformat()}"


def bars_of(table: Table, suppress: bool, texts: list[list[str]] | None = None) -> tuple[Bar, ...]:
    """The table's first column against its first figure, leaving out the total row (a
    table of one row: each of its figures); a suppressed value is written as shown ("<5",
    "[c]") with no bar (its length would tell the number). ``texts``: the table's cells as
    disclosure control shows them (a board pack)."""

    def text(r: int, c: int) -> str:
        return texts[r][c] if texts is not None else shown(table.rows[r][c], suppress)

    def value(r: int, c: int) -> float | None:
        return None if text(r, c) in HIDDEN else number(table.rows[r][c])

    if len(table.rows) == 1:  # one row (the programme): chart its figures side by side
        (row,) = table.rows
        return tuple(
            Bar(column, value(0, c), text(0, c))
            for c, (column, cell) in enumerate(
                zip(table.columns[1:], row[1:], strict=True), start=1
            )
            if number(cell) is not None or isinstance(cell, Count)
        )
    bars = []
    for r, row in enumerate(table.rows):
        label = shown(row[0], False)
        if label == "All" and len(table.rows) > 1:
            continue
        bars.append(Bar(label, value(r, 1), text(r, 1)))
    return tuple(bars)


def _csv(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def pack_html(
    figures: Figures, programme: str, disclosed: Disclosed | None = None
) -> tuple[str, dict[str, QImage]]:
    """The PDF's content, suppressed, and the chart pictures it names."""
    disclosed = disclosed or disclose(figures, PACK_TOTALS)
    images: dict[str, QImage] = {}
    parts = [
        f"<h1>{html.escape(programme)}: board pack</h1>",
        f"<p>Figures for {html.escape(figures.period.label)}, made "
        f"{local_text(figures.made_at, '%-d %B %Y', figures.period.zone)}. Aggregate figures only. "
        f"{html.escape(RULE)} In this pack: {disclosed.primary} small numbers hidden, "
        f"{disclosed.secondary} more hidden to protect them.</p>",
        "<h2>Summary</h2><table border='1' cellpadding='4' cellspacing='0'>",
    ]
    for metric, text in disclosed.summary:
        parts.append(
            f"<tr><td>{html.escape(summary_label(metric))}</td>"
            f"<td align='right'>{html.escape(text)}</td></tr>"
        )
    parts.append("</table>")
    for table in figures.tables:
        parts.append(f"<h2>{html.escape(table.title)}</h2>")
        if table.note:
            parts.append(f"<p><i>{html.escape(table.note)}</i></p>")
        if not table.rows:
            parts.append("<p>None in the period.</p>")
            continue
        rows = disclosed.rows(table)
        if table.chart == "bar":
            name = f"chart-{table.name}"
            images[name] = bar_image(table.title, bars_of(table, True, rows))
            parts.append(f"<p><img src='{name}' width='620'></p>")
        # A header row kept with the rows: Qt repeats a <thead> on every page the table
        # runs onto, so rows never sit on a page without their headings.
        parts.append("<table border='1' cellpadding='3' cellspacing='0'><thead><tr>")
        parts.extend(f"<th>{html.escape(c)}</th>" for c in table.columns)
        parts.append("</tr></thead>")
        for row in rows:
            cells = "".join(f"<td>{html.escape(v)}</td>" for v in row)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    return "".join(parts), images


def write_board_pack(
    figures: Figures, folder: Path, programme: str, progress: Progress | None = None
) -> list[Path]:
    """Write the pack into ``folder`` (made if missing); returns the files written. Every
    figure goes through disclosure control (``domain.disclosure``) first. Every file is
    drawn before the first is written, and a file that cannot be written takes those
    written before it away again: a whole pack or none (UserError, in words)."""
    disclosed = disclose(figures, PACK_TOTALS)
    steps = len(figures.tables) + 2
    files: list[tuple[Path, bytes]] = [
        (folder / SUMMARY, _csv(("metric", "value"), [list(m) for m in disclosed.summary]))
    ]
    for table in figures.tables:
        files.append((folder / f"{table.name}.csv", _csv(table.columns, disclosed.rows(table))))
    content, images = pack_html(figures, programme, disclosed)
    title = f"{programme}: board pack, {figures.period.label}"
    pdf = html_pdf_bytes(content, title, body_pt=10, images=images)
    files.append((folder / f"{pack_name(figures)}.pdf", pdf))
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for index, (path, data) in enumerate(files, start=1):
            write_atomically(path, data)
            written.append(path)
            if progress:
                progress(min(index, steps), steps)
    except BaseException as error:  # a full disk, Ctrl+C: no half pack is left
        for path in written:
            path.unlink(missing_ok=True)
        if not isinstance(error, OSError):
            raise
        raise UserError(
            f"The board pack could not be written in {folder} ({error.strerror or error}): "
            "nothing of it was kept. Choose another folder, or check the space left on the disk."
        ) from error
    return written
