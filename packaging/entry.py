"""The frozen application's entry point: the same `restart-desktop` command line as from source."""

from restart_desktop.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
