"""The subject access export as a PDF: everything held about one person (already redacted
by the caller), drawn by Qt text layout in memory. The window (ui/subject_access.py) draws it
on a thread of its own; the command line on its own off-screen Qt application."""

from __future__ import annotations

import html
from collections.abc import Collection
from pathlib import Path

from restart_desktop.app.subject_access import (
    ExportResult,
    SubjectAccessService,
    SubjectRecords,
    check_folder,
    export_paths,
    withhold,
)
from restart_desktop.app.subject_report import about_lines, readable_sections
from restart_desktop.app.subject_words import Entry, ReportSection
from restart_desktop.documents.pdf import html_pdf_bytes
from restart_desktop.domain.reference import ReferenceData

PDF_TITLE = "Subject access export"
BODY_PT = 10
_TABLE = "border='1' cellpadding='3' cellspacing='0' width='100%'"


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def _entry_html(entry: Entry, depth: int = 0) -> str:
    indent = f" style='margin-left:{18 * depth}px'" if depth else ""
    parts = [f"<p{indent}><b>{_text(entry.heading)}</b></p>"]
    if entry.fields:
        rows = "".join(
            f"<tr><td width='30%'>{_text(label)}</td><td>{_text(value)}</td></tr>"
            for label, value in entry.fields
        )
        parts.append(f"<table{indent} cellpadding='2' cellspacing='0'>{rows}</table>")
    if entry.text:
        parts.append(f"<p{indent}>{_text(entry.text)}</p>")
    parts.extend(_entry_html(child, depth + 1) for child in entry.children)
    return "".join(parts)


def _section_html(section: ReportSection) -> str:
    parts = [f"<h2>{_text(section.title)}</h2>"]
    if section.intro:
        parts.append(f"<p><i>{_text(section.intro)}</i></p>")
    if section.columns:
        if not section.rows:
            parts.append(f"<p>{_text(section.empty)}</p>")
            return "".join(parts)
        widths = section.widths or (0,) * len(section.columns)
        head = "".join(
            f"<th align='left'{f' width={w}%' if w else ''}>{_text(c)}</th>"
            for c, w in zip(section.columns, widths, strict=True)
        )
        parts.append(f"<table {_TABLE}><tr>{head}</tr>")
        for row in section.rows:
            parts.append("<tr>" + "".join(f"<td>{_text(cell)}</td>" for cell in row) + "</tr>")
        parts.append("</table>")
        return "".join(parts)
    if not section.entries:
        parts.append(f"<p>{_text(section.empty)}</p>")
    for entry in section.entries:
        parts.append(_entry_html(entry))
        parts.append("<hr>")
    return "".join(parts)


def report_html(records: SubjectRecords, reference: ReferenceData) -> str:
    about = "".join(
        f"<tr><td width='20%'><b>{_text(label)}</b></td><td>{_text(value)}</td></tr>"
        for label, value in about_lines(records)
    )
    parts = [
        "<h1>Subject access export</h1>",
        "<p>Everything RESTART Desktop holds about the person below on this laptop: the case "
        "file, contact notes and their addenda, release plans, referrals, assessments, "
        "reviews, every earlier value of an edited record and the audit trail of who looked "
        "at or changed the record. The JSON file beside this one holds the same records, "
        "every column, for a computer to read.</p>",
        f"<table {_TABLE}>{about}</table>",
    ]
    parts.extend(_section_html(s) for s in readable_sections(records, reference))
    return "".join(parts)


def draw_pdf(records: SubjectRecords, reference: ReferenceData) -> bytes:
    """The PDF of (already redacted) records, in memory. Needs a Qt thread with an event
    dispatcher: the GUI thread of a command, or ``ExportDrawThread``."""
    return html_pdf_bytes(report_html(records, reference), PDF_TITLE, BODY_PT)


def export_subject(
    service: SubjectAccessService, records: SubjectRecords, folder: Path, withheld: Collection[str]
) -> ExportResult:
    """Withhold the chosen names, draw the PDF and write both files (the command line)."""
    check_folder(folder, export_paths(records, folder))
    redacted = withhold(records, withheld)
    return service.write(redacted, folder, draw_pdf(redacted, service.reference))
