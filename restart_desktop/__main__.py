from restart_desktop.entry import run

run()
