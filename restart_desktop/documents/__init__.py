"""Printable documents and pictures: the release-day sheet, referral and onward summaries,
decision letters, the board pack, the subject access export and charts, as PDF and PNG.

A layer beneath ui/ and above app/: it uses QtCore and QtGui (text layout, QPainter, QPdfWriter)
but never QtWidgets, so the window and the command line (with an off-screen Qt application)
draw the same documents. tests/unit/test_documents_layer.py keeps QtWidgets out.
"""
