"""Charts drawn with QPainter (no browser, no chart library): a radar of the latest outcome
assessment against the first, a line per area over time ("distance travelled"), and bars of a
table's figures (the board pack).

Readable in print and in high contrast: black text on white, thick lines, and series told apart
by dash pattern and marker shape as well as by colour (a colour-blind-safe palette). A picture
draws onto any paint device from any thread: the window's chart widgets (ui/charts.py) paint
the same picture on screen that is saved as a PNG at print size or drawn into a PDF.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF

from restart_desktop.domain.outcomes import HIGHEST, LOWEST

# Okabe-Ito colours, dark enough on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9")
DASHES = (
    Qt.PenStyle.SolidLine,
    Qt.PenStyle.DashLine,
    Qt.PenStyle.DotLine,
    Qt.PenStyle.DashDotLine,
    Qt.PenStyle.SolidLine,
    Qt.PenStyle.DashDotDotLine,
    Qt.PenStyle.DashLine,
)
EXPORT_SIZE = QSize(1200, 900)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int | None, ...]  # one per area (radar) or per date (line)


class Picture:
    """A chart's data and how to draw it; ``image`` draws it at print size."""

    def __init__(self) -> None:
        self.empty_text = "No finalised assessment yet."
        self.title = ""  # drawn on saved pictures: whose chart, and what it shows

    def has_data(self) -> bool:
        raise NotImplementedError

    def draw(self, painter: QPainter, rect: QRectF) -> None:
        raise NotImplementedError

    def draw_all(self, painter: QPainter, rect: QRectF) -> None:
        """White ground, then the chart, or the empty text when there is nothing to draw."""
        painter.fillRect(rect, QColor("#ffffff"))
        if not self.has_data():
            painter.setPen(QColor("#000000"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        self.draw(painter, rect)

    def image(self, size: QSize = EXPORT_SIZE) -> QImage:
        """The chart drawn at ``size`` (for saving as PNG, or printing)."""
        image = QImage(size, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale = size.width() / 600
        painter.scale(scale, scale)
        area = QRectF(0, 0, size.width() / scale, size.height() / scale)
        painter.fillRect(area, QColor("#ffffff"))
        if self.title:
            _font(painter, 11, bold=True)
            painter.setPen(QColor("#000000"))
            painter.drawText(
                QRectF(10, 4, area.width() - 20, 24),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                self.title,
            )
            area = area.adjusted(0, 28, 0, 0)
        self.draw_all(painter, area)
        painter.end()
        return image

    def save_png(self, path: Path) -> Path:
        if not self.image().save(str(path)):  # the format follows the .png name
            raise OSError(f"the picture could not be written to {path}")
        return path


def _font(painter: QPainter, points: float, bold: bool = False) -> None:
    font = QFont(painter.font())
    font.setPointSizeF(points)
    font.setBold(bold)
    painter.setFont(font)


def _marker(painter: QPainter, centre: QPointF, kind: int, size: float = 4.5) -> None:
    """Circle, square, triangle or diamond: series stay apart in black-and-white print."""
    kind %= 4
    if kind == 0:
        painter.drawEllipse(centre, size, size)
    elif kind == 1:
        painter.drawRect(QRectF(centre.x() - size, centre.y() - size, 2 * size, 2 * size))
    elif kind == 2:
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(centre.x(), centre.y() - size * 1.2),
                    QPointF(centre.x() + size * 1.1, centre.y() + size),
                    QPointF(centre.x() - size * 1.1, centre.y() + size),
                ]
            )
        )
    else:
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(centre.x(), centre.y() - size * 1.3),
                    QPointF(centre.x() + size, centre.y()),
                    QPointF(centre.x(), centre.y() + size * 1.3),
                    QPointF(centre.x() - size, centre.y()),
                ]
            )
        )


