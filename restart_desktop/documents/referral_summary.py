"""A referral's summary as a PDF, for the worker to send to the service referred to: the
plain text the referral service writes (app/referrals.py ``summary_text``), its first line
as the heading."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QObject

from restart_desktop.documents.pdf import PdfWriterThread

SUMMARY_TITLE = "Referral summary"


def summary_html(text: str) -> str:
    lines = text.splitlines()
    heading = html.escape(lines[0]) if lines else ""
    return f"<h2>{heading}</h2>" + "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])


def summary_writer(text: str, path: Path, parent: QObject | None = None) -> PdfWriterThread:
    """A thread that writes the summary; start it and listen to ``written`` and ``failed``."""
    return PdfWriterThread(summary_html(text), path, SUMMARY_TITLE, parent)
