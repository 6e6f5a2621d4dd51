"""The board pack: the programme's figures for a period as one PDF (tables, charts and the
barriers escalated to the board) and one CSV file per table, plus ``summary.csv``
(``metric,value``), in a folder the supervisor chooses.

Aggregates only: the figures hold no names, prison numbers or note text, and every small
number is suppressed ("<5", ``domain.figures``). Every file is written under a temporary name
and renamed when complete, so a failure never leaves half a board pack under the real names.
File names say only what and when ("board-pack-2026-07-01-to-2026-09-30.pdf").

Qt text layout and PDF output are used, so this lives in the UI layer; the command line calls
it with an off-screen Qt application.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QImage

from restart_desktop.atomic import write_atomically
from restart_desktop.domain.clock import local_text
from restart_desktop.domain.figures import Count, Figures, Table, number, shown, summary_label
from restart_desktop.ui.charts import Bar, bar_image
from restart_desktop.ui.pdf import write_html_pdf

SUMMARY = "summary.csv"
PROGRAMME = "RESTART Thames Valley"
Progress = Callable[[int, int], None]


def pack_name(figures: Figures) -> str:
    return f"board-pack-{figures.period.start.isoformat()}-to-{figures.period.end.isoformat()}"


def bars_of(table: Table, suppress: bool) -> tuple[Bar, ...]:
    """The table's first column against its first figure, leaving out the total row (a
    table of one row: each of its figures); a suppressed value is written "<5" with no bar
    (its length would tell the number)."""
    if len(table.rows) == 1:  # one row (the programme): chart its figures side by side
        (row,) = table.rows
        return tuple(
            Bar(column, None if shown(cell, suppress) in ("<5", "–") else number(cell),
                shown(cell, suppress))
            for column, cell in zip(table.columns[1:], row[1:], strict=True)
            if number(cell) is not None or isinstance(cell, Count)
        )  # fmt: skip
    bars = []
    for row in table.rows:
        label = shown(row[0], False)
        if label == "All" and len(table.rows) > 1:
            continue
        cell = row[1]
        text = shown(cell, suppress)
        value = None if text in ("<5", "–") else number(cell)
        bars.append(Bar(label, value, text))
    return tuple(bars)


def _csv(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def pack_html(figures: Figures, programme: str) -> tuple[str, dict[str, QImage]]:
    """The PDF's content, suppressed, and the chart pictures it names."""
    images: dict[str, QImage] = {}
    parts = [
        f"<h1>{html.escape(programme)}: board pack</h1>",
        f"<p>Figures for {html.escape(figures.period.label)}, made "
        f"{local_text(figures.made_at, '%-d %B %Y')}. Aggregate figures only; numbers from 1 "
        "to 4 are shown as &lt;5, as are shares and medians of fewer than five.</p>",
        "<h2>Summary</h2><table border='1' cellpadding='4' cellspacing='0'>",
    ]
    for metric, cell in figures.summary:
        parts.append(f"<tr><td>{html.escape(summary_label(metric))}</td>"
                     f"<td align='right'>{html.escape(shown(cell, True))}</td></tr>")  # fmt: skip
    parts.append("</table>")
    for table in figures.tables:
        parts.append(f"<h2>{html.escape(table.title)}</h2>")
        if table.note:
            parts.append(f"<p><i>{html.escape(table.note)}</i></p>")
        if not table.rows:
            parts.append("<p>None in the period.</p>")
            continue
        if table.chart == "bar":
            name = f"chart-{table.name}"
            images[name] = bar_image(table.title, bars_of(table, True))
            parts.append(f"<p><img src='{name}' width='620'></p>")
        # A header row kept with the rows: Qt repeats a <thead> on every page the table
        # runs onto, so rows never sit on a page without their headings.
        parts.append("<table border='1' cellpadding='3' cellspacing='0'><thead><tr>")
        parts.extend(f"<th>{html.escape(c)}</th>" for c in table.columns)
        parts.append("</tr></thead>")
        for row in table.text_rows(suppress=True):
            cells = "".join(f"<td>{html.escape(v)}</td>" for v in row)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    return "".join(parts), images


def write_board_pack(figures: Figures, folder: Path, programme: str,
                     progress: Progress | None = None) -> list[Path]:  # fmt: skip
    """Write the pack into ``folder`` (made if missing); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    steps = len(figures.tables) + 2
    written: list[Path] = []
    summary = folder / SUMMARY
    write_atomically(summary, _csv(("metric", "value"),
                                    [[k, shown(v, True)] for k, v in figures.summary]))  # fmt: skip
    written.append(summary)
    for index, table in enumerate(figures.tables, start=1):
        path = folder / f"{table.name}.csv"
        write_atomically(path, _csv(table.columns, table.text_rows(suppress=True)))
        written.append(path)
        if progress:
            progress(index, steps)
    content, images = pack_html(figures, programme)
    pdf = folder / f"{pack_name(figures)}.pdf"
    write_html_pdf(content, pdf, f"{programme}: board pack, {figures.period.label}",
                   body_pt=10, images=images)  # fmt: skip
    written.append(pdf)
    if progress:
        progress(steps, steps)
    return written