class RadarPicture(Picture):
    """The areas round a circle, 1 at the centre and 10 at the edge; first and latest."""

    def __init__(self) -> None:
        super().__init__()
        self.areas: tuple[str, ...] = ()
        self.series: tuple[Series, ...] = ()

    def set_data(self, areas: tuple[str, ...], series: tuple[Series, ...]) -> None:
        self.areas, self.series = areas, series

    def has_data(self) -> bool:
        return bool(self.areas and self.series)

    def draw(self, painter: QPainter, rect: QRectF) -> None:
        legend_height = 26
        chart = rect.adjusted(10, 10, -10, -10 - legend_height)
        radius = min(chart.width() * 0.28, chart.height() * 0.34)
        centre = chart.center()
        count = len(self.areas)

        def point(index: int, value: float) -> QPointF:
            angle = -math.pi / 2 + 2 * math.pi * index / count
            r = radius * (value - LOWEST + 1) / (HIGHEST - LOWEST + 1)
            return QPointF(centre.x() + r * math.cos(angle), centre.y() + r * math.sin(angle))

        grid = QPen(QColor("#9a9a9a"), 0.8)
        painter.setPen(grid)
        for ring in (2, 4, 6, 8, 10):
            painter.drawPolygon(QPolygonF([point(i, ring) for i in range(count)]))
        _font(painter, 7.5)
        painter.setPen(QColor("#000000"))
        for ring in (2, 4, 6, 8, 10):
            painter.drawText(point(0, ring) + QPointF(3, -2), str(ring))
        _font(painter, 8.5)
        for index, label in enumerate(self.areas):
            painter.setPen(grid)
            painter.drawLine(centre, point(index, HIGHEST))
            outer = point(index, HIGHEST + 2.6)
            box = QRectF(outer.x() - 70, outer.y() - 16, 140, 32)
            painter.setPen(QColor("#000000"))
            painter.drawText(
                box, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), label
            )
        styles = [
            (QColor("#555555"), Qt.PenStyle.DashLine, QColor(85, 85, 85, 30)),
            (QColor("#0b3d91"), Qt.PenStyle.SolidLine, QColor(11, 61, 145, 60)),
        ]
        for number, series in enumerate(self.series):
            colour, dash, fill = styles[min(number, len(styles) - 1)]
            values = series.values
            points = [point(i, v) for i, v in enumerate(values) if v is not None]
            painter.setPen(QPen(colour, 2.6, dash))
            if all(v is not None for v in values) and len(points) > 2:
                painter.setBrush(fill)
                painter.drawPolygon(QPolygonF(points))
            else:
                # An area skipped this time: a gap in the outline, not a line across it.
                for i, value in enumerate(values):
                    following = values[(i + 1) % count]
                    if value is not None and following is not None:
                        painter.drawLine(point(i, value), point((i + 1) % count, following))
            painter.setBrush(colour)
            for p in points:
                _marker(painter, p, number, 3.5)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        _font(painter, 9)
        x = rect.left() + 16
        y = rect.bottom() - legend_height / 2
        for number, series in enumerate(self.series):
            colour, dash, _fill = styles[min(number, len(styles) - 1)]
            painter.setPen(QPen(colour, 2.6, dash))
            painter.drawLine(QPointF(x, y), QPointF(x + 30, y))
            painter.setBrush(colour)
            _marker(painter, QPointF(x + 15, y), number, 3.5)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QColor("#000000"))
            painter.drawText(QPointF(x + 38, y + 4), series.name)
            x += 48 + painter.fontMetrics().horizontalAdvance(series.name) + 24


class LinePicture(Picture):
    """Each area's score at each assessment: the distance travelled."""

    def __init__(self) -> None:
        super().__init__()
        self.dates: tuple[dt.date, ...] = ()
        self.series: tuple[Series, ...] = ()  # one per area, a value per date

    def set_data(self, dates: tuple[dt.date, ...], series: tuple[Series, ...]) -> None:
        self.dates, self.series = dates, series

    def has_data(self) -> bool:
        return bool(self.dates and self.series)

    def draw(self, painter: QPainter, rect: QRectF) -> None:
        legend_width = 190
        plot = rect.adjusted(40, 16, -legend_width - 12, -40)
        span = max(len(self.dates) - 1, 1)

        def point(index: int, value: float) -> QPointF:
            x = plot.left() + plot.width() * (index / span if len(self.dates) > 1 else 0.5)
            y = plot.bottom() - plot.height() * (value - LOWEST) / (HIGHEST - LOWEST)
            return QPointF(x, y)

        # Areas with the same scores would hide each other: each line sits a hair apart.
        middle = (len(self.series) - 1) / 2
        step = 0.07

        _font(painter, 8)
        for value in range(LOWEST, HIGHEST + 1):
            y = point(0, value).y()
            painter.setPen(QPen(QColor("#d0d0d0"), 0.8))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor("#000000"))
            painter.drawText(
                QRectF(plot.left() - 34, y - 8, 28, 16),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                str(value),
            )
        painter.setPen(QPen(QColor("#000000"), 1.2))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        for index, day in enumerate(self.dates):
            x = point(index, LOWEST).x()
            painter.drawText(
                QRectF(x - 40, plot.bottom() + 6, 80, 16),
                int(Qt.AlignmentFlag.AlignCenter),
                f"{day:%d/%m/%y}",
            )
        for number, series in enumerate(self.series):
            colour = QColor(PALETTE[number % len(PALETTE)])
            painter.setPen(QPen(colour, 2.4, DASHES[number % len(DASHES)]))
            offset = (number - middle) * step
            points = [point(i, v + offset) for i, v in enumerate(series.values) if v is not None]
            for a, b in zip(points, points[1:], strict=False):
                painter.drawLine(a, b)
            painter.setBrush(colour)
            painter.setPen(QPen(colour, 1.2))
            for p in points:
                _marker(painter, p, number)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        _font(painter, 8.5)
        y = plot.top()
        x = plot.right() + 16
        for number, series in enumerate(self.series):
            colour = QColor(PALETTE[number % len(PALETTE)])
            painter.setPen(QPen(colour, 2.4, DASHES[number % len(DASHES)]))
            painter.drawLine(QPointF(x, y + 8), QPointF(x + 26, y + 8))
            painter.setBrush(colour)
            painter.setPen(QPen(colour, 1.2))
            _marker(painter, QPointF(x + 13, y + 8), number)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QColor("#000000"))
            painter.drawText(
                QRectF(x + 32, y, legend_width - 36, 34), int(Qt.TextFlag.TextWordWrap), series.name
            )
            y += 36


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: not drawn (a suppressed small number, or nothing to show)
    text: str  # the value as written beside the bar ("12", "<5", "48%")


