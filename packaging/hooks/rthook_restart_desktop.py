"""Runtime hook: platform quirks of the frozen application, applied before any app code runs.

- Qt's own plugins ship inside the build; a Qt from the system (QT_PLUGIN_PATH set by a desktop
  session) must not be mixed in, or the window can fail to start with a "plugin built with a
  different Qt version" error.
- keyring finds its backends through package metadata, which the spec copies in; this hook
  fails loudly at start if that was lost, rather than letting the app believe no keyring exists.
"""

import os

os.environ.pop("QT_PLUGIN_PATH", None)
os.environ.pop("QML2_IMPORT_PATH", None)

from importlib.metadata import entry_points

if not list(entry_points(group="keyring.backends")):
    raise SystemExit(
        "RESTART Desktop was built without its keyring backends; rebuild it with "
        "`make dist` (packaging/restart_desktop.spec copies keyring's metadata)."
    )
