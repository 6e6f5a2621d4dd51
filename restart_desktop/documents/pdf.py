"""Printable documents as PDF files: HTML drawn by Qt (QTextDocument on a QPdfWriter) on a
thread of its own, so the window never waits, and written under a temporary name first, so a
failure never leaves half a PDF under the name the worker chose."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QCoreApplication,
    QIODevice,
    QMarginsF,
    QObject,
    QSizeF,
    QThread,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextDocument,
)

from restart_desktop.atomic import write_atomically

BODY_PT = 13


def offscreen_application() -> QCoreApplication:
    """The Qt application that drawing needs (fonts, text layout) for the command line, on
    the offscreen platform so that no window is shown; the running one if there is one."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QGuiApplication.instance() or QGuiApplication([sys.argv[0]])


def _print(
    html: str, writer: QPdfWriter, title: str, body_pt: int, images: Mapping[str, QImage] | None
) -> None:
    writer.setTitle(title)
    writer.setCreator("RESTART Desktop")
    writer.setResolution(300)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(18, 18, 18, 18),
            QPageLayout.Unit.Millimeter,
        )
    )
    document = QTextDocument()
    # Lay the text out in the PDF's own units, across the whole printable width: left to
    # itself, the document is laid out for the screen and fills a third of the page.
    document.documentLayout().setPaintDevice(writer)
    document.setPageSize(QSizeF(writer.width(), writer.height()))
    font = document.defaultFont()
    font.setPointSize(body_pt)
    document.setDefaultFont(font)
    for name, image in (images or {}).items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    document.setHtml(html)
    document.print_(writer)


def write_html_pdf(
    html: str,
    path: Path,
    title: str,
    body_pt: int = BODY_PT,
    images: Mapping[str, QImage] | None = None,
) -> Path:
    """Write ``html`` to ``path`` as A4 pages; returns ``path``. ``images`` are pictures the
    HTML names in ``<img src="NAME">`` (drawn in memory: no picture file is written)."""
    write_atomically(path, html_pdf_bytes(html, title, body_pt, images))
    return path


def html_pdf_bytes(
    html: str, title: str, body_pt: int = BODY_PT, images: Mapping[str, QImage] | None = None
) -> bytes:
    """``html`` as the bytes of an A4 PDF, drawn in memory: the caller decides where they
    go (nothing is written to disk here)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    _print(html, writer, title, body_pt, images)
    del writer  # finishes the document
    return bytes(buffer.data().data())


class PdfWriterThread(QThread):
    """Writes one PDF on its own Qt thread. Qt text layout and PDF output start timers, which
    need a thread with a Qt event dispatcher: the database worker (a Python thread) has none.

    Signals:
        written(object): the Path of the finished PDF.
        failed(object): the exception that stopped it (nothing is left under the name).
    """

    written = Signal(object)
    failed = Signal(object)

    def __init__(self, html: str, path: Path, title: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._html = html
        self._path = path
        self._title = title

    def begin(
        self, on_written: Callable[[Path], None], on_failed: Callable[[BaseException], None]
    ) -> PdfWriterThread:
        """Start writing; the thread deletes itself once finished. The caller keeps the
        returned thread until then (Qt would otherwise destroy it while it runs)."""
        self.written.connect(on_written)
        self.failed.connect(on_failed)
        self.finished.connect(self.deleteLater)
        self.start()
        return self

    def run(self) -> None:
        try:
            self.written.emit(write_html_pdf(self._html, self._path, self._title))
        except Exception as error:  # reported to the window, which says what to do
            self.failed.emit(error)
