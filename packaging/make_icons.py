"""Draw the application icon at every size the platforms want, into resources/icons/.

Run once after changing the design (``python packaging/make_icons.py``); the PNG and ICO files
are committed, so a build never depends on this script. The design: a dark teal rounded square
(readable on light and dark desktops) with an open door and a path leading out of it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 64, size / 64)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#0f5e63"))
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 12, 12)
    # The door frame and the open door.
    p.setBrush(QColor("#ffffff"))
    p.drawRect(QRectF(14, 12, 22, 38))
    p.setBrush(QColor("#0f5e63"))
    p.drawRect(QRectF(18, 16, 14, 34))
    p.setBrush(QColor("#f2b134"))
    door = QPainterPath()
    door.moveTo(18, 16)
    door.lineTo(27, 20)
    door.lineTo(27, 54)
    door.lineTo(18, 50)
    door.closeSubpath()
    p.drawPath(door)
    # The way out.
    pen = QPen(QColor("#ffffff"), 4.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.drawLine(QPointF(34, 44), QPointF(50, 44))
    p.drawLine(QPointF(44, 38), QPointF(50, 44))
    p.drawLine(QPointF(44, 50), QPointF(50, 44))
    p.end()
    return image


def main() -> int:
    QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        draw(size).save(str(OUT / f"restart-desktop-{size}.png"))
    draw(256).save(str(OUT / "restart-desktop.ico"))  # Qt's ICO writer: one 256 px image
    print(f"icons written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
