"""Screenshots of every main view and the main dialogs, from fictional demo data, at a laptop's
1366x768 and a desktop's 1920x1080 (for resources/screenshots/ and the README).

Run under a real X server of that size, with a window manager's view of the screen, e.g.:

    xvfb-run -s "-screen 0 1366x768x24" python packaging/screenshots.py 1366x768
    xvfb-run -s "-screen 0 1920x1080x24" python packaging/screenshots.py 1920x1080

The 1366x768 run also writes the README's pictures (resources/screenshots/<view>.png).
Pictures come from Qt's own ``QWidget.grab()``: only the app's windows, nothing else on screen.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "screenshots"


def _settle(app: QApplication, window: object, ms: int = 400) -> None:
    """Let background work finish and the window paint (a script, not the app: it may wait)."""
    runner = getattr(window, "runner", None)
    for _ in range(200):
        loop = QEventLoop()
        QTimer.singleShot(ms // 4, loop.quit)
        loop.exec()
        if runner is None or runner.pending == 0:
            break
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(size: str) -> int:
    from restart_desktop.app.demo import create_demo_folder
    from restart_desktop.app.session import DEMO_PASSPHRASE
    from restart_desktop.paths import DataPaths
    from restart_desktop.ui.application import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    suffix = "" if size == "1366x768" else f"-{size}"
    folder = Path(tempfile.mkdtemp(prefix="restart-shots-")) / "data"
    paths = DataPaths(folder)
    create_demo_folder(paths, cases=40, seed=7).close()
    window = MainWindow(paths, preload=False)
    window.show()
    _settle(app, window)
    window.unlock_page.passphrase.setText(DEMO_PASSPHRASE)
    window.unlock_page.submit.click()
    _settle(app, window, 1200)
    workspace = window.workspace
    assert workspace is not None
    print(
        f"window {window.width()}x{window.height()} on a {size} screen (frame "
        f"{window.frameGeometry().width()}x{window.frameGeometry().height()})"
    )

    def shot(name: str, widget: QWidget | None = None) -> None:
        _settle(app, window)
        picture = (widget or window).grab()
        path = OUT / f"{name}{suffix}.png"
        picture.save(str(path))
        print("wrote", path.relative_to(ROOT))

    views: list[tuple[str, Callable[[], object]]] = [
        ("caseload", workspace.show_caseload),
        ("today", workspace.show_today),
        ("actions", workspace.show_actions),
        ("referrals", workspace.show_referrals),
        ("barriers", workspace.show_barriers),
        ("review", workspace.show_review),
        ("figures", workspace.show_figures),
    ]
    for name, show in views:
        show()
        if name == "figures" and workspace.figures is not None:
            workspace.figures.refresh()
        shot(name)
    case_id = workspace.caseload.selected_case_id()
    if case_id is not None:
        view = workspace.open_case(case_id)
        _settle(app, window, 800)
        shot("case_file")
        for name, show in (
            ("contacts", view.show_contacts),
            ("release_plan", view.show_release),
            ("outcomes", view.show_outcomes),
        ):
            show()
            shot(name)
    dialogs: list[tuple[str, Callable[[], QDialog]]] = []

    def help_dialog() -> QDialog:
        from restart_desktop.ui.help import HelpDialog, shortcuts_html

        return HelpDialog("Keyboard shortcuts", shortcuts_html(window.actions()), window)

    def team_dialog() -> QDialog:
        from restart_desktop.app.team import TeamDetailsService
        from restart_desktop.ui.team_details import TeamDetailsDialog

        assert window.session is not None
        return TeamDetailsDialog(
            TeamDetailsService(window.session),
            window.session.reference.services,
            window.runner,
            True,
            window,
        )

    def action_dialog() -> QDialog:
        from restart_desktop.ui.timeline import ActionDialog

        assert window.session is not None
        return ActionDialog(window.session.clock.today(), "", window)

    dialogs += [
        ("shortcuts", help_dialog),
        ("team_details", team_dialog),
        ("new_action", action_dialog),
    ]
    for name, make in dialogs:
        dialog = make()
        dialog.show()
        shot(name, dialog)
        dialog.close()
    window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "1366x768"))