def draw_bars(painter: QPainter, rect: QRectF, bars: tuple[Bar, ...], empty: str) -> None:
    """Horizontal bars, one per label, the value written at the end of each. Works on any
    paint device from any thread (no widget), so the board pack draws the same picture."""
    painter.fillRect(rect, QColor("#ffffff"))
    painter.setPen(QColor("#000000"))
    if not bars:
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, empty)
        return
    _font(painter, 9)
    if all(bar.value is None for bar in bars):  # every figure suppressed: say why no bars
        note = rect.adjusted(4, 0, -4, 0)
        note.setHeight(SUPPRESSED_NOTE_HEIGHT)
        painter.drawText(
            note,
            int(
                Qt.AlignmentFlag.AlignLeft
                | Qt.AlignmentFlag.AlignVCenter
                | Qt.TextFlag.TextWordWrap
            ),
            ALL_SUPPRESSED,
        )
        rect = rect.adjusted(0, SUPPRESSED_NOTE_HEIGHT, 0, 0)
    label_width = min(rect.width() * 0.42, 220.0)
    row = min(34.0, (rect.height() - 8) / len(bars))
    top = max((v.value or 0.0) for v in bars) or 1.0
    usable = rect.width() - label_width - 60
    metrics = painter.fontMetrics()
    for index, bar in enumerate(bars):
        y = rect.top() + 4 + index * row
        painter.setPen(QColor("#000000"))
        box = QRectF(rect.left() + 4, y, label_width - 10, row)
        # A long label wraps onto two lines; what still does not fit is elided at its end,
        # never clipped at its start ("emporary accommodation...").
        flags = int(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
        )
        label = bar.label
        if metrics.boundingRect(box.toRect(), flags, label).height() > box.height():
            label = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(box.width()))
        painter.drawText(box, flags, label)
        length = usable * (bar.value or 0.0) / top if bar.value else 0.0
        if length > 0:
            painter.fillRect(
                QRectF(rect.left() + label_width, y + row * 0.18, length, row * 0.64),
                QColor(PALETTE[0]),
            )
        painter.drawText(
            QRectF(rect.left() + label_width + length + 6, y, 60, row),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            bar.text,
        )


ALL_SUPPRESSED = (
    "Every figure here is under 5, shown as <5: no bars are drawn, as their "
    "length would tell the number."
)
SUPPRESSED_NOTE_HEIGHT = 30.0


def bar_image(title: str, bars: tuple[Bar, ...], width: int = 1200) -> QImage:
    """A bar chart as a picture (for a PDF), drawn at print resolution."""
    logical_height = 40 + 30 * max(1, len(bars))
    if bars and all(bar.value is None for bar in bars):
        logical_height += int(SUPPRESSED_NOTE_HEIGHT)
    scale = width / 600
    image = QImage(QSize(width, int(logical_height * scale)), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(scale, scale)
    area = QRectF(0, 0, 600, logical_height)
    painter.fillRect(area, QColor("#ffffff"))
    _font(painter, 11, bold=True)
    painter.setPen(QColor("#000000"))
    left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    painter.drawText(QRectF(10, 4, 580, 24), left, title)
    draw_bars(painter, area.adjusted(0, 30, 0, 0), bars, "Nothing to show for the period.")
    painter.end()
    return image


class BarPicture(Picture):
    """One table's figures as horizontal bars (the figures view)."""

    def __init__(self) -> None:
        super().__init__()
        self.empty_text = "Nothing to show for the period."
        self._bars: tuple[Bar, ...] = ()

    def set_bars(self, bars: tuple[Bar, ...]) -> None:
        self._bars = bars

    def has_data(self) -> bool:
        return bool(self._bars)

    def draw(self, painter: QPainter, rect: QRectF) -> None:
        draw_bars(painter, rect, self._bars, self.empty_text)
