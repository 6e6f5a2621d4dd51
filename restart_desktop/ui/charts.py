"""The chart widgets of the outcomes panel and the figures view: each paints a picture of
documents/charts.py, the same one that is saved as a PNG or drawn into the board pack."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from restart_desktop.documents.charts import (
    EXPORT_SIZE,
    Bar,
    BarPicture,
    LinePicture,
    Picture,
    RadarPicture,
    Series,
)

__all__ = ["Bar", "BarChart", "LineChart", "RadarChart", "Series"]


class _Chart(QWidget):
    def __init__(
        self, picture: Picture, accessible_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.picture = picture
        self.setAccessibleName(accessible_name)
        # Small enough that a case file with warnings above its sections still fits a
        # 1366x768 laptop (the charts take what room there is; saved PNGs are full size).
        self.setMinimumSize(360, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def title(self) -> str:
        """Drawn on saved pictures: whose chart, and what it shows."""
        return self.picture.title

    @title.setter
    def title(self, title: str) -> None:
        self.picture.title = title

    def has_data(self) -> bool:
        return self.picture.has_data()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.picture.draw_all(painter, QRectF(self.rect()))
        painter.end()

    def image(self, size: QSize = EXPORT_SIZE) -> QImage:
        """The chart drawn at ``size`` (for saving as PNG, or printing)."""
        return self.picture.image(size)

    def save_png(self, path: Path) -> Path:
        return self.picture.save_png(path)


class RadarChart(_Chart):
    """The areas round a circle, 1 at the centre and 10 at the edge; first and latest."""

    def __init__(self, parent: QWidget | None = None) -> None:
        picture = RadarPicture()
        super().__init__(picture, "Radar chart: latest assessment against the first", parent)
        self._radar = picture

    @property
    def series(self) -> tuple[Series, ...]:
        return self._radar.series

    def set_data(self, areas: tuple[str, ...], series: tuple[Series, ...]) -> None:
        self._radar.set_data(areas, series)
        self.update()


class LineChart(_Chart):
    """Each area's score at each assessment: the distance travelled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        picture = LinePicture()
        super().__init__(picture, "Line chart: each area's score over time", parent)
        self._line = picture

    @property
    def series(self) -> tuple[Series, ...]:
        return self._line.series

    def set_data(self, dates: tuple[dt.date, ...], series: tuple[Series, ...]) -> None:
        self._line.set_data(dates, series)
        self.update()


class BarChart(_Chart):
    """One table's figures as horizontal bars (the figures view)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        picture = BarPicture()
        super().__init__(picture, "Chart of the table's figures", parent)
        self._bars = picture

    def set_bars(self, bars: tuple[Bar, ...]) -> None:
        self._bars.set_bars(bars)
        self.update()
