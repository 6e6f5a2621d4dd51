"""The frozen application's entry point: the same `restart-desktop` command line as from source."""

from restart_desktop.entry import run

if __name__ == "__main__":
    run()
